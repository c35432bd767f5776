/**
 * Streaming sample-rate conversion for one request: a polyphase
 * Kaiser-windowed sinc filter in plain TypeScript (no WebAssembly to load).
 *
 * @packageDocumentation
 */
import { toInt16 } from "./convert";
import { DEFAULT_FILTER, designTable, gcd, type FilterSpec, type PolyphaseTable } from "./kernel";

/**
 * Converts one request's mono audio from `inputRate` to `outputRate`,
 * chunk by chunk, and outputs 16-bit samples.
 *
 * The filter state carries over from one `push()` to the next, so the
 * output does not depend on how the input was cut into chunks: the same
 * samples pushed in any chunk sizes give the same output, sample for sample.
 * It is delay-compensated: output sample `k` is the input signal at time
 * `k / outputRate` (low-passed below the lower Nyquist frequency), as if the
 * input were preceded and followed by silence.
 *
 * Length rule: after `flush()`, the request's output holds exactly
 * `outputLength(totalInput, inputRate, outputRate)` =
 * `round(totalInput × outputRate / inputRate)` samples (halves rounded up),
 * however it was chunked.
 */
export interface Resampler {
  /** Rate of the samples given to `push()`, in Hz. */
  readonly inputRate: number;
  /** Rate of the samples returned, in Hz. */
  readonly outputRate: number;
  /**
   * Adds input samples (mono floats in [−1, 1]; larger values clip at the
   * output) and returns every output sample that is ready: all those whose
   * filter window lies inside the input received so far. May be empty. The
   * output lags the input by the filter's half width (`latency` input samples);
   * `flush()` returns the rest. The input array is neither kept nor changed.
   *
   * @throws Error after `flush()`.
   */
  push(mono: Float32Array): Int16Array;
  /**
   * Ends the request: returns the remaining output samples (the input is
   * taken as followed by silence), so that the request's total is exactly
   * `round(totalInput × outputRate / inputRate)`. Later calls return an
   * empty array; `push()` then throws.
   */
  flush(): Int16Array;
  /**
   * How many input samples a `push()` holds back before its output comes
   * out (0 for equal rates): the filter's look-ahead.
   */
  readonly latency: number;
}

/**
 * The number of output samples a request of `inputLength` samples gives:
 * `round(inputLength × outputRate / inputRate)`, halves rounded up,
 * computed exactly in integers.
 */
export function outputLength(inputLength: number, inputRate: number, outputRate: number): number {
  const g = gcd(inputRate, outputRate);
  const L = outputRate / g;
  const M = inputRate / g;
  return Math.floor((2 * inputLength * L + M) / (2 * M));
}

function checkRate(name: string, rate: number): void {
  if (!Number.isSafeInteger(rate) || rate < 1 || rate > 1_000_000) {
    throw new RangeError(`${name} must be an integer number of Hz from 1 to 1000000, got ${rate}`);
  }
}

/** Tables are costly to design (a few ms) and the same few rate pairs recur: keep the last few. */
const tables = new Map<string, PolyphaseTable>();
const TABLES_KEPT = 8;

function tableFor(inputRate: number, outputRate: number, spec: FilterSpec): PolyphaseTable {
  const key = `${inputRate}/${outputRate}/${spec.passband}/${spec.stopband}/${spec.attenuationDb}`;
  let table = tables.get(key);
  if (table === undefined) {
    table = designTable(inputRate, outputRate, spec);
    if (tables.size >= TABLES_KEPT) tables.delete(tables.keys().next().value!);
  } else {
    tables.delete(key); // re-inserted below: most recently used last
  }
  tables.set(key, table);
  return table;
}

/**
 * Creates the resampler for one request. Equal rates give a pass-through
 * that only converts to 16 bits (no filter, no latency).
 *
 * The filter (see `README.md` beside this file): passband to 90 % of the
 * lower Nyquist frequency, stopband from that Nyquist frequency on, 70 dB
 * down; linear phase and delay-compensated.
 *
 * @param inputRate - Rate of the pushed samples, integer Hz.
 * @param outputRate - Rate wanted, integer Hz.
 * @throws RangeError for a rate that is not an integer from 1 to 1 000 000.
 */
export function createResampler(inputRate: number, outputRate: number): Resampler;
/** @internal A filter design other than the default, for measurements. */
export function createResampler(inputRate: number, outputRate: number, spec: FilterSpec): Resampler;
export function createResampler(inputRate: number, outputRate: number, spec: FilterSpec = DEFAULT_FILTER): Resampler {
  checkRate("inputRate", inputRate);
  checkRate("outputRate", outputRate);
  if (inputRate === outputRate) return new IdentityResampler(inputRate);
  return new PolyphaseResampler(inputRate, outputRate, tableFor(inputRate, outputRate, spec));
}

const EMPTY = new Int16Array(0);

class IdentityResampler implements Resampler {
  readonly latency = 0;
  private done = false;
  constructor(readonly inputRate: number) {}
  get outputRate(): number {
    return this.inputRate;
  }
  push(mono: Float32Array): Int16Array {
    if (this.done) throw new Error("Resampler.push() after flush(): use a new resampler for each request");
    const out = new Int16Array(mono.length);
    for (let i = 0; i < mono.length; i++) out[i] = toInt16(mono[i]!);
    return out;
  }
  flush(): Int16Array {
    this.done = true;
    return EMPTY;
  }
}

class PolyphaseResampler implements Resampler {
  readonly latency: number;
  /** The ratio in lowest terms: `L` output samples per `M` input samples. */
  private readonly L: number;
  private readonly M: number;
  private readonly taps: number;
  private readonly half: number;
  private readonly coefs: Float64Array;
  private readonly interpolated: boolean;
  private readonly phases: number;
  /** Input samples kept, from absolute index `start` (negative indices are the leading silence). */
  private buffer: Float64Array;
  private start: number;
  /** Absolute index one past the last sample in `buffer`. */
  private end = 0;
  /** Input samples pushed. */
  private received = 0;
  /** The next output sample `k` is at input position `q + p / L`. */
  private q = 0;
  private p = 0;
  private produced = 0;
  private done = false;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    table: PolyphaseTable,
  ) {
    const g = gcd(inputRate, outputRate);
    this.L = outputRate / g;
    this.M = inputRate / g;
    this.taps = table.taps;
    this.half = table.taps / 2;
    this.coefs = table.coefs;
    this.interpolated = table.interpolated;
    this.phases = table.phases;
    this.latency = this.half;
    // The taps before sample 0 read silence.
    this.start = -(this.half - 1);
    this.buffer = new Float64Array(Math.max(4096, 2 * table.taps));
  }

  push(mono: Float32Array): Int16Array {
    if (this.done) throw new Error("Resampler.push() after flush(): use a new resampler for each request");
    this.append(mono, mono.length);
    this.received += mono.length;
    // Output k is ready when its last tap, input q_k + half, has arrived:
    // q_k ≤ qMax ⟺ k·M < (qMax + 1)·L.
    const qMax = this.received - 1 - this.half;
    const ready = qMax < 0 ? 0 : Math.floor(((qMax + 1) * this.L - 1) / this.M) + 1;
    return this.produce(ready - this.produced);
  }

  flush(): Int16Array {
    if (this.done) return EMPTY;
    this.done = true;
    const total = outputLength(this.received, this.inputRate, this.outputRate);
    const remaining = total - this.produced;
    if (remaining <= 0) return EMPTY;
    // The last output's window ends at input q_last + half: pad with silence up to it.
    const qLast = Math.floor(((total - 1) * this.M) / this.L);
    const zeros = qLast + this.half + 1 - this.end;
    if (zeros > 0) this.append(undefined, zeros);
    const out = this.produce(remaining);
    this.buffer = new Float64Array(0);
    return out;
  }

  /** Appends `count` samples of `samples` (or silence) after dropping those no output needs any more. */
  private append(samples: Float32Array | undefined, count: number): void {
    const keepFrom = this.q - this.half + 1;
    const kept = this.end - keepFrom;
    let buffer = this.buffer;
    if (kept + count > buffer.length) {
      buffer = new Float64Array(Math.max(kept + count, 2 * buffer.length));
      buffer.set(this.buffer.subarray(keepFrom - this.start, this.end - this.start));
    } else if (keepFrom > this.start) {
      buffer.copyWithin(0, keepFrom - this.start, this.end - this.start);
    }
    if (samples === undefined) buffer.fill(0, kept, kept + count);
    else buffer.set(samples, kept);
    this.buffer = buffer;
    this.start = keepFrom;
    this.end += count;
  }

  /**
   * Computes the next `count` output samples (their input must be in the
   * buffer). Outputs `i` and `i + L` use the same row of coefficients, on
   * input `M` samples apart: they are computed four at a time, sharing each
   * coefficient load. Every output is summed in the same order (even taps,
   * odd taps, then both), alone or in a group, so the result does not
   * depend on how many outputs one call makes.
   */
  private produce(count: number): Int16Array {
    if (count <= 0) return EMPTY;
    const out = new Int16Array(count);
    const { L, M, taps, coefs, buffer: x } = this;
    const qStep = Math.floor(M / L);
    const pStep = M % L;
    const offset = 1 - this.half - this.start;
    let q = this.q;
    let p = this.p;
    if (!this.interpolated) {
      const L4 = 4 * L;
      const M4 = 4 * M;
      const rows = Math.min(L, count);
      for (let first = 0; first < rows; first++) {
        const row = p * taps;
        let i = first;
        let b = q + offset;
        for (; i + 3 * L < count; i += L4, b += M4) {
          const b1 = b + M;
          const b2 = b1 + M;
          const b3 = b2 + M;
          let a0 = 0;
          let a1 = 0;
          let c0 = 0;
          let c1 = 0;
          let d0 = 0;
          let d1 = 0;
          let e0 = 0;
          let e1 = 0;
          for (let j = 0; j < taps; j += 2) {
            const h0 = coefs[row + j]!;
            const h1 = coefs[row + j + 1]!;
            a0 += h0 * x[b + j]!;
            a1 += h1 * x[b + j + 1]!;
            c0 += h0 * x[b1 + j]!;
            c1 += h1 * x[b1 + j + 1]!;
            d0 += h0 * x[b2 + j]!;
            d1 += h1 * x[b2 + j + 1]!;
            e0 += h0 * x[b3 + j]!;
            e1 += h1 * x[b3 + j + 1]!;
          }
          out[i] = toInt16(a0 + a1);
          out[i + L] = toInt16(c0 + c1);
          out[i + 2 * L] = toInt16(d0 + d1);
          out[i + 3 * L] = toInt16(e0 + e1);
        }
        for (; i < count; i += L, b += M) {
          let a0 = 0;
          let a1 = 0;
          for (let j = 0; j < taps; j += 2) {
            a0 += coefs[row + j]! * x[b + j]!;
            a1 += coefs[row + j + 1]! * x[b + j + 1]!;
          }
          out[i] = toInt16(a0 + a1);
        }
        q += qStep;
        p += pStep;
        if (p >= L) {
          p -= L;
          q++;
        }
      }
      // Where output `count` is: count·M input samples on.
      const position = this.p + count * M;
      q = this.q + Math.floor(position / L);
      p = position % L;
    } else {
      const phases = this.phases;
      for (let i = 0; i < count; i++) {
        const base = q + offset;
        const position = (p * phases) / L;
        const r = Math.floor(position);
        const w = position - r;
        const row0 = r * taps;
        const row1 = row0 + taps;
        let a0 = 0;
        let a1 = 0;
        let b0 = 0;
        let b1 = 0;
        for (let j = 0; j < taps; j += 2) {
          const x0 = x[base + j]!;
          const x1 = x[base + j + 1]!;
          a0 += coefs[row0 + j]! * x0;
          a1 += coefs[row0 + j + 1]! * x1;
          b0 += coefs[row1 + j]! * x0;
          b1 += coefs[row1 + j + 1]! * x1;
        }
        const a = a0 + a1;
        out[i] = toInt16(a + w * (b0 + b1 - a));
        q += qStep;
        p += pStep;
        if (p >= L) {
          p -= L;
          q++;
        }
      }
    }
    this.q = q;
    this.p = p;
    this.produced += count;
    return out;
  }
}
