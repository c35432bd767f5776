import { AvatarSDKError } from "../errors/avatar-sdk-error";
import type { Resampler } from "../resample/resampler";

/**
 * Audio samples with their format, for `sendAudio()`: the SDK mixes them
 * down to mono, converts floats to 16-bit (clipping) and resamples to the
 * session's rate.
 */
export interface SampleInput {
  /** Samples, interleaved when `channels > 1`: floats in [−1, 1], or 16-bit integers. */
  readonly samples: Float32Array | Int16Array;
  /** Their rate in Hz, any positive integer (44 100, 48 000, 22 050, …). */
  readonly sampleRate: number;
  /** Channels per frame; default 1. */
  readonly channels?: number;
}

const invalid = (message: string) => new AvatarSDKError("invalidRequest", `sendAudio(): ${message}`, { phase: "websocket_send" });

/** Checks a {@link SampleInput} before anything is queued. @internal */
export function checkSampleInput(input: SampleInput): void {
  const { samples, sampleRate, channels = 1 } = input;
  if (!(samples instanceof Float32Array || samples instanceof Int16Array)) throw invalid("samples must be a Float32Array or an Int16Array");
  if (!Number.isInteger(sampleRate) || sampleRate < 1000 || sampleRate > 768_000) throw invalid(`sampleRate must be an integer number of Hz, got ${String(sampleRate)}`);
  if (!Number.isInteger(channels) || channels < 1) throw invalid(`channels must be a positive integer, got ${String(channels)}`);
  if (samples.length % channels !== 0) throw invalid(`${samples.length} samples are not a whole number of ${channels}-channel frames`);
}

/** The conversion code, loaded with the first sample input: apps that send bytes never download it. */
let conversion: Promise<typeof import("../resample/index")> | undefined;

/**
 * One request's conversion from sample inputs to mono s16le bytes at
 * `outputRate`, resampler state kept across its chunks (no clicks at chunk
 * boundaries; the request's length exact once flushed by `end`).
 * @internal
 */
export class SampleConverter {
  #resampler: Resampler | undefined;

  constructor(private readonly outputRate: number) {}

  /** Converts one chunk; with `end`, flushes the resampler. */
  async convert(input: SampleInput, end: boolean): Promise<Uint8Array> {
    const { createResampler, toMonoFloat } = await (conversion ??= import("../resample/index"));
    const channels = input.channels ?? 1;
    this.#resampler ??= createResampler(input.sampleRate, this.outputRate);
    if (this.#resampler.inputRate !== input.sampleRate) {
      throw invalid(`a request's chunks must share one sampleRate: it started at ${this.#resampler.inputRate} Hz, this chunk is ${input.sampleRate} Hz`);
    }
    // Mono 16-bit at the session rate passes straight through.
    if (input.samples instanceof Int16Array && channels === 1 && input.sampleRate === this.outputRate) return bytesOf(input.samples);
    const pushed = this.#resampler.push(toMonoFloat(input.samples, channels));
    if (!end) return bytesOf(pushed);
    const rest = this.#resampler.flush();
    const out = new Int16Array(pushed.length + rest.length);
    out.set(pushed);
    out.set(rest, pushed.length);
    return bytesOf(out);
  }
}

const bytesOf = (samples: Int16Array) => new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
