/**
 * One request id's audio: accumulation, validation, and how many of its
 * frames the audio so far allows.
 *
 * @module
 */
import { completeFrames, frameCount, jawForOggOpusFrame, jawForPcmBytes, spanStart } from "./flame";
import { utf8 } from "./frames";
import { OggOpusProgress, validateOggOpus } from "./ogg";
import type { RequestRecord } from "./records";
import { RUNTIME_WORDING } from "./wording";

/** What ending a request yields: how many frames it has in all, or why the audio was refused. */
export type RequestOutcome = { ok: true; frames: number } | { ok: false; message: string };

/**
 * Audio the live service keeps unprocessed until `end` (its resampler's
 * delay, PROTOCOL.md §9): a frame goes out while audio streams only once
 * this much audio past its span has arrived, so the last frame, the one with
 * `end=true`, always waits for the `end` chunk.
 */
export const HOLDBACK_MS = 21;

/** Where a request's output stands. */
export type Outcome = "active" | "ended" | "interrupted" | "refused";

/** @internal The audio of one request, growing chunk by chunk, and its output. */
export class AudioRequest {
  /** The live record of this request. */
  readonly record: RequestRecord;
  /** `req_id` as UTF-8, for the frames. */
  readonly reqIdBytes: Uint8Array;
  /** Frames the audio so far allows (all of them once the request ended). */
  available = 0;
  /** The frame count, once the request ended; -1 before. */
  total = -1;
  /** Frames written: sent over the WebSocket, or played out in egress mode. */
  written = 0;
  /** `active` until its output is over. */
  outcome: Outcome = "active";
  /** A PLAYING state was sent for it (unprompted or as the answer to a resume). */
  announced = false;
  readonly #framesPerSecond: number;
  readonly #rate: number;
  readonly #holdback: number;
  readonly #ogg: OggOpusProgress | undefined;
  #buffer = new Uint8Array(0);
  #settled = false;

  constructor(reqId: string, format: RequestRecord["format"], sampleRate: number, framesPerSecond: number) {
    this.record = {
      reqId,
      format,
      sampleRate,
      chunks: 0,
      bytes: 0,
      audio: new Uint8Array(0),
      ended: false,
      interrupted: false,
      durationMs: 0,
      framesSent: 0,
      frames: [],
      playedMs: 0,
    };
    this.reqIdBytes = utf8(reqId);
    this.#framesPerSecond = framesPerSecond;
    this.#rate = format === "pcm_s16le" ? sampleRate : 48000;
    this.#holdback = Math.ceil((this.#rate * HOLDBACK_MS) / 1000);
    this.#ogg = format === "ogg_opus" ? new OggOpusProgress() : undefined;
  }

  /** True once the request can take no more audio (ended or interrupted). */
  get closed(): boolean {
    return this.record.ended || this.record.interrupted;
  }

  /**
   * Marks the request finished (all output written, refused, or
   * interrupted). Returns true the first time only, so its `request` event
   * fires once.
   */
  settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }

  /** True once {@link settle} was called. */
  get settled(): boolean {
    return this.#settled;
  }

  /** Accepts a chunk, or returns the service's refusal of it; {@link available} may grow. */
  append(chunk: Uint8Array): string | undefined {
    if (this.record.format === "pcm_s16le" && chunk.length % 2 !== 0) return RUNTIME_WORDING.oddPcmChunk;
    const r = this.record;
    const needed = r.bytes + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2, 4096));
      grown.set(this.#buffer.subarray(0, r.bytes));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, r.bytes);
    r.bytes = needed;
    r.chunks += 1;
    r.audio = this.#buffer.subarray(0, needed);
    const samples = this.#ogg ? this.#ogg.advance(this.#buffer, needed) : needed / 2;
    const ready = completeFrames(samples - this.#holdback, this.#rate, this.#framesPerSecond);
    if (ready > this.available) this.available = ready;
    return undefined;
  }

  /** Ends the request: validates the audio, computes its duration and frame count, and makes every frame available. */
  end(): RequestOutcome {
    const r = this.record;
    r.ended = true;
    let samples: number;
    if (r.format === "pcm_s16le") {
      samples = r.bytes / 2;
    } else if (r.bytes === 0) {
      samples = 0;
    } else {
      const ogg = validateOggOpus(r.audio);
      if (!ogg.ok) {
        r.oggError = ogg.reason;
        return { ok: false, message: RUNTIME_WORDING.invalidOgg(ogg.reason) };
      }
      samples = ogg.samples;
    }
    r.durationMs = (samples * 1000) / this.#rate;
    this.total = frameCount(samples, this.#rate, this.#framesPerSecond);
    r.frameCount = this.total;
    // The held-back tail guarantees that fewer than `total` frames went out while the audio streamed.
    this.available = this.total;
    return { ok: true, frames: this.total };
  }

  /** True when frame `index` is the request's last. */
  isLast(index: number): boolean {
    return this.total >= 0 && index === this.total - 1;
  }

  /** The jaw opening of frame `index`: from its PCM samples, or the Ogg Opus stand-in. */
  jaw(index: number): number {
    if (this.#ogg) return jawForOggOpusFrame(index);
    const samples = this.record.bytes >> 1;
    const start = Math.min(spanStart(index, this.#rate, this.#framesPerSecond), samples);
    const end = Math.min(spanStart(index + 1, this.#rate, this.#framesPerSecond), samples);
    return jawForPcmBytes(this.#buffer, start * 2, end * 2);
  }
}

export { frameCount };
