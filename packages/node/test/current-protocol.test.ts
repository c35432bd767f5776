/**
 * The current service's protocol (PROTOCOL.md §8) over real sockets against
 * the simulator: capabilities, pause/resume and playback states, onFrame and
 * decodeAnimationFrame, close codes with retry advice. Each test waits on the
 * simulator's events and compares what it sent with what the client got.
 */
import { CLOSE_CODE_FAULTS, flamesForPcmRequest, type Simulator } from "@avatarkit/simulator";
import { describe, expect, it } from "vitest";
import { decodeAnimationFrame, newAvatarSession, type AnimationFrame, type PlaybackStateEvent } from "../src/index";
import { LEGACY, openSession, optionsFor, recorder, rejection, SPEECH, tone, useSimulator, waitFor } from "./support";

/** What only a current server offers (capabilities, states, keyframes, close codes): skipped in the legacy run. */
const current = LEGACY ? describe.skip : describe;

/** A session against `sim` that records frames (with context) and playback states. */
async function playbackSession(sim: Simulator, extra: Parameters<typeof openSession>[1] = {}) {
  const frames: AnimationFrame[] = [];
  const states: PlaybackStateEvent[] = [];
  const opened = await openSession(sim, { onFrame: (f) => frames.push(f), onPlaybackState: (e) => states.push(e), ...extra });
  return { ...opened, frames, states };
}

current("capabilities", () => {
  const sim = useSimulator();

  it("lists what the confirm announced", async () => {
    const { session } = await openSession(sim());
    expect(session.capabilities).toEqual(["playback_control", "playback_state"]);
    expect(session.capabilities).toEqual(sim().connections[0]!.capabilities);
    await session.close();
  });

  it("is empty before start()", () => {
    expect(newAvatarSession(optionsFor(sim())).capabilities).toEqual([]);
  });
});

describe("a legacy (0.1.7-era) server", () => {
  const sim = useSimulator({ legacy: true });

  it("announces no capabilities; pause() is still sent, with one warning", async () => {
    const warn: unknown[][] = [];
    const { session, frames, states } = await playbackSession(sim(), { logger: { warn: (...args: unknown[]) => void warn.push(args) } });
    expect(session.capabilities).toEqual([]);
    const reqId = await session.sendAudio(tone(0.2), true);
    await waitFor(() => frames.some((f) => f.isLast));
    const paused = sim().waitFor("pause");
    const resumed = sim().waitFor("resume");
    expect(await session.pause()).toBe(reqId);
    expect(await session.resume()).toBe(reqId);
    expect((await paused)[0]).toBe(reqId);
    expect((await resumed)[0]).toBe(reqId);
    expect(sim().connections[0]!.pauses).toEqual([reqId]);
    expect(warn).toHaveLength(1);
    expect(String(warn[0]![0])).toMatch(/playback_control/);
    expect(states).toEqual([]); // legacy servers send none, and nothing breaks
    await session.close();
  });
});

current("pause and resume", () => {
  const sim = useSimulator();

  it("reject with invalidRequest before any request, and send nothing", async () => {
    const { session } = await openSession(sim());
    for (const call of [() => session.pause(), () => session.resume()]) {
      expect(await rejection(call())).toMatchObject({ code: "invalidRequest", phase: "websocket_send" });
    }
    await session.close();
    expect(sim().connections[0]!.received.filter((m) => m.data.case === "clientPause" || m.data.case === "clientResume")).toEqual([]);
  });

  it("name the most recent request; each gets one state; frames stop while paused and continue after", async () => {
    const { session, frames, states } = await playbackSession(sim());
    const firstFrame = sim().waitFor("frame");
    const reqId = await session.sendAudio(SPEECH.subarray(0, 32000)); // 1 s, no end: the request keeps playing
    await firstFrame;
    const pausedState = sim().waitFor("state", (s) => s.answers === "pause");
    expect(await session.pause()).toBe(reqId);
    const [paused] = await pausedState;
    await waitFor(() => states.length > 0 && states.at(-1)!.state === "paused");
    expect(states.at(-1)).toEqual({ reqId, state: "paused", playedMs: paused.playedMs, connectionId: session.connectionId });

    // Audio is still ingested while paused, end included; no frame goes out.
    const sentWhilePaused = sim().connections[0]!.framesSent.length;
    await session.sendAudio(SPEECH.subarray(32000, 64000), true);
    await sim().waitFor("message", (m) => m.data.case === "clientAudioInput" && m.data.value.end);
    expect(sim().connections[0]!.framesSent.length).toBe(sentWhilePaused);

    const ended = sim().waitFor("request");
    const resumedState = sim().waitFor("state", (s) => s.answers === "resume");
    expect(await session.resume()).toBe(reqId);
    expect((await resumedState)[0]).toMatchObject({ name: "PLAYING", playedMs: paused.playedMs });
    const [request] = await ended;
    await waitFor(() => frames.some((f) => f.isLast));
    expect(frames.map((f) => f.bytes)).toEqual(request.frames);
    await waitFor(() => states.at(-1)?.state === "ended");
    // Every state the simulator sent reached onPlaybackState, in order.
    expect(states.map((s) => s.state)).toEqual(sim().connections[0]!.statesSent.map((s) => s.name.toLowerCase()));
    await session.close();
  });

  it("states are ignored silently without onPlaybackState", async () => {
    const { session, rec } = await openSession(sim());
    await session.sendAudio(tone(0.2), true);
    await rec.lastFrames();
    await session.pause();
    await sim().waitFor("state", (s) => s.answers === "pause");
    expect(rec.errors).toEqual([]);
    await session.close();
  });

  it("an interrupt is answered by INTERRUPTED with reason explicit", async () => {
    const { session, states } = await playbackSession(sim());
    const first = sim().waitFor("frame");
    const reqId = await session.sendAudio(SPEECH.subarray(0, 32000));
    await first;
    const interrupted = sim().waitFor("state", (s) => s.name === "INTERRUPTED");
    expect(await session.interrupt()).toBe(reqId);
    await interrupted;
    await waitFor(() => states.at(-1)?.state === "interrupted");
    expect(states.at(-1)).toMatchObject({ reqId, state: "interrupted", reason: "explicit" });
    await session.close();
  });
});

describe("onFrame and decodeAnimationFrame", () => {
  const sim = useSimulator();

  it.skipIf(LEGACY)("onFrame carries the request id, the last flag and the avatar id; the bytes are what was sent", async () => {
    const { session, frames, rec } = await playbackSession(sim());
    const done = sim().waitFor("request");
    const reqId = await session.sendAudio(tone(0.5), true);
    const [request] = await done;
    await waitFor(() => frames.some((f) => f.isLast));
    expect(frames).toHaveLength(request.frameCount!);
    expect(frames.every((f) => f.reqId === reqId && f.avatarId === "demo-avatar")).toBe(true);
    expect(frames.map((f) => f.isLast)).toEqual(request.frames.map((_, i) => i === request.frames.length - 1));
    expect(frames.map((f) => Buffer.from(f.bytes).toString("hex"))).toEqual(request.frames.map((b) => Buffer.from(b).toString("hex")));
    expect(rec.frames.map((f) => f.bytes)).toEqual(frames.map((f) => f.bytes)); // transportFrames: the same bytes
    await session.close();
  });

  it.skipIf(LEGACY)("decodes the simulator's keyframes to the exact floats it computed from the audio", async () => {
    const { session, frames } = await playbackSession(sim());
    const audio = SPEECH.subarray(0, 16000 * 2 * 2); // 2 s of speech
    await session.sendAudio(audio, true);
    await waitFor(() => frames.some((f) => f.isLast));
    const expected = flamesForPcmRequest(audio, 16000);
    const decoded = frames.map((f) => decodeAnimationFrame(f.bytes));
    expect(decoded).toHaveLength(expected.length);
    decoded.forEach((frame, i) => {
      expect(frame).toMatchObject({ reqId: frames[i]!.reqId, connectionId: session.connectionId, end: i === decoded.length - 1, avatarId: "demo-avatar" });
      expect(frame.keyframes).toHaveLength(1);
      const k = frame.keyframes[0]!;
      const e = expected[i]!;
      expect([...k.jawPose]).toEqual(e.jawPose);
      expect([...k.eyeLid]).toEqual(e.eyeLid);
      expect([...k.rotation]).toEqual(e.rotation);
      expect([...k.expression]).toEqual(e.expression);
      expect(k.translation).toHaveLength(3);
      expect(k.eyePose).toHaveLength(6);
    });
    // Speech moves the jaw; the silence at the clip's start keeps it closed.
    expect(Math.max(...decoded.map((f) => f.keyframes[0]!.jawPose[0]!))).toBeGreaterThan(0.05);
    await session.close();
  });

  it("throws protocolError for bytes that are not an animation message", () => {
    expect(() => decodeAnimationFrame(new Uint8Array([0x08, 0x02, 0x1a, 0x00]))).toThrow(expect.objectContaining({ code: "protocolError" }));
    expect(() => decodeAnimationFrame(new Uint8Array([0xff]))).toThrow(expect.objectContaining({ code: "protocolError" }));
  });

  it("frames arrive while the request is still streaming, before its end chunk", async () => {
    const { session, frames } = await playbackSession(sim());
    let reqId = "";
    for (let i = 0; i < 10; i++) {
      reqId = await session.sendAudio(SPEECH.subarray(i * 3200, (i + 1) * 3200)); // 100 ms chunks
    }
    await waitFor(() => frames.length > 0, 5000, "a frame before end");
    expect(sim().connections[0]!.requests[0]!.ended).toBe(false);
    expect(frames.every((f) => f.reqId === reqId && !f.isLast)).toBe(true);
    await session.sendAudio(new Uint8Array(0), true);
    await waitFor(() => frames.some((f) => f.isLast));
    expect(frames).toHaveLength(25); // 1 s of audio
    await session.close();
  });

  it("frames of an interrupted request that were in flight arrive with its reqId, so an app can drop them", async () => {
    const { session, frames } = await playbackSession(sim());
    const first = sim().waitFor("frame");
    const interruptedId = await session.sendAudio(SPEECH.subarray(0, 64000));
    await first;
    expect(await session.interrupt()).toBe(interruptedId);
    const [record] = await sim().waitFor("request", (r) => r.reqId === interruptedId);
    expect(record.interrupted).toBe(true);
    const nextId = await session.sendAudio(tone(0.2), true);
    await waitFor(() => frames.some((f) => f.reqId === nextId && f.isLast));
    const ofInterrupted = frames.filter((f) => f.reqId === interruptedId);
    // What the simulator sent before it processed the interrupt reached the client, tagged with the old id…
    expect(ofInterrupted.map((f) => f.bytes)).toEqual(record.frames);
    expect(record.frames.length).toBeLessThan(50); // …and the interrupt cut the request short (2 s would be 50 frames).
    expect(frames.filter((f) => f.reqId === nextId)).toHaveLength(5);
    await session.close();
  });
});

current("close codes and retry advice (§8)", () => {
  const sim = useSimulator();
  const expected = {
    "credits-exhausted": { code: "creditsExhausted", closeCode: 4001, retryable: false },
    "session-timeout": { code: "sessionDurationExceeded", closeCode: 4002, retryable: true },
    "concurrency-limit": { code: "concurrencyLimit", closeCode: 4003, retryable: false },
    "auth-failed": { code: "sessionTokenInvalid", closeCode: 4010, retryable: false },
    "upstream-unavailable": { code: "upstreamError", closeCode: 4503, retryable: true },
  } as const;

  it("covers every close-code fault the simulator has", () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(CLOSE_CODE_FAULTS).sort());
  });

  describe.each(Object.entries(expected))("%s", (type, want) => {
    it("at the handshake: start() rejects once, with the code and its retry advice", async () => {
      sim().inject({ type, after: "handshake" } as never);
      const rec = recorder();
      const session = newAvatarSession(optionsFor(sim(), rec.callbacks));
      await session.init();
      const error = await rejection(session.start());
      expect(error).toMatchObject({ code: want.code, retryable: want.retryable, phase: "websocket_handshake", serverCode: String(want.closeCode) });
      await waitFor(() => rec.closes === 1);
      expect(rec.errors).toEqual([error]);
    });

    it("in session: a ServerError then a close with the same code is one failure", async () => {
      sim().inject({ type, after: "audio" } as never);
      const { session, rec } = await openSession(sim());
      const closed = sim().waitFor("close");
      await session.sendAudio(tone(0.1));
      await closed;
      await waitFor(() => rec.closes === 1);
      expect(rec.errors).toHaveLength(1);
      expect(rec.errors[0]).toMatchObject({ code: want.code, retryable: want.retryable, phase: "websocket_runtime" });
      expect(sim().connections[0]!.errorsSent.map((e) => e.code)).toEqual([want.closeCode]);
      expect(sim().connections[0]!.closed).toMatchObject({ code: want.closeCode });
      // Every later call rejects with that one error.
      for (const call of [() => session.sendAudio(tone(0.1)), () => session.interrupt(), () => session.pause()]) {
        expect(await rejection(call())).toBe(rec.errors[0]);
      }
      expect(rec.closes).toBe(1);
    });

    it("a bare close with the code maps the same way", async () => {
      sim().inject({ type, after: "audio", bare: true } as never);
      const { session, rec } = await openSession(sim());
      await session.sendAudio(tone(0.1)).catch(() => undefined);
      await waitFor(() => rec.closes === 1);
      expect(rec.errors).toHaveLength(1);
      expect(rec.errors[0]).toMatchObject({ code: want.code, retryable: want.retryable, closeCode: want.closeCode, phase: "websocket_runtime" });
    });
  });

  it("other 40xx close codes are not retryable, 45xx are", async () => {
    for (const [code, retryable] of [[4000, false], [4599, true]] as const) {
      sim().inject({ type: "close", after: "confirm", code, reason: "" });
      const { rec } = await openSession(sim());
      await waitFor(() => rec.closes === 1);
      expect(rec.errors[0]).toMatchObject({ code: "connectionClosed", closeCode: code, retryable });
    }
  });
});

current("the concurrency limit, enforced", () => {
  const sim = useSimulator({ maxConcurrentSessionsPerApp: 1 });

  it("a second session of the app is refused with concurrencyLimit until the first closes", async () => {
    const first = await openSession(sim());
    const second = newAvatarSession(optionsFor(sim()));
    await second.init();
    expect(await rejection(second.start())).toMatchObject({ code: "concurrencyLimit", retryable: false, phase: "websocket_handshake" });
    const closed = sim().waitFor("close");
    await first.session.close();
    await closed;
    const third = await openSession(sim());
    expect(third.connectionId).toMatch(/^conn_/);
    await third.session.close();
  });
});

describe("the token reply", () => {
  const sim = useSimulator({ sessionTokenField: "session_token" });

  it("may carry session_token instead of sessionToken", async () => {
    const { session, connectionId } = await openSession(sim());
    expect(connectionId).toBe(sim().connections[0]!.id);
    expect(sim().tokenRequests[0]!.status).toBe(200);
    await session.close();
  });
});
