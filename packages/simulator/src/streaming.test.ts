import { fromBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { MessageSchema } from "./gen/message/message_pb";
import { FLAME_LENGTHS, flameForPcm, flamesForPcmRequest, frameSpan, JAW_MAX, startSimulator, type Simulator, type SimulatorOptions } from "./index";
import { openSession, pcm, tone } from "./test-support";

let sim: Simulator;
afterEach(() => sim.close());
const start = async (options?: SimulatorOptions): Promise<Simulator> => (sim = await startSimulator(options));

const animation = (bytes: Uint8Array) => {
  const m = fromBinary(MessageSchema, bytes);
  if (m.data.case !== "serverResponseAnimation") throw new Error(`type ${m.type} is not an animation frame`);
  return m.data.value;
};
const keyframe = (bytes: Uint8Array) => {
  const keyframes = animation(bytes).animation?.keyframes ?? [];
  expect(keyframes).toHaveLength(1);
  return keyframes[0]!;
};
const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe("frames stream while audio arrives", () => {
  it("PCM: a frame per whole 40 ms span as it arrives, less the 21 ms held back; the rest and end=true after the end chunk", async () => {
    await start();
    const { client } = await openSession(sim);
    const audio = tone(1);
    const tenth = 3200; // 100 ms
    for (let i = 0; i < 10; i++) client.sendAudio("r", audio.subarray(i * tenth, (i + 1) * tenth));
    await sim.waitFor("frame", (f) => f.index === 23);
    await settle();
    const request = sim.connections[0]!.requests[0]!;
    // floor((1000 ms − 21 ms) / 40 ms) = 24 frames before the end; the 25th needs the end.
    expect(request).toMatchObject({ ended: false, framesSent: 24 });
    expect(request.frames.some((f) => animation(f).end)).toBe(false);
    client.sendAudio("r", new Uint8Array(0), true);
    const frames = await client.framesUntilEnd();
    expect(frames).toHaveLength(25);
    expect(frames.map((f) => animation(f).end)).toEqual([...Array(24).fill(false), true]);
    expect(request).toMatchObject({ ended: true, framesSent: 25, frameCount: 25, playedMs: 1000 });
  });

  it("first frames come back long before the end chunk of a request streamed in 100 ms chunks", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("r", tone(0.1));
    const [first] = await sim.waitFor("frame");
    expect(first).toMatchObject({ reqId: "r", index: 0, end: false, keyframes: true });
    expect(first.request.ended).toBe(false);
    expect(animation((await client.next()).data).reqId).toBe("r");
  });

  it("a session that never sends end keeps its last ~21 ms unprocessed", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("r", pcm(0.5));
    await settle(60);
    expect(sim.connections[0]!.requests[0]!.framesSent).toBe(11); // floor(479 / 40)
    client.sendAudio("r", new Uint8Array(0), true);
    expect(await client.framesUntilEnd()).toHaveLength(13); // ceil(500 / 40): the 11 sent before the end, then 2
  });

  it("keeps today's totals, for any chunking, rate and frames per second", async () => {
    await start({ framesPerSecond: 30 });
    const { client } = await openSession(sim, { sampleRate: 22050 });
    const audio = tone(0.77, 22050);
    for (let at = 0; at < audio.length; at += 1234) client.sendAudio("r", audio.subarray(at, Math.min(at + 1234, audio.length)));
    client.sendAudio("r", new Uint8Array(0), true);
    const frames = await client.framesUntilEnd();
    expect(frames).toHaveLength(Math.ceil(0.77 * 30 - 1e-9)); // ceil(duration × fps)
  });
});

describe("keyframes", () => {
  it("every frame carries one FLAME keyframe with the documented array lengths, and the session's avatar id", async () => {
    await start();
    const { client, connectionId } = await openSession(sim);
    client.sendAudio("r", tone(0.2), true);
    for (const frame of await client.framesUntilEnd()) {
      const value = animation(frame);
      expect(value).toMatchObject({ connectionId, reqId: "r", avatarId: "demo-avatar" });
      const k = keyframe(frame);
      expect({
        translation: k.translation.length,
        rotation: k.rotation.length,
        neckPose: k.neckPose.length,
        jawPose: k.jawPose.length,
        eyePose: k.eyePose.length,
        eyeLid: k.eyeLid.length,
        expression: k.expression.length,
      }).toEqual(FLAME_LENGTHS);
    }
  });

  it("the jaw follows the RMS of the PCM each frame covers: silence is exactly 0, speech opens it up to 0.35", async () => {
    await start();
    const { client } = await openSession(sim);
    const audio = new Uint8Array([...pcm(0.2), ...tone(0.4), ...pcm(0.2)]);
    client.sendAudio("r", audio, true);
    const jaws = (await client.framesUntilEnd()).map((f) => keyframe(f).jawPose);
    expect(jaws).toHaveLength(20);
    expect(jaws.slice(0, 5).every((j) => j[0] === 0)).toBe(true);
    expect(jaws.slice(15).every((j) => j[0] === 0)).toBe(true);
    expect(jaws.slice(5, 15).every((j) => j[0]! > 0.1 && j[0]! <= Math.fround(JAW_MAX))).toBe(true);
    expect(jaws.every((j) => j[1] === 0 && j[2] === 0)).toBe(true);
  });

  it("are exactly what flameForPcm / flamesForPcmRequest compute from the audio", async () => {
    await start();
    const { client } = await openSession(sim, { sampleRate: 24000 });
    const audio = new Uint8Array([...tone(1.3, 24000), ...pcm(0.33, 24000)]);
    for (let at = 0; at < audio.length; at += 4800) client.sendAudio("r", audio.subarray(at, at + 4800));
    client.sendAudio("r", new Uint8Array(0), true);
    const frames = (await client.framesUntilEnd()).map(keyframe);
    const expected = flamesForPcmRequest(audio, 24000);
    expect(frames).toHaveLength(expected.length);
    frames.forEach((k, i) => expect(k).toMatchObject(expected[i]!));
    // The same, one span at a time.
    const samples = new Int16Array(audio.buffer, audio.byteOffset, audio.length / 2);
    const { start: s, end: e } = frameSpan(10, 24000);
    expect(frames[10]).toMatchObject(flameForPcm(samples.subarray(s, e), 10));
  });

  it("blink occasionally and drift the head slowly, deterministically per request", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("a", pcm(6), true);
    client.sendAudio("b", pcm(6), true);
    const a = (await client.framesUntilEnd()).map(keyframe);
    const b = (await client.framesUntilEnd()).map(keyframe);
    expect(a).toEqual(b);
    const closed = a.map((k, i) => (k.eyeLid[0] === 1 ? i : -1)).filter((i) => i >= 0);
    expect(closed).toEqual([39, 40, 136, 137]); // 6-frame blinks every 97 frames, the first from frame 37
    expect(a.every((k) => k.eyeLid[0] === k.eyeLid[1])).toBe(true);
    const yaw = a.map((k) => k.rotation[1]!);
    expect(Math.max(...yaw.map(Math.abs))).toBeLessThanOrEqual(0.05);
    expect(new Set(yaw).size).toBeGreaterThan(100);
    expect(Math.max(...yaw.slice(1).map((y, i) => Math.abs(y - yaw[i]!)))).toBeLessThan(0.002); // slow
  });
});
