import { once } from "node:events";
import { readFileSync } from "node:fs";
import { fromBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { EXTRA_FIELD_NUMBER } from "./frames";
import { AudioFormat, MessageSchema, MessageType, type Message } from "./gen/message/message_pb";
import type { RequestRecord } from "./records";
import { jawForOggOpusFrame, oggCrc32, startSimulator, type Simulator, type SimulatorOptions } from "./index";
import { parseOggPages } from "./ogg";
import { encode, interrupt, openSession, pcm, repage } from "./test-support";

let sim: Simulator;
afterEach(() => sim.close());
const start = async (options?: SimulatorOptions): Promise<Simulator> => (sim = await startSimulator(options));

const decode = (bytes: Uint8Array): Message => fromBinary(MessageSchema, bytes);
const animation = (bytes: Uint8Array) => {
  const m = decode(bytes);
  if (m.data.case !== "serverResponseAnimation") throw new Error(`type ${m.type} is not an animation frame`);
  return m.data.value;
};
const serverError = (m: Message) => (m.data.case === "serverError" ? m.data.value : undefined);
const opusFixture = new Uint8Array(readFileSync(new URL("./fixtures/tone-16k-500ms.opus", import.meta.url)));

/** The stream with another OpusHead input rate (page 0 rewritten, its CRC recomputed). */
function withInputRate(stream: Uint8Array, rate: number): Uint8Array {
  const out = stream.slice();
  const view = new DataView(out.buffer);
  const bodyStart = 27 + out[26]!;
  view.setUint32(bodyStart + 12, rate, true);
  const pageEnd = bodyStart + out.subarray(27, bodyStart).reduce((n, v) => n + v, 0);
  view.setUint32(22, 0, true);
  view.setUint32(22, oggCrc32(out.subarray(0, pageEnd)), true);
  return out;
}

describe("a PCM request", () => {
  it("yields ceil(duration × fps) frames, end=true only on the last", async () => {
    await start();
    const { client, connectionId } = await openSession(sim);
    const audio = pcm(1);
    for (let i = 0; i < 4; i++) client.sendAudio("req_1", audio.subarray(i * 8000, (i + 1) * 8000));
    client.sendAudio("req_1", new Uint8Array(0), true);
    const frames = await client.framesUntilEnd();
    expect(frames).toHaveLength(25);
    expect(frames.map((f) => animation(f).end)).toEqual([...Array(24).fill(false), true]);
    expect(frames.every((f) => animation(f).reqId === "req_1" && animation(f).connectionId === connectionId)).toBe(true);
    const request = sim.connections[0]!.requests[0]!;
    expect(request).toMatchObject({ reqId: "req_1", format: "pcm_s16le", sampleRate: 16000, chunks: 5, bytes: 32000, ended: true, interrupted: false, durationMs: 1000, framesSent: 25 });
    expect(request.audio).toEqual(audio);
  });

  it("rounds a partial frame up", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("r", new Uint8Array(2 * (8000 + 1)), true);
    expect(await client.framesUntilEnd()).toHaveLength(13);
  });

  it("sends one frame for an empty request", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("r", new Uint8Array(0), true);
    const frames = await client.framesUntilEnd();
    expect(frames).toHaveLength(1);
    expect(sim.connections[0]?.requests[0]).toMatchObject({ chunks: 1, bytes: 0, durationMs: 0 });
  });

  it("uses framesPerSecond", async () => {
    await start({ framesPerSecond: 30 });
    const { client } = await openSession(sim, { sampleRate: 48000 });
    client.sendAudio("r", pcm(0.5, 48000), true);
    expect(await client.framesUntilEnd()).toHaveLength(15);
  });

  it("puts undeclared bytes inside every frame's ServerResponseAnimation, and records the exact bytes sent", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("r", pcm(0.2), true);
    const frames = await client.framesUntilEnd();
    const record = sim.connections[0]!;
    expect(record.framesSent.map((f) => Buffer.from(f))).toEqual(frames);
    expect(record.requests[0]!.frames).toEqual(record.framesSent);
    for (const frame of frames) {
      expect(decode(frame).$unknown).toBeUndefined();
      const unknown = animation(frame).$unknown ?? [];
      expect(unknown).toHaveLength(1);
      expect(unknown[0]?.no).toBe(EXTRA_FIELD_NUMBER);
      expect(unknown[0]?.wireType).toBe(2);
      const extra = unknown[0]!.data.length;
      expect(extra).toBeGreaterThanOrEqual(33);
      expect(extra).toBeLessThanOrEqual(202);
    }
    expect(new Set(frames.map((f) => f.toString("hex"))).size).toBe(frames.length);
  });

  it("emits a request event once all its frames are sent", async () => {
    await start();
    const { client } = await openSession(sim);
    const event = once(sim.events, "request") as Promise<[RequestRecord]>;
    client.sendAudio("r", pcm(0.4), true);
    const [request] = await event;
    expect(request.framesSent).toBe(10);
    expect(sim.connections[0]?.framesSent).toHaveLength(10);
  });

  it("refuses a chunk of odd length, and the session stays open", async () => {
    await start();
    const { client, connectionId } = await openSession(sim);
    client.sendAudio("r", new Uint8Array(3));
    expect(serverError(await client.nextMessage())).toMatchObject({
      code: 3,
      reqId: "r",
      connectionId,
      message: "invalid audio: PCM chunk is not whole 16-bit samples",
    });
    client.sendAudio("r", new Uint8Array(4), true);
    expect(await client.framesUntilEnd()).toHaveLength(1);
    expect(sim.connections[0]?.requests[0]).toMatchObject({ chunks: 1, bytes: 4 });
  });

  it("refuses audio without a request id", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("", new Uint8Array(2));
    expect(serverError(await client.nextMessage())).toMatchObject({ code: 3, message: "invalid audio: req_id is required" });
  });

  it("refuses more audio under a request id that already ended", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("r", new Uint8Array(2), true);
    await client.framesUntilEnd();
    client.sendAudio("r", new Uint8Array(2));
    expect(serverError(await client.nextMessage())).toMatchObject({ code: 3, reqId: "r", message: "invalid audio: request r already ended" });
  });
});

describe("several requests on one session", () => {
  it("answers each in order, even when sent back to back", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("a", pcm(0.2), true);
    client.sendAudio("b", pcm(0.4), true);
    client.sendAudio("c", pcm(0.04), true);
    const a = await client.framesUntilEnd();
    const b = await client.framesUntilEnd();
    const c = await client.framesUntilEnd();
    expect([a, b, c].map((f) => f.length)).toEqual([5, 10, 1]);
    expect(new Set(b.map((f) => animation(f).reqId))).toEqual(new Set(["b"]));
    expect(sim.connections[0]?.requests.map((r) => r.reqId)).toEqual(["a", "b", "c"]);
  });
});

describe("an Ogg Opus request", () => {
  it("is validated and timed by its granule positions", async () => {
    await start();
    const { client } = await openSession(sim, { audioFormat: AudioFormat.OGG_OPUS, sampleRate: 16000 });
    client.sendAudio("o", opusFixture.subarray(0, 700));
    client.sendAudio("o", opusFixture.subarray(700, 1500));
    client.sendAudio("o", opusFixture.subarray(1500), true);
    expect(await client.framesUntilEnd()).toHaveLength(13);
    expect(sim.connections[0]?.requests[0]).toMatchObject({ format: "ogg_opus", durationMs: 500, chunks: 3, bytes: opusFixture.length });
    expect(sim.connections[0]?.requests[0]?.oggError).toBeUndefined();
  });

  it("is refused with the reason when the stream is broken, and sends no frames", async () => {
    await start();
    const { client } = await openSession(sim, { audioFormat: AudioFormat.OGG_OPUS, sampleRate: 16000 });
    const broken = opusFixture.slice();
    broken[broken.length - 1]! ^= 0xff;
    client.sendAudio("o", broken, true);
    expect(serverError(await client.nextMessage())).toMatchObject({ code: 3, reqId: "o", message: "invalid ogg opus stream: CRC mismatch on page 2" });
    expect(sim.connections[0]?.requests[0]?.oggError).toBe("CRC mismatch on page 2");
    expect(await client.quietFor(100)).toBe(true);
  });

  it("takes OpusHead's input rate as informational: a stream from a 44.1 kHz source is accepted", async () => {
    await start();
    const { client } = await openSession(sim, { audioFormat: AudioFormat.OGG_OPUS, sampleRate: 48000 });
    client.sendAudio("o", withInputRate(opusFixture, 44100), true);
    expect(await client.framesUntilEnd()).toHaveLength(13);
    expect(sim.connections[0]?.requests[0]).toMatchObject({ durationMs: 500 });
    expect(sim.connections[0]?.requests[0]?.oggError).toBeUndefined();
    expect(sim.connections[0]?.errorsSent).toEqual([]);
  });

  it("streams frames as its pages arrive, counted from their granule positions", async () => {
    await start();
    const { client } = await openSession(sim, { audioFormat: AudioFormat.OGG_OPUS, sampleRate: 16000 });
    const stream = repage(opusFixture, 5); // 100 ms pages
    const pages = parseOggPages(stream);
    const secondAudioPageEnd = pages[4]!.offset;
    const fourth = sim.waitFor("frame", (f) => f.index === 3);
    client.sendAudio("o", stream.subarray(0, secondAudioPageEnd)); // the headers and 200 ms of audio
    expect((await fourth)[0]).toMatchObject({ reqId: "o", index: 3, end: false, keyframes: true });
    // 200 ms, less the 21 ms held back until the end: 4 whole 40 ms frames, not 5.
    await new Promise((r) => setTimeout(r, 30));
    expect(sim.connections[0]!.requests[0]!.framesSent).toBe(4);
    client.sendAudio("o", stream.subarray(secondAudioPageEnd), true);
    const frames = await client.framesUntilEnd();
    expect(frames.length).toBe(13);
    // Ogg Opus is not decoded: the jaw follows the stand-in of each frame's index.
    expect(frames.map((f) => animation(f).animation!.keyframes[0]!.jawPose[0])).toEqual(
      frames.map((_, i) => Math.fround(jawForOggOpusFrame(i))),
    );
  });
});

describe("interrupt", () => {
  it("stops the request's remaining frames, without an end frame", async () => {
    await start({ frameIntervalMs: 10 });
    const { client } = await openSession(sim);
    const settled = once(sim.events, "request") as Promise<[RequestRecord]>;
    client.sendAudio("r", pcm(4), true);
    for (let i = 0; i < 3; i++) await client.next();
    client.send(interrupt("r"));
    const [request] = await settled;
    expect(request.interrupted).toBe(true);
    expect(await client.quietFor(100)).toBe(true);
    const record = sim.connections[0]!;
    expect(record.interrupts).toEqual(["r"]);
    expect(request.framesSent).toBeLessThan(100);
    expect(record.framesSent.some((f) => animation(f).end)).toBe(false);
  });

  it("lands between frames even when they are not paced", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("r", pcm(60), true);
    client.send(interrupt("r"));
    const [request] = (await once(sim.events, "request")) as [RequestRecord];
    expect(request.interrupted).toBe(true);
    expect(request.framesSent).toBeLessThan(1500);
  });

  it("is recorded, and changes nothing, for a request already answered", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("r", pcm(0.1), true);
    await client.framesUntilEnd();
    client.send(interrupt("r"));
    client.send(interrupt("unknown"));
    await expect.poll(() => sim.connections[0]?.interrupts).toEqual(["r", "unknown"]);
    expect(sim.connections[0]?.requests[0]?.interrupted).toBe(false);
  });

  it("ends a request still receiving audio; more audio under its id is refused", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("r", pcm(0.1));
    client.send(interrupt("r"));
    client.sendAudio("r", pcm(0.1), true);
    expect(serverError(await client.nextMessage())?.message).toBe("invalid audio: request r was interrupted");
    expect(sim.connections[0]?.requests[0]).toMatchObject({ interrupted: true, ended: false, framesSent: 0 });
  });
});

describe("unexpected client messages", () => {
  it.each<[string, Uint8Array | string, string]>([
    ["a server-only type", encode({ type: MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION }), "unexpected message type: 5"],
    ["a second configure", encode({ type: MessageType.MESSAGE_CLIENT_CONFIGURE_SESSION }), "unexpected message type: 1"],
    ["an unknown type", encode({ type: 42 as MessageType }), "unexpected message type: 42"],
    ["a text frame (WebSocket opcode 1)", "hello", "unexpected message type: 1"],
    ["an undecodable frame", Uint8Array.of(0x0a, 0x05, 0x01), "failed to unmarshal message"],
  ])("answers %s with a runtime error and stays open", async (_name, data, message) => {
    await start();
    const { client } = await openSession(sim);
    client.ws.send(data);
    expect(serverError(await client.nextMessage())).toMatchObject({ code: 3, message });
    client.sendAudio("r", new Uint8Array(2), true);
    expect(await client.framesUntilEnd()).toHaveLength(1);
  });
});

describe("idle timeout", () => {
  it("closes a session without audio input, after telling it why", async () => {
    await start({ idleTimeoutMs: 150 });
    const { client } = await openSession(sim);
    expect(serverError(await client.nextMessage(1000))).toMatchObject({ code: 0, message: "no audio input for 0.15s, closing session" });
    expect(await client.closed).toEqual({ code: 1000, reason: "idle timeout" });
    expect(sim.connections[0]?.closed).toEqual({ code: 1000, reason: "idle timeout", by: "server" });
  });

  it("is held off by audio input", async () => {
    await start({ idleTimeoutMs: 200 });
    const { client } = await openSession(sim);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 80));
      client.sendAudio("r", new Uint8Array(2));
    }
    expect(sim.connections[0]?.closed).toBeUndefined();
  });
});

describe("closing", () => {
  it("records a client close and emits close", async () => {
    await start();
    const { client } = await openSession(sim);
    const closed = once(sim.events, "close");
    client.ws.close(4000, "bye");
    await closed;
    expect(sim.connections[0]?.closed).toEqual({ code: 4000, reason: "bye", by: "client" });
  });

  it("terminates every session when the simulator closes", async () => {
    await start();
    const { client } = await openSession(sim);
    await sim.close();
    expect((await client.closed).code).toBe(1006);
    expect(sim.connections[0]?.closed?.by).toBe("server");
  });
});
