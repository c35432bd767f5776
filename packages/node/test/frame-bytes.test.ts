/**
 * The bytes `transportFrames` and `onFrame` receive, over real sockets: a
 * plain Uint8Array view into the memory ws read them into (no copy per
 * message), which stays intact after the callback returns, after later
 * reads and after other allocations, whether the message came in one read,
 * across reads or in fragments.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { MessageSchema, MessageType } from "@avatarkit/simulator/gen";
import { WebSocketServer, type WebSocket } from "ws";
import { describe, expect, it } from "vitest";
import { newAvatarSession, type AnimationFrame } from "../src/index";
import { optionsFor, rawServerOptions, SPEECH, useSimulator, waitFor } from "./support";

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");

/** Overwrites freshly allocated memory (pooled Buffers included): a frame whose memory were reused would show it. */
function churn(): void {
  for (let i = 0; i < 20_000; i++) Buffer.allocUnsafe(64 + (i % 4000)).fill(0xa5);
  for (let i = 0; i < 200; i++) new Uint8Array(64 * 1024).fill(0x5a);
}

/** A frame as the callback got it, and its bytes at that moment. */
interface Kept {
  readonly bytes: Uint8Array;
  readonly then: string;
}

describe("frame bytes from the simulator", () => {
  // Many small frames per request: many per socket read.
  const sim = useSimulator({ framesPerSecond: 400 });

  it("are plain Uint8Array views without a copy, kept intact after the callback, later reads and other allocations", async () => {
    const kept: Kept[] = [];
    const session = newAvatarSession(optionsFor(sim(), { transportFrames: (bytes) => kept.push({ bytes, then: hex(bytes) }) }));
    await session.init();
    await session.start();

    const first = sim().waitFor("request");
    await session.sendAudio(SPEECH.subarray(0, 16000 * 2 * 4), true); // 4 s: 1600 frames
    const [request] = await first;
    await waitFor(() => kept.length === request.frameCount, 10_000, "the first request's frames");
    // More reads after the first request's frames: their memory must not be reused.
    const second = sim().waitFor("request");
    await session.sendAudio(SPEECH.subarray(0, 16000 * 2 * 4), true);
    const [again] = await second;
    await waitFor(() => kept.length === request.frameCount! + again.frameCount!, 10_000, "the second request's frames");
    churn();

    const sent = [...request.frames, ...again.frames].map(hex);
    expect(kept.map((k) => k.then)).toEqual(sent);
    expect(kept.map((k) => hex(k.bytes))).toEqual(sent); // unchanged since the callback
    // Views, not copies: frames of one read share its memory.
    expect(new Set(kept.map((k) => k.bytes.buffer)).size).toBeLessThan(kept.length / 2);
    expect(kept.some((k) => k.bytes.byteOffset > 0)).toBe(true);
    for (const { bytes } of kept) {
      // A plain Uint8Array, not a Buffer: slice() copies, into memory of the frame's size.
      expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
      const copy = bytes.slice();
      expect(copy.buffer).not.toBe(bytes.buffer);
      expect(copy.buffer.byteLength).toBe(bytes.byteLength);
    }
    const before = hex(kept[0]!.bytes);
    kept[0]!.bytes.slice().fill(0);
    expect(hex(kept[0]!.bytes)).toBe(before);
    await session.close();
  });

  it("onFrame gets the very bytes transportFrames got, and they stay intact too", async () => {
    const raw: Kept[] = [];
    const frames: AnimationFrame[] = [];
    const session = newAvatarSession(optionsFor(sim(), { transportFrames: (bytes) => raw.push({ bytes, then: hex(bytes) }), onFrame: (frame) => frames.push(frame) }));
    await session.init();
    await session.start();
    const done = sim().waitFor("request");
    await session.sendAudio(SPEECH.subarray(0, 16000 * 2 * 2), true);
    const [request] = await done;
    await waitFor(() => frames.length === request.frameCount, 10_000, "the frames");
    churn();
    expect(frames.every((f, i) => f.bytes === raw[i]!.bytes)).toBe(true);
    expect(frames.map((f) => hex(f.bytes))).toEqual(request.frames.map(hex));
    expect(raw.map((k) => k.then)).toEqual(request.frames.map(hex));
    await session.close();
  });
});

describe("frame bytes from a bare ws server", () => {
  const frame = (n: number, size: number, end: boolean) =>
    toBinary(
      MessageSchema,
      create(MessageSchema, {
        type: MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION,
        data: { case: "serverResponseAnimation", value: { connectionId: "c", reqId: `r${n}`, end, animation: { keyframes: [{ expression: Array.from({ length: size }, (_, i) => Math.sin(n + i)) }] } } },
      }),
    );
  const confirm = toBinary(MessageSchema, create(MessageSchema, { type: MessageType.MESSAGE_SERVER_CONFIRM_SESSION, data: { case: "serverConfirmSession", value: { connectionId: "c" } } }));

  it("messages across reads (up to 200 KB) and in fragments stay intact, copied by ws into memory of their own", async () => {
    // Small ones packed into reads, then ones of 4 KB to 200 KB (spanning reads), each also sent in three fragments.
    const sizes = [...Array.from({ length: 300 }, (_, i) => 10 + (i % 50)), ...Array.from({ length: 40 }, (_, i) => 1000 + i * 1250)];
    const messages = sizes.map((size, i) => frame(i, size, i === sizes.length - 1));
    const server = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
    await new Promise((resolve) => server.once("listening", resolve));
    server.on("connection", (ws: WebSocket) => {
      ws.once("message", () => {
        ws.send(confirm);
        for (const bytes of messages) ws.send(bytes);
        // The same messages again, each in three fragments (continuation frames).
        for (const bytes of messages) {
          const third = Math.ceil(bytes.length / 3);
          ws.send(bytes.subarray(0, third), { fin: false });
          ws.send(bytes.subarray(third, 2 * third), { fin: false });
          ws.send(bytes.subarray(2 * third), { fin: true });
        }
      });
    });
    try {
      const kept: Kept[] = [];
      const session = newAvatarSession(rawServerOptions(server, { transportFrames: (bytes) => kept.push({ bytes, then: hex(bytes) }) }));
      await session.start();
      await waitFor(() => kept.length === 2 * messages.length, 20_000, "every message");
      churn();
      const sent = [...messages, ...messages].map(hex);
      expect(kept.map((k) => k.then)).toEqual(sent);
      expect(kept.map((k) => hex(k.bytes))).toEqual(sent);
      expect(kept.every((k) => Object.getPrototypeOf(k.bytes) === Uint8Array.prototype)).toBe(true);
      await session.close();
    } finally {
      server.close();
    }
  }, 30_000);
});
