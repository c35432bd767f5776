/**
 * The built-in PCM → Ogg Opus encoder of one request: s16le chunks in, Ogg
 * pages out, ready to send.
 *
 * @packageDocumentation
 */

import type { OpusApplication, OpusEncoder, OpusEncoderFactory } from "./opus-encoder";
import { FRAME_DURATIONS_MS, OPUS_APPLICATIONS, SAMPLE_RATES } from "../config/defaults";
import { OPUS_PRE_SKIP, OggOpusMuxer } from "../ogg/muxer";

/** Input rates the built-in encoder takes (the rates Opus encodes natively). */
export const OGG_OPUS_SAMPLE_RATES = SAMPLE_RATES.ogg_opus;

/** One of {@link OGG_OPUS_SAMPLE_RATES}. */
export type OggOpusSampleRate = (typeof OGG_OPUS_SAMPLE_RATES)[number];

/** Opus frame durations, in milliseconds, the built-in encoder can use. */
export const OPUS_FRAME_DURATIONS = FRAME_DURATIONS_MS;

/** One of {@link OPUS_FRAME_DURATIONS}. */
export type OpusFrameDuration = (typeof OPUS_FRAME_DURATIONS)[number];

/** Tells whether `value` is one of {@link OGG_OPUS_SAMPLE_RATES}. */
export function isOggOpusSampleRate(value: unknown): value is OggOpusSampleRate {
  return (OGG_OPUS_SAMPLE_RATES as readonly unknown[]).includes(value);
}

/** Tells whether `value` is one of {@link OPUS_FRAME_DURATIONS}. */
export function isOpusFrameDuration(value: unknown): value is OpusFrameDuration {
  return (OPUS_FRAME_DURATIONS as readonly unknown[]).includes(value);
}

/** Tells whether `value` is one of {@link OPUS_APPLICATIONS}. */
export function isOpusApplication(value: unknown): value is OpusApplication {
  return (OPUS_APPLICATIONS as readonly unknown[]).includes(value);
}

/** Audio pages close after about this much audio (and at the end). */
const PAGE_DURATION_MS = 100;

/**
 * The lookahead of a libopus encoder, in input samples (what
 * `OPUS_GET_LOOKAHEAD` answers): 2.5 ms, plus 4 ms of delay compensation
 * except with `restricted_lowdelay`. At 48 kHz: 312, or 120.
 */
export function opusLookahead(sampleRate: number, application: OpusApplication): number {
  return sampleRate / 400 + (application === "restricted_lowdelay" ? 0 : sampleRate / 250);
}

/** Settings of one {@link OggOpusStream}. */
export interface OggOpusStreamInit {
  /**
   * A fresh encoder for this stream, created for `sampleRate`. The stream
   * owns it from now on: `end()` and `destroy()` destroy it.
   */
  readonly encoder: OpusEncoder;
  /** The PCM rate, one of {@link OGG_OPUS_SAMPLE_RATES}. */
  readonly sampleRate: number;
  /** One of {@link OPUS_FRAME_DURATIONS}. */
  readonly frameDurationMs: number;
  /** The Ogg serial number (unsigned 32-bit); use a new one for every request. */
  readonly serial: number;
  /** Keep a copy of every byte produced, for {@link OggOpusStream.stream}. */
  readonly keepStream: boolean;
  /**
   * The encoder's lookahead in input samples ({@link opusLookahead}).
   * Defaults to the pre-skip at `sampleRate` (104 at 16 kHz), which is the
   * lookahead of the `audio` and `voip` applications.
   */
  readonly lookahead?: number;
}

/**
 * Turns the PCM of one request into one Ogg Opus logical stream.
 *
 * `push()` takes mono s16le bytes, encodes every complete frame and returns
 * the pages it completed (the two header pages come with the first call);
 * `end()` pads the last frame with zeros and returns the rest of the stream,
 * ending with the EOS page. Audio pages close every fixed number of packets
 * (about 100 ms of audio), so the bytes depend only on the PCM, the settings
 * and the serial, never on how the PCM was split into chunks.
 *
 * The end of the stream carries enough zero samples for the decoder to
 * output the encoder's lookahead too; the EOS granule position counts only
 * the real samples, so the decoded length equals the input length. The
 * pre-skip is always 312 (PROTOCOL.md §6); an encoder with a shorter
 * lookahead (`restricted_lowdelay`) gets the difference as zeros before the
 * first sample, so that decoded audio stays aligned with the input.
 *
 * An empty request (`end()` without audio) is still a valid stream: the
 * headers and an EOS page with one silent packet that decodes to nothing.
 *
 * The stream owns its encoder: `end()` destroys it, and so does `destroy()`,
 * which abandons a stream that will not be ended.
 *
 * @example
 * ```ts
 * const stream = await OggOpusStream.open(encoderFactory, {
 *   sampleRate: 16000, frameDurationMs: 20, application: "audio", bitrate: 0, serial, keepStream: false,
 * });
 * send(stream.push(chunk));
 * send(stream.end());
 * ```
 */
export class OggOpusStream {
  /**
   * Creates an encoder with `factory` and opens a stream over it: how a
   * request's stream starts.
   */
  static async open(factory: OpusEncoderFactory, options: OggOpusStreamOptions): Promise<OggOpusStream> {
    const { sampleRate, frameDurationMs, serial, keepStream, application } = options;
    if (!isOggOpusSampleRate(sampleRate)) {
      throw new RangeError(`Ogg Opus sample rate must be one of ${OGG_OPUS_SAMPLE_RATES.join(", ")}; got ${sampleRate}`);
    }
    const encoder = await factory({ sampleRate, channels: 1, application, bitrate: options.bitrate });
    try {
      return new OggOpusStream({ encoder, sampleRate, frameDurationMs, serial, keepStream, lookahead: opusLookahead(sampleRate, application) });
    } catch (error) {
      encoder.destroy();
      throw error;
    }
  }

  readonly #encoder: OpusEncoder;
  readonly #muxer: OggOpusMuxer;
  readonly #frameSamples: number;
  readonly #packetsPerPage: number;
  /** The pre-skip at the input rate: samples the encoder must see past the last real one for the decoder to output it. */
  readonly #tailSamples: number;
  /** The frame being filled; `#frameBytes` views the same memory. */
  readonly #frame: Int16Array;
  readonly #frameBytes: Uint8Array;
  #filledBytes = 0;
  /** Real input samples pushed. */
  #inputSamples = 0;
  /** Samples handed to the encoder, padding included. */
  #encodedSamples = 0;
  #ended = false;
  readonly #chunks: Uint8Array[] | undefined;
  #stream: Uint8Array | undefined;

  constructor(options: OggOpusStreamInit) {
    const { sampleRate, frameDurationMs } = options;
    if (!isOggOpusSampleRate(sampleRate)) {
      throw new RangeError(`Ogg Opus sample rate must be one of ${OGG_OPUS_SAMPLE_RATES.join(", ")}; got ${sampleRate}`);
    }
    if (!isOpusFrameDuration(frameDurationMs)) {
      throw new RangeError(`Opus frame duration must be one of ${OPUS_FRAME_DURATIONS.join(", ")} ms; got ${frameDurationMs}`);
    }
    this.#encoder = options.encoder;
    this.#muxer = new OggOpusMuxer({ serial: options.serial, inputSampleRate: sampleRate });
    this.#frameSamples = (sampleRate * frameDurationMs) / 1000;
    this.#packetsPerPage = Math.max(1, Math.round(PAGE_DURATION_MS / frameDurationMs));
    this.#tailSamples = (OPUS_PRE_SKIP * sampleRate) / 48000;
    const lookahead = options.lookahead ?? this.#tailSamples;
    if (!Number.isInteger(lookahead) || lookahead < 0 || lookahead > this.#tailSamples) {
      throw new RangeError(`Encoder lookahead must be 0 to ${this.#tailSamples} samples at ${sampleRate} Hz; got ${lookahead}`);
    }
    this.#frame = new Int16Array(this.#frameSamples);
    this.#frameBytes = new Uint8Array(this.#frame.buffer);
    // Leading zeros (less than a frame: at most 6.5 ms) make up for a lookahead shorter than the pre-skip.
    this.#filledBytes = (this.#tailSamples - lookahead) * 2;
    this.#chunks = options.keepStream ? [] : undefined;
  }

  /**
   * Adds PCM and returns the bytes of the pages this call completed (often
   * none). A partial frame waits for the next call.
   *
   * @param pcm - mono signed 16-bit little-endian samples, whole samples only
   *   (read in the host's byte order, little-endian on every engine in use)
   * @throws RangeError for an odd number of bytes; Error after `end()` or `destroy()`
   */
  push(pcm: Uint8Array): Uint8Array {
    this.#checkOpen("push");
    if (pcm.length % 2 !== 0) {
      throw new RangeError(`PCM chunks must hold whole 16-bit samples; got ${pcm.length} bytes`);
    }
    this.#muxer.writeHeaders();
    this.#inputSamples += pcm.length / 2;

    const frameBytes = this.#frameBytes.length;
    let offset = 0;
    if (this.#filledBytes > 0) {
      offset = Math.min(frameBytes - this.#filledBytes, pcm.length);
      this.#frameBytes.set(pcm.subarray(0, offset), this.#filledBytes);
      this.#filledBytes += offset;
      if (this.#filledBytes < frameBytes) return this.#emit();
      this.#encode(this.#frame, true);
      this.#filledBytes = 0;
    }
    while (pcm.length - offset >= frameBytes) {
      const start = pcm.byteOffset + offset;
      if (start % 2 === 0) {
        // Aligned: encode straight from the caller's memory.
        this.#encode(new Int16Array(pcm.buffer, start, this.#frameSamples), true);
      } else {
        this.#frameBytes.set(pcm.subarray(offset, offset + frameBytes));
        this.#encode(this.#frame, true);
      }
      offset += frameBytes;
    }
    if (offset < pcm.length) {
      this.#frameBytes.set(pcm.subarray(offset));
      this.#filledBytes = pcm.length - offset;
    }
    return this.#emit();
  }

  /**
   * Pads and encodes the last frame, and returns the remaining pages, the
   * last one flagged EOS.
   *
   * @throws Error when called twice
   */
  end(): Uint8Array {
    this.#checkOpen("end");
    this.#ended = true;
    try {
      this.#muxer.writeHeaders();
      if (this.#filledBytes > 0) {
        this.#frameBytes.fill(0, this.#filledBytes);
        this.#encode(this.#frame, false);
        this.#filledBytes = 0;
      }
      if (this.#encodedSamples < this.#inputSamples + this.#tailSamples) {
        this.#frame.fill(0);
        while (this.#encodedSamples < this.#inputSamples + this.#tailSamples) this.#encode(this.#frame, false);
      }
      this.#muxer.finish(this.#inputSamples);
      return this.#emit();
    } finally {
      this.#encoder.destroy();
    }
  }

  /**
   * Abandons the stream without ending it (nothing more is produced) and
   * destroys its encoder. Does nothing after `end()` or a previous `destroy()`.
   */
  destroy(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#encoder.destroy();
  }

  /**
   * The whole stream produced so far (complete after `end()`), when
   * `keepStream` was set; `undefined` otherwise. Do not modify it.
   */
  get stream(): Uint8Array | undefined {
    const chunks = this.#chunks;
    if (chunks === undefined) return undefined;
    if (this.#stream === undefined) {
      let size = 0;
      for (const chunk of chunks) size += chunk.length;
      const whole = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        whole.set(chunk, offset);
        offset += chunk.length;
      }
      chunks.length = 0;
      chunks.push(whole);
      this.#stream = whole;
    }
    return this.#stream;
  }

  /** Encodes one full frame; `mayClosePage` is false for the padded frames of the end, which share the EOS page. */
  #encode(frame: Int16Array, mayClosePage: boolean): void {
    this.#muxer.addPacket(this.#encoder.encode(frame), this.#frameSamples);
    this.#encodedSamples += this.#frameSamples;
    if (mayClosePage && this.#muxer.pendingPackets >= this.#packetsPerPage) this.#muxer.flushPage();
  }

  #emit(): Uint8Array {
    const bytes = this.#muxer.take();
    if (this.#chunks !== undefined && bytes.length > 0) {
      this.#chunks.push(bytes);
      this.#stream = undefined;
    }
    return bytes;
  }

  #checkOpen(method: string): void {
    if (this.#ended) throw new Error(`OggOpusStream.${method}() called after end() or destroy()`);
  }
}

/** Settings for {@link OggOpusStream.open}: one request's stream and its encoder. */
export interface OggOpusStreamOptions {
  /** The PCM rate, one of {@link OGG_OPUS_SAMPLE_RATES}. */
  readonly sampleRate: number;
  /** One of {@link OPUS_FRAME_DURATIONS}. */
  readonly frameDurationMs: number;
  /** The libopus application; it also sets the encoder's lookahead. */
  readonly application: OpusApplication;
  /** Bits per second; 0 keeps the libopus default. */
  readonly bitrate: number;
  /** The Ogg serial number (unsigned 32-bit); use a new one for every request. */
  readonly serial: number;
  /** Keep the whole stream, for `onEncodedAudio`. */
  readonly keepStream: boolean;
}
