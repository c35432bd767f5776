/**
 * One request id's audio: accumulation, validation and duration.
 *
 * @module
 */
import { validateOggOpus } from "./ogg";
import type { RequestRecord } from "./records";
import { RUNTIME_WORDING } from "./wording";

/** What ending a request yields: how many frames to send, or why the audio was refused. */
export type RequestOutcome = { ok: true; frames: number } | { ok: false; message: string };

/** @internal The audio of one request, growing chunk by chunk. */
export class AudioRequest {
  /** The live record of this request. */
  readonly record: RequestRecord;
  #buffer = new Uint8Array(0);
  #settled = false;

  constructor(reqId: string, format: RequestRecord["format"], sampleRate: number) {
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
    };
  }

  /** True once the request can take no more audio (ended or interrupted). */
  get closed(): boolean {
    return this.record.ended || this.record.interrupted;
  }

  /**
   * Marks the request finished (all frames sent, refused, or interrupted).
   * Returns true the first time only, so its `request` event fires once.
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

  /** Accepts a chunk, or returns the service's refusal of it. */
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
    return undefined;
  }

  /** Ends the request: validates the audio and computes its duration and frame count. */
  end(framesPerSecond: number): RequestOutcome {
    const r = this.record;
    r.ended = true;
    let samples: number;
    let rate: number;
    if (r.format === "pcm_s16le") {
      samples = r.bytes / 2;
      rate = r.sampleRate;
    } else if (r.bytes === 0) {
      samples = 0;
      rate = 48000;
    } else {
      const ogg = validateOggOpus(r.audio, { inputRate: r.sampleRate });
      if (!ogg.ok) {
        r.oggError = ogg.reason;
        return { ok: false, message: RUNTIME_WORDING.invalidOgg(ogg.reason) };
      }
      samples = ogg.samples;
      rate = 48000;
    }
    r.durationMs = (samples * 1000) / rate;
    return { ok: true, frames: frameCount(samples, rate, framesPerSecond) };
  }
}

/** `ceil(seconds * fps)`, at least 1, computed without floating-point drift. */
export function frameCount(samples: number, rate: number, framesPerSecond: number): number {
  if (Number.isInteger(framesPerSecond)) {
    return Math.max(1, Math.floor((samples * framesPerSecond + rate - 1) / rate));
  }
  return Math.max(1, Math.ceil((samples / rate) * framesPerSecond - 1e-9));
}
