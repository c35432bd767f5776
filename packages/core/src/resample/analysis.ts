/**
 * Measurements for the resampler's tests and benchmark (not part of the
 * SDK's API): band-limited signal-to-noise ratio against a reference, and
 * the power that lands in a frequency band. Spectra come from one FFT of the
 * whole signal, zero-padded to a power of two; a band is a set of FFT bins,
 * so a band-limited energy is exact (Parseval) and needs no window.
 *
 * @internal
 * @packageDocumentation
 */

/** Anything that holds samples; int16 values are taken as `s / 32768`. */
export type Samples = Float32Array | Float64Array | Int16Array;

/** The samples as floats in [−1, 1). */
export function asFloat(samples: Samples): Float64Array {
  const scale = samples instanceof Int16Array ? 1 / 32768 : 1;
  const out = new Float64Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! * scale;
  return out;
}

/** In-place iterative radix-2 FFT of `re + i·im` (length a power of two). */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const halfSize = size >> 1;
    const angle = (-2 * Math.PI) / size;
    for (let k = 0; k < halfSize; k++) {
      const wr = Math.cos(angle * k);
      const wi = Math.sin(angle * k);
      for (let start = k; start < n; start += size) {
        const a = start;
        const b = start + halfSize;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
}

/**
 * Power per FFT bin from 0 Hz to the Nyquist frequency (`size / 2 + 1`
 * bins, bin `i` at `i · rate / size`), of the signal zero-padded to `size`
 * (a power of two ≥ its length; the next one by default).
 */
export function powerSpectrum(samples: Samples, size = nextPowerOfTwo(samples.length)): Float64Array {
  const re = new Float64Array(size);
  re.set(asFloat(samples).subarray(0, size));
  const im = new Float64Array(size);
  fft(re, im);
  const power = new Float64Array(size / 2 + 1);
  for (let i = 0; i <= size / 2; i++) power[i] = re[i]! * re[i]! + im[i]! * im[i]!;
  return power;
}

export function nextPowerOfTwo(n: number): number {
  let size = 2;
  while (size < n) size *= 2;
  return size;
}

/** The sum of `power` over the bins from `loHz` to `hiHz` (inclusive) of a `size`-point spectrum at `rate`. */
function bandSum(power: Float64Array, rate: number, loHz: number, hiHz: number): number {
  const size = (power.length - 1) * 2;
  const first = Math.max(0, Math.ceil((loHz * size) / rate));
  const last = Math.min(power.length - 1, Math.floor((hiHz * size) / rate));
  let sum = 0;
  // Bins 1 … size/2 − 1 stand for two (the negative frequencies too).
  for (let i = first; i <= last; i++) sum += i === 0 || i === size / 2 ? power[i]! : 2 * power[i]!;
  return sum;
}

/**
 * Signal-to-noise ratio in dB of `test` against `reference` (both at
 * `rate`), counting only frequencies from `loHz` to `hiHz`: the energy of
 * the reference in that band over the energy of the difference in it. The
 * longer signal is cut to the shorter one's length.
 */
export function bandSnrDb(test: Samples, reference: Samples, rate: number, loHz: number, hiHz: number): number {
  const n = Math.min(test.length, reference.length);
  const t = asFloat(test);
  const r = asFloat(reference);
  const difference = new Float64Array(n);
  for (let i = 0; i < n; i++) difference[i] = t[i]! - r[i]!;
  const size = nextPowerOfTwo(n);
  const signal = bandSum(powerSpectrum(r.subarray(0, n), size), rate, loHz, hiHz);
  const noise = bandSum(powerSpectrum(difference, size), rate, loHz, hiHz);
  return 10 * Math.log10(signal / noise);
}

/** Mean power (energy per sample) of `samples` in the band from `loHz` to `hiHz`, at `rate`. */
export function bandPower(samples: Samples, rate: number, loHz: number, hiHz: number): number {
  const size = nextPowerOfTwo(samples.length);
  // Parseval: Σ x² = (1/size) Σ |X|², over all bins.
  return bandSum(powerSpectrum(samples, size), rate, loHz, hiHz) / size / samples.length;
}

/** Mean power (energy per sample) of `samples`. */
export function meanPower(samples: Samples): number {
  const x = asFloat(samples);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]! * x[i]!;
  return sum / x.length;
}

/** `10 · log10(a / b)`. */
export const decibels = (a: number, b: number): number => 10 * Math.log10(a / b);
