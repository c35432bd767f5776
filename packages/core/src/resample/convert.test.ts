import { describe, expect, it } from "vitest";
import { floatToInt16, toMonoFloat } from "./index";

describe("toMonoFloat", () => {
  it("returns mono floats as they are", () => {
    const mono = new Float32Array([0.5, -0.25, 1]);
    expect(toMonoFloat(mono, 1)).toBe(mono);
  });

  it("scales 16-bit samples by 1/32768", () => {
    expect(Array.from(toMonoFloat(new Int16Array([0, 16384, -32768, 32767, -1]), 1))).toEqual([0, 0.5, -1, 32767 / 32768, -1 / 32768]);
  });

  it("averages the channels of each interleaved frame", () => {
    // Frames: (1, 0), (0.5, 0.5), (−1, 1), (0.25, −0.75)
    const stereo = new Float32Array([1, 0, 0.5, 0.5, -1, 1, 0.25, -0.75]);
    expect(Array.from(toMonoFloat(stereo, 2))).toEqual([0.5, 0.5, 0, -0.25]);
    const int16 = new Int16Array([32767, 32767, -32768, -32768, 16384, -16384]);
    expect(Array.from(toMonoFloat(int16, 2))).toEqual([32767 / 32768, -1, 0]);
  });

  it("averages any number of channels", () => {
    const six = new Float32Array([0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.3, 0, 0, 0, 0, -0.3]);
    const mono = toMonoFloat(six, 6);
    expect(mono.length).toBe(2);
    expect(mono[0]).toBeCloseTo(0.6, 6);
    expect(mono[1]).toBe(0);
    const three = toMonoFloat(new Int16Array([3, 6, 9]), 3);
    expect(three[0]).toBeCloseTo(6 / 32768, 9);
  });

  it("keeps identical channels identical: mixdown of a duplicated signal is the signal", () => {
    const signal = Float32Array.from({ length: 100 }, (_, i) => Math.fround(Math.sin(i) * 0.9));
    const stereo = new Float32Array(200);
    signal.forEach((v, i) => stereo.set([v, v], 2 * i));
    expect(toMonoFloat(stereo, 2)).toEqual(signal);
  });

  it("rejects partial frames and bad channel counts", () => {
    expect(() => toMonoFloat(new Float32Array(5), 2)).toThrow(RangeError);
    expect(() => toMonoFloat(new Float32Array(4), 0)).toThrow(RangeError);
    expect(() => toMonoFloat(new Float32Array(4), 1.5)).toThrow(RangeError);
    expect(() => toMonoFloat(new Float64Array(4) as unknown as Float32Array, 1)).toThrow(TypeError);
  });
});

describe("floatToInt16", () => {
  it("scales by 32768 and clips to the 16-bit range", () => {
    const out = floatToInt16(new Float32Array([0, 0.5, -0.5, 1, -1, 1.5, -1.5, Infinity, -Infinity, NaN]));
    expect(Array.from(out)).toEqual([0, 16384, -16384, 32767, -32768, 32767, -32768, 32767, -32768, 0]);
  });

  it("rounds to the nearest integer, halves away from zero", () => {
    const lsb = 1 / 32768;
    const out = floatToInt16(new Float32Array([0.4 * lsb, 0.5 * lsb, 0.6 * lsb, -0.4 * lsb, -0.5 * lsb, -0.6 * lsb, 2.5 * lsb, -2.5 * lsb, 32766.5 * lsb]));
    expect(Array.from(out)).toEqual([0, 1, 1, 0, -1, -1, 3, -3, 32767]);
  });

  it("inverts toMonoFloat for every 16-bit value", () => {
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    expect(floatToInt16(toMonoFloat(all, 1))).toEqual(all);
  });
});
