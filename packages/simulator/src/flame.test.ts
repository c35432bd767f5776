import { describe, expect, it } from "vitest";
import { FLAME_FLOATS, FLAME_LAYOUT, completeFrames, flameForOggOpus, flameForPcm, flamesForPcmRequest, frameCount, frameSpan, jawForOggOpusFrame, jawForPcm, JAW_MAX } from "./flame";

describe("frame arithmetic", () => {
  it("spans 40 ms at 25 fps, and counts as today: ceil(duration × fps), at least 1", () => {
    expect(frameSpan(0, 16000)).toEqual({ start: 0, end: 640 });
    expect(frameSpan(3, 22050)).toEqual({ start: 2646, end: 3528 });
    expect([frameCount(0, 16000, 25), frameCount(640, 16000, 25), frameCount(641, 16000, 25), frameCount(16000, 16000, 25)]).toEqual([1, 1, 2, 25]);
    expect([completeFrames(639, 16000, 25), completeFrames(640, 16000, 25), completeFrames(-5, 16000, 25)]).toEqual([0, 1, 0]);
    expect(frameCount(8000, 16000, 30)).toBe(15);
  });
});

describe("keyframes", () => {
  it("lay out the Flame fields in field-number order, 70 floats", () => {
    expect(FLAME_LAYOUT.map((f) => [f.field, f.number, f.length])).toEqual([
      ["translation", 1, 3],
      ["rotation", 2, 3],
      ["neckPose", 3, 3],
      ["jawPose", 4, 3],
      ["eyePose", 5, 6],
      ["eyeLid", 6, 2],
      ["expression", 7, 50],
    ]);
    expect(FLAME_FLOATS).toBe(70);
  });

  it("close the jaw exactly for silence and for no samples, and open it at most JAW_MAX", () => {
    expect(jawForPcm(new Int16Array(640))).toBe(0);
    expect(jawForPcm(new Int16Array(0))).toBe(0);
    expect(jawForPcm(new Int16Array(640).fill(32767))).toBe(JAW_MAX);
    expect(flameForPcm(new Int16Array(640)).jawPose).toEqual([0, 0, 0]);
    const loud = jawForPcm(Int16Array.from({ length: 640 }, (_, i) => (i % 2 ? 4000 : -4000)));
    const quiet = jawForPcm(Int16Array.from({ length: 640 }, (_, i) => (i % 2 ? 400 : -400)));
    expect(loud).toBeGreaterThan(quiet);
    expect(quiet).toBeGreaterThan(0);
  });

  it("hold float32 values only, and no negative zero", () => {
    for (const k of [...flamesForPcmRequest(new Uint8Array(32000 * 8), 16000), ...Array.from({ length: 200 }, (_, i) => flameForOggOpus(i))]) {
      for (const values of Object.values(k)) for (const v of values) {
        expect(Math.fround(v)).toBe(v);
        expect(Object.is(v, -0)).toBe(false);
      }
    }
  });

  it("use a fixed stand-in jaw for Ogg Opus", () => {
    expect([0, 4, 8].map(jawForOggOpusFrame)).toEqual([0, JAW_MAX, 0]);
    expect(jawForOggOpusFrame(2)).toBeCloseTo(JAW_MAX / 2, 12);
    expect(flameForOggOpus(4).jawPose[0]).toBe(Math.fround(JAW_MAX));
  });
});
