import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createResampler, floatToInt16, outputLength, type Resampler } from "./index";

/** Rates the service takes, and some it does not (the input may have any rate). */
const RATES = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 96000];
/** Pairs whose reduced ratio has too many phases for an exact table: the interpolated path. */
const ODD_PAIRS: Array<[number, number]> = [
  [44100, 47999],
  [47999, 16000],
  [7919, 16000],
];
const PAIRS: Array<[number, number]> = [...RATES.flatMap((i) => RATES.map((o): [number, number] => [i, o])), ...ODD_PAIRS];
const TARGET_PAIRS: Array<[number, number]> = [
  [48000, 16000],
  [44100, 16000],
  [22050, 24000],
  [8000, 16000],
  [16000, 48000],
];

/** round(n × out / in), halves up, in exact integer arithmetic. */
function expectedLength(n: number, inputRate: number, outputRate: number): number {
  const num = 2n * BigInt(n) * BigInt(outputRate) + BigInt(inputRate);
  return Number(num / (2n * BigInt(inputRate)));
}

/** A small deterministic generator (LCG), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Pushes `x` cut at `cuts` (sorted offsets), then flushes; returns the whole output. */
function resample(r: Resampler, x: Float32Array, cuts: number[] = []): Int16Array {
  const parts: Int16Array[] = [];
  let from = 0;
  for (const cut of [...cuts, x.length]) {
    parts.push(r.push(x.subarray(from, cut)));
    from = cut;
  }
  parts.push(r.flush());
  return concat(parts);
}

function noise(length: number, seed: number, amplitude = 0.9): Float32Array {
  const next = random(seed);
  return Float32Array.from({ length }, () => (next() * 2 - 1) * amplitude);
}

function sine(length: number, rate: number, hz: number, amplitude: number, t0 = 0): Float64Array {
  return Float64Array.from({ length }, (_, k) => amplitude * Math.sin(2 * Math.PI * hz * (t0 + k / rate)));
}

describe("createResampler: the request's length", () => {
  const LENGTHS = [0, 1, 2, 3, 5, 17, 160, 441, 1000, 4799, 12345];

  it("is round(totalInput × out / in) for every rate pair and length, however the input is chunked", () => {
    const next = random(1);
    for (const [inputRate, outputRate] of PAIRS) {
      for (const n of LENGTHS) {
        const x = noise(n, n + inputRate);
        const cuts: number[] = [];
        for (let at = Math.floor(next() * 700); at < n; at += Math.floor(next() * 700)) cuts.push(at);
        const out = resample(createResampler(inputRate, outputRate), x, cuts);
        const expected = expectedLength(n, inputRate, outputRate);
        if (out.length !== expected) expect({ inputRate, outputRate, n, length: out.length }).toEqual({ inputRate, outputRate, n, length: expected });
        expect(outputLength(n, inputRate, outputRate)).toBe(expected);
      }
    }
  });

  it("rounds halves up: 1 sample at 16 kHz is 1.5 at 24 kHz, so 2", () => {
    expect(resample(createResampler(16000, 24000), new Float32Array(1)).length).toBe(2);
    expect(resample(createResampler(48000, 16000), new Float32Array(1)).length).toBe(0);
    expect(resample(createResampler(48000, 16000), new Float32Array(2)).length).toBe(1);
    expect(outputLength(441, 44100, 16000)).toBe(160);
  });

  it("holds back no more than its latency: the output so far is never ahead of the input", () => {
    for (const [inputRate, outputRate] of TARGET_PAIRS) {
      const r = createResampler(inputRate, outputRate);
      let pushed = 0;
      let out = 0;
      const chunk = Math.round(inputRate / 100);
      for (let i = 0; i < 20; i++) {
        out += r.push(new Float32Array(chunk)).length;
        pushed += chunk;
        // Everything up to the input's end less the look-ahead is out.
        expect(out).toBeLessThanOrEqual(outputLength(pushed, inputRate, outputRate));
        expect(out).toBeGreaterThanOrEqual(outputLength(Math.max(0, pushed - r.latency - 1), inputRate, outputRate) - 1);
      }
    }
  });
});

describe("createResampler: chunking", () => {
  it("gives the same samples, byte for byte, whatever the chunk sizes", () => {
    const pairs = [...TARGET_PAIRS, [44100, 48000] as [number, number], [96000, 8000] as [number, number], ...ODD_PAIRS];
    fc.assert(
      fc.property(
        fc.constantFrom(...pairs),
        fc.integer({ min: 0, max: 6000 }),
        fc.array(fc.integer({ min: 0, max: 6000 }), { maxLength: 30 }),
        fc.integer(),
        ([inputRate, outputRate], n, rawCuts, seed) => {
          const x = noise(n, seed, 1.2); // beyond full scale too: clipping is per sample
          const cuts = rawCuts.map((c) => Math.min(c, n)).sort((a, b) => a - b);
          const whole = resample(createResampler(inputRate, outputRate), x);
          const chunked = resample(createResampler(inputRate, outputRate), x, cuts);
          expect(chunked).toEqual(whole);
        },
      ),
      { numRuns: 60, seed: 20240601 },
    );
  });

  it("gives the same samples when fed one sample at a time", () => {
    const x = noise(3000, 7);
    const cuts = Array.from({ length: 2999 }, (_, i) => i + 1);
    for (const [inputRate, outputRate] of [...TARGET_PAIRS, ODD_PAIRS[0]!]) {
      expect(resample(createResampler(inputRate, outputRate), x, cuts)).toEqual(resample(createResampler(inputRate, outputRate), x));
    }
  });
});

describe("createResampler: the signal", () => {
  /** SNR in dB of `out` (int16) against the ideal `ideal` (floats), over samples [from, to). */
  function snr(out: Int16Array, ideal: Float64Array, from: number, to: number): number {
    let signal = 0;
    let noise = 0;
    for (let k = from; k < to; k++) {
      signal += ideal[k]! ** 2;
      noise += (out[k]! / 32768 - ideal[k]!) ** 2;
    }
    return 10 * Math.log10(signal / noise);
  }

  it("is delay-compensated: output k is the input signal at time k / outputRate", () => {
    for (const [inputRate, outputRate] of [...TARGET_PAIRS, [96000, 8000] as [number, number], ...ODD_PAIRS]) {
      const nyquist = Math.min(inputRate, outputRate) / 2;
      for (const hz of [0.05 * nyquist, 0.45 * nyquist, 0.88 * nyquist]) {
        const seconds = 0.5;
        const x = new Float32Array(sine(inputRate * seconds, inputRate, hz, 0.5));
        const out = resample(createResampler(inputRate, outputRate), x);
        const ideal = sine(out.length, outputRate, hz, 0.5);
        // Away from the ends, where the input starts and stops abruptly.
        const edge = Math.ceil(0.05 * outputRate);
        const value = snr(out, ideal, edge, out.length - edge);
        if (value < 65) expect({ inputRate, outputRate, hz, snr: value }).toEqual({ inputRate, outputRate, hz, snr: ">= 65 dB" });
      }
    }
  });

  it("passes DC with unity gain", () => {
    for (const [inputRate, outputRate] of [...TARGET_PAIRS, ...ODD_PAIRS]) {
      const out = resample(createResampler(inputRate, outputRate), new Float32Array(inputRate / 10).fill(0.25));
      const edge = Math.ceil(0.02 * outputRate);
      expect(new Set(out.subarray(edge, out.length - edge))).toEqual(new Set([8192]));
    }
  });

  it("removes a tone above the output's Nyquist frequency (no aliasing)", () => {
    for (const [inputRate, outputRate] of [
      [48000, 16000],
      [44100, 16000],
      [96000, 8000],
      [47999, 16000],
    ] as const) {
      for (const hz of [1.01 * (outputRate / 2), 1.5 * (outputRate / 2)]) {
        const x = new Float32Array(sine(Math.round(inputRate / 2), inputRate, hz, 0.5));
        const out = resample(createResampler(inputRate, outputRate), x);
        // Away from the ends: the tone's abrupt start and stop are broadband clicks.
        const middle = out.subarray(Math.ceil(0.05 * outputRate), out.length - Math.ceil(0.05 * outputRate));
        let power = 0;
        for (const s of middle) power += (s / 32768) ** 2;
        const db = 10 * Math.log10(power / middle.length / 0.125 + 1e-30);
        if (db >= -68) expect({ inputRate, outputRate, hz, db }).toEqual({ inputRate, outputRate, hz, db: "< -68" });
      }
    }
  });

  it("clips each output sample, never wraps around", () => {
    const x = new Float32Array(sine(4800, 48000, 1000, 1.5));
    const out = resample(createResampler(48000, 16000), x);
    expect(Math.max(...out)).toBe(32767);
    expect(Math.min(...out)).toBe(-32768);
    // A wrapped sample would jump by nearly 65536 between neighbours.
    for (let k = 1; k < out.length; k++) expect(Math.abs(out[k]! - out[k - 1]!)).toBeLessThan(20000);
  });
});

describe("createResampler: equal rates", () => {
  it("only converts to 16 bits, with no latency", () => {
    const x = noise(1000, 3, 1.1);
    const r = createResampler(16000, 16000);
    expect(r.latency).toBe(0);
    expect(r.inputRate).toBe(16000);
    expect(r.outputRate).toBe(16000);
    expect(r.push(x.subarray(0, 400))).toEqual(floatToInt16(x.subarray(0, 400)));
    expect(r.push(x.subarray(400))).toEqual(floatToInt16(x.subarray(400)));
    expect(r.flush().length).toBe(0);
  });
});

describe("createResampler: use", () => {
  it("rejects rates that are not positive integers", () => {
    for (const bad of [0, -16000, 16000.5, NaN, Infinity, 2_000_000]) {
      expect(() => createResampler(bad, 16000)).toThrow(RangeError);
      expect(() => createResampler(16000, bad)).toThrow(RangeError);
    }
  });

  it("ends with flush(): later flushes are empty, a later push throws", () => {
    for (const [inputRate, outputRate] of [
      [48000, 16000],
      [16000, 16000],
    ] as const) {
      const r = createResampler(inputRate, outputRate);
      const pushed = r.push(new Float32Array(480)).length;
      expect(pushed + r.flush().length).toBe(outputLength(480, inputRate, outputRate));
      expect(r.flush().length).toBe(0);
      expect(() => r.push(new Float32Array(1))).toThrow(/after flush/);
    }
  });

  it("leaves its input unchanged", () => {
    const x = noise(2000, 5);
    const copy = x.slice();
    resample(createResampler(44100, 16000), x, [500, 1500]);
    expect(x).toEqual(copy);
  });

  it("reports its rates and a look-ahead in input samples", () => {
    const r = createResampler(48000, 16000);
    expect([r.inputRate, r.outputRate]).toEqual([48000, 16000]);
    expect(r.latency).toBeGreaterThan(0);
    expect(r.latency).toBeLessThan(48000 * 0.005); // under 5 ms
  });
});
