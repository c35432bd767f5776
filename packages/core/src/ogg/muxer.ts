/**
 * Ogg Opus muxing (RFC 7845): Opus packets in, Ogg pages out.
 *
 * @packageDocumentation
 */

import { OGG_MAX_SEGMENTS, OggPageFlag, oggLacingCount, oggPageSize, writeOggPage, type OggPage } from "./page";

/**
 * Samples (at 48 kHz) the decoder drops from the start of the stream: the
 * encoder's 6.5 ms lookahead, as the header of every stream says.
 */
export const OPUS_PRE_SKIP = 312;

/** The vendor string written to `OpusTags`. */
export const OGG_OPUS_VENDOR = "avatarkit-js";

/** Ogg Opus granule positions count samples at 48 kHz, whatever the input rate. */
const GRANULE_RATE = 48000;

/**
 * The `OpusHead` identification header: version 1, one channel, the given
 * pre-skip, the input sample rate, output gain 0, channel mapping family 0.
 */
export function opusHeadPacket(inputSampleRate: number, preSkip: number = OPUS_PRE_SKIP): Uint8Array {
  const packet = new Uint8Array(19);
  const view = new DataView(packet.buffer);
  packet.set(ascii("OpusHead"), 0);
  view.setUint8(8, 1); // version
  view.setUint8(9, 1); // channel count
  view.setUint16(10, preSkip, true);
  view.setUint32(12, inputSampleRate, true);
  view.setInt16(16, 0, true); // output gain
  view.setUint8(18, 0); // channel mapping family
  return packet;
}

/** The `OpusTags` comment header: the vendor string and no user comments. */
export function opusTagsPacket(vendor: string = OGG_OPUS_VENDOR): Uint8Array {
  const vendorBytes = new TextEncoder().encode(vendor);
  const packet = new Uint8Array(8 + 4 + vendorBytes.length + 4);
  const view = new DataView(packet.buffer);
  packet.set(ascii("OpusTags"), 0);
  view.setUint32(8, vendorBytes.length, true);
  packet.set(vendorBytes, 12);
  view.setUint32(12 + vendorBytes.length, 0, true); // user comment count
  return packet;
}

/** Settings of one {@link OggOpusMuxer}. */
export interface OggOpusMuxerOptions {
  /** The logical stream's serial number (unsigned 32-bit); use a new one per stream. */
  readonly serial: number;
  /** The PCM rate the packets were encoded from; 48000 must be a multiple of it. */
  readonly inputSampleRate: number;
  /** Defaults to {@link OPUS_PRE_SKIP}. */
  readonly preSkip?: number;
  /** Defaults to {@link OGG_OPUS_VENDOR}. */
  readonly vendor?: string;
}

/**
 * Builds one Ogg Opus logical stream: page 0 holds `OpusHead` (BOS), page 1
 * `OpusTags`, then audio pages, and a final EOS page.
 *
 * As RFC 7845 §4 (and opusenc) count it, an audio page's granule position is
 * the number of 48 kHz samples decoded through its last packet, pre-skip
 * included: `samples * 48000 / inputSampleRate` for the input samples of every
 * packet so far. Since pre-skip is the encoder's lookahead, this is
 * `preSkip + playable * 48000 / inputSampleRate`, the form of PROTOCOL.md §6,
 * where `playable` excludes the lookahead still inside the encoder. The EOS
 * page's granule is `preSkip + totalSamples * 48000 / inputSampleRate` for the
 * real input samples, so that decoders drop the zero padding at the end; the
 * packets must therefore encode at least `preSkip` (at 48 kHz) more samples
 * than the real ones.
 *
 * The caller decides where audio pages end ({@link OggOpusMuxer.flushPage});
 * the muxer only closes one early when the next packet would not fit in 255
 * lacing values. Pages are queued and handed out by {@link OggOpusMuxer.take}.
 *
 * @example
 * ```ts
 * const muxer = new OggOpusMuxer({ serial: 1, inputSampleRate: 16000 });
 * muxer.addPacket(packet, 320); // 20 ms at 16 kHz: 300 real samples, then zeros
 * muxer.addPacket(silence, 320); // lets the decoder output the lookahead
 * muxer.finish(300); // EOS granule 312 + 300 * 3
 * send(muxer.take());
 * ```
 */
export class OggOpusMuxer {
  readonly #serial: number;
  readonly #inputSampleRate: number;
  readonly #granuleFactor: number;
  readonly #preSkip: number;
  readonly #vendor: string;

  #state: "new" | "open" | "finished" = "new";
  #sequence = 0;
  /** Input samples in every packet added so far. */
  #samples = 0;
  /** Granule position of the last audio page closed. */
  #lastGranule = 0;
  #pending: Uint8Array[] = [];
  #pendingSegments = 0;
  #closed: OggPage[] = [];

  constructor(options: OggOpusMuxerOptions) {
    const { serial, inputSampleRate } = options;
    if (!Number.isInteger(serial) || serial < 0 || serial > 0xffffffff) {
      throw new RangeError(`Ogg serial must be an unsigned 32-bit integer, got ${serial}`);
    }
    if (!Number.isInteger(inputSampleRate) || inputSampleRate <= 0 || GRANULE_RATE % inputSampleRate !== 0) {
      throw new RangeError(`Input sample rate must divide 48000, got ${inputSampleRate}`);
    }
    const preSkip = options.preSkip ?? OPUS_PRE_SKIP;
    if (!Number.isInteger(preSkip) || preSkip < 0 || preSkip > 0xffff) {
      throw new RangeError(`Pre-skip must be an unsigned 16-bit integer, got ${preSkip}`);
    }
    this.#serial = serial;
    this.#inputSampleRate = inputSampleRate;
    this.#granuleFactor = GRANULE_RATE / inputSampleRate;
    this.#preSkip = preSkip;
    this.#vendor = options.vendor ?? OGG_OPUS_VENDOR;
  }

  /** Audio packets added but not yet on a closed page. */
  get pendingPackets(): number {
    return this.#pending.length;
  }

  /** True once {@link OggOpusMuxer.finish} has run. */
  get finished(): boolean {
    return this.#state === "finished";
  }

  /** Queues the two header pages, unless they already were. Other calls do this first by themselves. */
  writeHeaders(): void {
    if (this.#state !== "new") return;
    this.#state = "open";
    this.#closePage(OggPageFlag.bos, 0, [opusHeadPacket(this.#inputSampleRate, this.#preSkip)]);
    this.#closePage(0, 0, [opusTagsPacket(this.#vendor)]);
  }

  /**
   * Adds one Opus packet (copied, so the caller may reuse its buffer).
   *
   * @param samples - input samples the packet encodes (at `inputSampleRate`)
   */
  addPacket(packet: Uint8Array, samples: number): void {
    this.#open();
    if (!Number.isInteger(samples) || samples <= 0) {
      throw new RangeError(`A packet must encode a positive whole number of samples, got ${samples}`);
    }
    const segments = oggLacingCount(packet.length);
    if (segments > OGG_MAX_SEGMENTS) {
      throw new RangeError(`An Opus packet of ${packet.length} bytes does not fit on one Ogg page`);
    }
    if (this.#pendingSegments + segments > OGG_MAX_SEGMENTS) this.flushPage();
    this.#pending.push(packet.slice());
    this.#pendingSegments += segments;
    this.#samples += samples;
  }

  /** Closes an audio page with the packets added since the last one; does nothing when there are none. */
  flushPage(): void {
    this.#open();
    if (this.#pending.length === 0) return;
    this.#closeAudioPage(0, this.#samples * this.#granuleFactor);
  }

  /**
   * Closes the last page, flagged EOS, with the packets still pending. Its
   * granule position, `preSkip + totalSamples * 48000 / inputSampleRate`,
   * counts only the real input samples, which trims the padding at the end.
   *
   * @param totalSamples - real input samples in the stream (at `inputSampleRate`)
   * @throws RangeError when the packets do not decode to `totalSamples` plus
   *   pre-skip, or the trim would reach audio already on an earlier page
   */
  finish(totalSamples: number): void {
    this.#open();
    const granule = this.#preSkip + totalSamples * this.#granuleFactor;
    if (!Number.isInteger(totalSamples) || totalSamples < 0 || granule > this.#samples * this.#granuleFactor) {
      throw new RangeError(
        `The packets hold ${this.#samples} samples; ending at ${totalSamples} needs that many plus the pre-skip`,
      );
    }
    if (granule < this.#lastGranule) {
      throw new RangeError(`Ending at ${totalSamples} samples would trim audio from an earlier page`);
    }
    this.#closeAudioPage(OggPageFlag.eos, granule);
    this.#state = "finished";
  }

  /** Returns the bytes of every page closed since the last call (empty when none), in one buffer. */
  take(): Uint8Array {
    const pages = this.#closed;
    if (pages.length === 0) return new Uint8Array(0);
    this.#closed = [];
    let size = 0;
    for (const page of pages) size += oggPageSize(page.packets);
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const page of pages) offset = writeOggPage(page, bytes, offset);
    return bytes;
  }

  #open(): void {
    if (this.#state === "finished") throw new Error("This Ogg Opus stream has already ended");
    this.writeHeaders();
  }

  #closeAudioPage(flags: number, granule: number): void {
    this.#closePage(flags, granule, this.#pending);
    this.#pending = [];
    this.#pendingSegments = 0;
    this.#lastGranule = granule;
  }

  #closePage(flags: number, granulePosition: number, packets: readonly Uint8Array[]): void {
    this.#closed.push({ flags, granulePosition, serial: this.#serial, sequence: this.#sequence++, packets });
  }
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}
