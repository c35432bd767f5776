/**
 * The resampler's filter: a Kaiser-windowed sinc, tabulated per phase.
 *
 * A sample at input position `t` (in input samples, fractional) is
 * `Σₙ x[n]·g(t − n)` with the continuous kernel
 * `g(u) = ρ·sinc(ρ·u)·kaiser(u / R)`, `ρ = 2·cutoff / inputRate`, `R` the
 * kernel's half width. `g` is symmetric about 0, so the filter has no delay:
 * output sample `k` is the signal at time `k / outputRate`.
 *
 * @internal
 * @packageDocumentation
 */

/** How the low-pass filter is designed, as fractions of the lower of the two Nyquist frequencies. */
export interface FilterSpec {
  /** Where the passband ends (the response is within the ripple up to here). */
  readonly passband: number;
  /** Where the stopband starts (1 = nothing above the lower Nyquist frequency leaks back). */
  readonly stopband: number;
  /** Stopband attenuation and passband ripple, in dB (−20·log10 of the ripple). */
  readonly attenuationDb: number;
}

/**
 * The default design: passband to 90 % of the lower Nyquist frequency
 * (7.2 kHz for 16 kHz output), stopband from the Nyquist frequency on,
 * 70 dB down (passband ripple ±0.003 dB). At 16-bit output its errors are
 * at the level of the rounding to 16 bits (see README.md: 80 dB measured
 * the same against sox and took 15 to 25 % longer).
 */
export const DEFAULT_FILTER: FilterSpec = { passband: 0.9, stopband: 1, attenuationDb: 70 };

/** Rates whose reduced ratio needs more phases than this use an interpolated table. */
const MAX_EXACT_PHASES = 1024;
/** Rows of the interpolated table (linear interpolation between rows: error ≈ (π/256)²/8, −94 dB). */
const INTERPOLATED_PHASES = 256;
/** At most this many coefficients in an exact table (8 MiB of float64), else interpolate. */
const MAX_EXACT_COEFFICIENTS = 1 << 20;

/** A tabulated kernel: `rows` rows of `taps` coefficients, row-major. */
export interface PolyphaseTable {
  /** Coefficients per output sample (even). */
  readonly taps: number;
  /**
   * Exact tables have one row per phase `p / L` (`p = 0 … L−1`); interpolated
   * ones have `phases + 1` rows for the positions `i / phases`, `i = 0 … phases`.
   */
  readonly phases: number;
  readonly interpolated: boolean;
  /** Row `r`, tap `j` weighs input sample `q − taps/2 + 1 + j` for an output at `q + fraction(r)`. */
  readonly coefs: Float64Array;
}

/** The modified Bessel function of the first kind, order 0 (power series). */
function besselI0(x: number): number {
  const half = x / 2;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= (half / k) * (half / k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser's β for a given stopband attenuation (his empirical formula). */
export function kaiserBeta(attenuationDb: number): number {
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7);
  if (attenuationDb >= 21) return 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21);
  return 0;
}

/** The greatest common divisor of two positive integers. */
export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Designs the kernel for `inputRate → outputRate` and tabulates it for the
 * reduced ratio `L / M` (`outputRate / inputRate` in lowest terms).
 */
export function designTable(inputRate: number, outputRate: number, spec: FilterSpec = DEFAULT_FILTER): PolyphaseTable {
  const g = gcd(inputRate, outputRate);
  const L = outputRate / g;
  const M = inputRate / g;
  // Frequencies in cycles per input sample.
  const nyquist = Math.min(inputRate, outputRate) / 2 / inputRate;
  const transition = (spec.stopband - spec.passband) * nyquist;
  const cutoff = ((spec.passband + spec.stopband) / 2) * nyquist;
  const rho = 2 * cutoff;
  // Kaiser's length estimate, rounded up to an even number (two sums, even and odd taps).
  const length = (spec.attenuationDb - 7.95) / (2.285 * 2 * Math.PI * transition) + 1;
  const taps = Math.max(4, Math.ceil(length / 2) * 2);
  const radius = taps / 2;
  const beta = kaiserBeta(spec.attenuationDb);
  const i0Beta = besselI0(beta);

  const interpolated = L > MAX_EXACT_PHASES || L * taps > MAX_EXACT_COEFFICIENTS;
  const phases = interpolated ? INTERPOLATED_PHASES : L;
  const rows = interpolated ? phases + 1 : phases;
  const coefs = new Float64Array(rows * taps);
  for (let r = 0; r < rows; r++) {
    const fraction = r / phases;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const u = fraction + radius - 1 - j; // in [−radius, radius)
      const ratio = u / radius;
      const window = ratio * ratio < 1 ? besselI0(beta * Math.sqrt(1 - ratio * ratio)) / i0Beta : 0;
      const x = Math.PI * rho * u;
      const sinc = x === 0 ? 1 : Math.sin(x) / x;
      const value = rho * sinc * window;
      coefs[r * taps + j] = value;
      sum += value;
    }
    // Exact unity gain at DC for every phase: no ripple from the phase pattern.
    for (let j = 0; j < taps; j++) coefs[r * taps + j] = coefs[r * taps + j]! / sum;
  }
  return { taps, phases, interpolated, coefs };
}
