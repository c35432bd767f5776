/**
 * The browser bundle (packages/browser/dist/avatarkit.browser.min.js) in
 * Chromium against the simulator, under a strict Content-Security-Policy.
 */
import { readFileSync, statSync } from "node:fs";
import { createSessionToken, newAvatarSession } from "@avatarkit/node";
import { DEMO_CREDENTIALS, flamesForPcmRequest, oggCrc32, startSimulator, type Simulator, type SimulatorOptions } from "@avatarkit/simulator";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useChromium } from "./support/chromium";
import { Harness, hex, lastFrames, type PageSession } from "./support/harness";
import { startStaticServer, type StaticServer } from "./support/static-server";

const browser = useChromium();
let server: StaticServer;
beforeAll(async () => {
  server = await startStaticServer();
});
afterAll(async () => {
  await server?.close();
});

/** A fresh simulator and harness page for every test of the calling block. */
function useWorld(options: SimulatorOptions = {}) {
  const world = {} as { sim: Simulator; harness: Harness };
  beforeEach(async () => {
    world.sim = await startSimulator(options);
    world.harness = await Harness.open(browser(), server.origin);
  });
  afterEach(async () => {
    await world.harness.close();
    await world.sim.close();
  });
  return world;
}

/** Session options with a token the simulator minted: what a page gets from its backend. */
function tokenOptions(sim: Simulator, extra: Record<string, unknown> = {}) {
  return {
    sessionToken: sim.mintToken(DEMO_CREDENTIALS.appId, new Date(Date.now() + 5 * 60_000)),
    appId: DEMO_CREDENTIALS.appId,
    avatarId: DEMO_CREDENTIALS.avatarId,
    ingressEndpointUrl: sim.ingressEndpointUrl,
    ...extra,
  };
}

/** Opens a session in the page with a pre-minted token. */
async function opened(w: { sim: Simulator; harness: Harness }, extra: Record<string, unknown> = {}): Promise<{ session: PageSession; connectionId: string }> {
  const session = await w.harness.session(tokenOptions(w.sim, extra));
  const connectionId = await session.value<string>("start");
  return { session, connectionId };
}

const REQ_ID = /^\d{14}_[A-Za-z0-9_-]{12}$/;
/** The sample clip the page streams with `sendSpeech`. */
const SPEECH_BYTES = statSync(new URL("../examples/assets/speech-16k.pcm", import.meta.url)).size;

describe("query auth", () => {
  const w = useWorld();

  it("init() mints a token, start() connects with query auth, PCM streams and every frame arrives byte for byte", async () => {
    const session = await w.harness.session({
      apiKey: DEMO_CREDENTIALS.apiKey,
      appId: DEMO_CREDENTIALS.appId,
      avatarId: DEMO_CREDENTIALS.avatarId,
      consoleEndpointUrl: w.sim.consoleEndpointUrl,
      ingressEndpointUrl: w.sim.ingressEndpointUrl,
      expireAt: new Date(Date.now() + 5 * 60_000),
    });
    await session.value("init");
    const connectionId = await session.value<string>("start");

    const [token] = w.sim.tokenRequests;
    expect(token).toMatchObject({ status: 200 });
    expect(token!.headers["origin"]).toBe(server.origin); // a CORS request from the page
    const connection = w.sim.connections[0]!;
    expect(connection).toMatchObject({ id: connectionId, auth: "query", upgradeStatus: 101, apiKeySeen: false });
    expect(connection.headers["x-session-key"]).toBeUndefined();
    expect(new URL(connection.url, "ws://x").searchParams.get("sessionKey")).toBe(token!.token);

    const reqId = await session.value<string>("sendSpeech");
    expect(reqId).toMatch(REQ_ID);
    const state = await session.waitFor((s) => lastFrames(s) === 1, "the last frame");
    expect(state.frames.length).toBe(connection.framesSent.length);
    expect(state.frames.map((f) => f.hex)).toEqual(connection.framesSent.map(hex));
    expect(state.frames.map((f) => f.isLast)).toEqual(connection.framesSent.map((_, i) => i === connection.framesSent.length - 1));
    expect(connection.requests[0]).toMatchObject({ reqId, ended: true, bytes: SPEECH_BYTES });

    // Several requests on one session: a new id each, frames for each.
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await session.value<string>("sendTone", 0.2, true));
    const after = await session.waitFor((s) => lastFrames(s) === 4, "four last frames");
    expect(new Set([reqId, ...ids]).size).toBe(4);
    expect(connection.requests.map((r) => r.reqId)).toEqual([reqId, ...ids]);
    expect(after.frames.map((f) => f.hex)).toEqual(connection.framesSent.map(hex));
    expect(after.errors).toEqual([]);

    await session.value("close");
    const closed = await session.waitFor((s) => s.closes === 1, "onClose");
    expect(closed.state).toBe("closed");
    expect(connection.closed).toMatchObject({ code: 1000, by: "client" });
    // The PCM path never loads the encoder chunk or its WebAssembly.
    expect(w.harness.requests.filter((r) => /opus/.test(r.url))).toEqual([]);
    expect(w.harness.problems).toEqual([]);
  });

  it("generateLogId uses crypto.getRandomValues in the page", async () => {
    const ids = await Promise.all([w.harness.generateLogId(), w.harness.generateLogId()]);
    for (const id of ids) expect(id).toMatch(REQ_ID);
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe("#interrupt", () => {
  const w = useWorld({ frameIntervalMs: 20 });

  it("names the most recent request, stops its frames, and the next chunk starts a new request", async () => {
    const { session } = await opened(w);
    const reqId = await session.value<string>("sendTone", 4, true); // 100 frames at 20 ms each
    await session.waitFor((s) => s.frames.length >= 3, "three frames");
    const over = w.sim.waitFor("request", (r) => r.reqId === reqId);
    expect(await session.value("interrupt")).toBe(reqId);
    const connection = w.sim.connections[0]!;
    await session.waitFor(() => connection.interrupts.length === 1, "the interrupt to arrive");
    expect(connection.interrupts).toEqual([reqId]);
    const [request] = await over; // the simulator stopped the request
    expect(request.interrupted).toBe(true);
    expect(request.frames.length).toBeLessThan(100);
    // The page got exactly what the simulator sent before the interrupt, and no end=true frame.
    const stopped = await session.waitFor((s) => s.frames.length === request.frames.length, "the in-flight frames");
    expect(stopped.frames.map((f) => f.hex)).toEqual(request.frames.map(hex));
    expect(lastFrames(stopped)).toBe(0);

    const next = await session.value<string>("sendTone", 0.2, true);
    expect(next).not.toBe(reqId);
    await session.waitFor((s) => lastFrames(s) === 1, "the next request's last frame");
    await session.value("close");
    expect(w.harness.problems).toEqual([]);
  });
});

describe("pre-minted token (the recommended browser path)", () => {
  const w = useWorld();

  it("the page starts with a token from its backend and no request from the page carries the API key", async () => {
    // The backend half: Node mints the token with the API key.
    const sessionToken = await createSessionToken({
      apiKey: DEMO_CREDENTIALS.apiKey,
      consoleEndpointUrl: w.sim.consoleEndpointUrl,
      expireAt: new Date(Date.now() + 5 * 60_000),
    });
    // The page half: the token and what to connect to; no apiKey, no console URL.
    const session = await w.harness.session({
      sessionToken,
      appId: DEMO_CREDENTIALS.appId,
      avatarId: DEMO_CREDENTIALS.avatarId,
      ingressEndpointUrl: w.sim.ingressEndpointUrl,
    });
    await session.value("init"); // a no-op without an API key
    const connectionId = await session.value<string>("start");
    await session.value("sendTone", 0.4, true);
    await session.waitFor((s) => lastFrames(s) === 1, "the last frame");
    await session.value("close");

    expect(w.sim.connections).toHaveLength(1);
    expect(w.sim.connections[0]).toMatchObject({ id: connectionId, auth: "query", apiKeySeen: false });
    // One token request, from Node (no Origin, not Chromium); none from the page.
    expect(w.sim.tokenRequests).toHaveLength(1);
    for (const request of w.sim.tokenRequests) {
      expect(request.headers["origin"]).toBeUndefined();
      expect(request.headers["user-agent"] ?? "").not.toMatch(/Chrome/);
    }
    const fromPage = w.harness.requests.filter((r) => !r.url.startsWith(server.origin));
    expect(fromPage.map((r) => new URL(r.url).pathname)).toEqual(["/v2/driveningress/websocket"]);
    for (const request of w.harness.requests) {
      expect(request.url).not.toContain(DEMO_CREDENTIALS.apiKey);
      expect(JSON.stringify(request.headers)).not.toContain(DEMO_CREDENTIALS.apiKey);
    }
    expect(w.harness.problems).toEqual([]);
  });
});

describe("errors, as a browser sees them", () => {
  const w = useWorld();

  it("a refused upgrade is connectionFailed with close code 1006 (a browser never sees the HTTP status)", async () => {
    w.sim.inject({ type: "refuse-upgrade", status: 404, body: '{"message":"Avatar not found"}' });
    const session = await w.harness.session(tokenOptions(w.sim));
    const error = await session.error("start");
    expect(error).toMatchObject({ isAvatarSDKError: true, name: "AvatarSDKError", code: "connectionFailed", phase: "websocket_connect", closeCode: 1006 });
    expect(error.httpStatus).toBeUndefined();
    expect(error.message).toMatch(/^Failed to open the WebSocket: .*code 1006.*browsers do not expose why/);
    const state = await session.waitFor((s) => s.closes === 1, "onClose");
    expect(state.errors).toEqual([error]);
    expect(state.state).toBe("closed");
    expect(w.sim.connections[0]!.upgradeStatus).toBe(404);
    // Chromium logs the failed WebSocket itself; nothing else may go wrong.
    expect(w.harness.problems.filter((p) => !/WebSocket connection to .* failed/.test(p))).toEqual([]);
  });

  it("a handshake ServerError is classified per PROTOCOL.md §7 (4001 → creditsExhausted)", async () => {
    w.sim.inject({ type: "reject-handshake", code: 4001, message: "insufficient balance" });
    const session = await w.harness.session(tokenOptions(w.sim));
    const error = await session.error("start");
    expect(error).toMatchObject({ code: "creditsExhausted", phase: "websocket_handshake", serverCode: "4001", serverDetail: "insufficient balance" });
    const state = await session.waitFor((s) => s.closes === 1, "onClose");
    expect(state.errors).toEqual([error]);
  });

  it("a runtime ServerError goes to onError and the session stays open", async () => {
    w.sim.inject({ type: "runtime-error", after: "audio", code: 0, message: "maximum session duration reached" });
    const { session, connectionId } = await opened(w);
    const reqId = await session.value<string>("sendTone", 0.2, true);
    const state = await session.waitFor((s) => lastFrames(s) === 1 && s.errors.length === 1, "the error and the last frame");
    expect(state.errors[0]).toMatchObject({ code: "sessionDurationExceeded", phase: "websocket_runtime", serverCode: "0", connectionId, reqId, retryable: true });
    expect(state.state).toBe("open");
    expect(await session.value("sendTone", 0.1, true)).not.toBe(reqId);
    await session.value("close");
    expect((await session.state()).closes).toBe(1);
  });

  it("an abrupt close is connectionClosed with its code and reason, and onClose fires once", async () => {
    w.sim.inject({ type: "close", after: "confirm", code: 4000, reason: "going away" });
    const { session, connectionId } = await opened(w);
    const state = await session.waitFor((s) => s.closes === 1, "onClose");
    expect(state.errors).toEqual([
      expect.objectContaining({ code: "connectionClosed", phase: "websocket_runtime", closeCode: 4000, closeReason: "going away", connectionId }),
    ]);
    await session.value("close"); // closing again is no error and no second onClose
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await session.state()).closes).toBe(1);
    const later = await session.error("sendTone", 0.1, true);
    expect(later).toMatchObject({ code: "connectionClosed", closeCode: 4000 });
  });

  it("header auth is refused at construction with the documented ConfigurationError", async () => {
    const { session, error } = await w.harness.create(tokenOptions(w.sim, { useQueryAuth: false }));
    expect(session).toBeUndefined();
    expect(error).toEqual({
      isAvatarSDKError: true,
      name: "ConfigurationError",
      code: "invalidRequest",
      field: "useQueryAuth",
      retryable: false,
      message: "Header auth is not possible here: this runtime's WebSocket cannot send headers. Set useQueryAuth: true (the default in browsers).",
    });
    expect(w.sim.connections).toHaveLength(0);
  });
});

describe("reliability, in a browser", () => {
  const w = useWorld();

  it("callbacks that throw are logged once per throw and the session goes on", async () => {
    const { session } = await opened(w, { throwIn: ["transportFrames", "onError"] });
    w.sim.inject({ type: "runtime-error", after: "audio", code: 13, message: "internal" });
    await session.value<string>("sendTone", 0.2, true);
    await session.waitFor((s) => lastFrames(s) === 1, "the last frame");
    await session.value<string>("sendTone", 0.2, true);
    const state = await session.waitFor((s) => lastFrames(s) === 2, "the second request's last frame");
    expect(state.frames).toHaveLength(10);
    expect(state.warnings.filter((m) => m.startsWith("[avatarkit] transportFrames callback threw"))).toHaveLength(10);
    expect(state.warnings.filter((m) => m.startsWith("[avatarkit] onError callback threw"))).toHaveLength(state.errors.length);
    expect(state.state).toBe("open");
    await session.value("close");
    expect(w.harness.problems).toEqual([]);
  });

  it("a TCP drop is connectionClosed (1006), reported once; later sends reject with it", async () => {
    w.sim.inject({ type: "drop", after: "audio" });
    const { session } = await opened(w);
    await session.call("sendTone", 0.2);
    const state = await session.waitFor((s) => s.closes === 1, "onClose");
    expect(state.errors).toHaveLength(1);
    expect(state.errors[0]).toMatchObject({ code: "connectionClosed", phase: "websocket_runtime", closeCode: 1006 });
    expect(await session.error("sendTone", 0.1)).toEqual(state.errors[0]);
    expect((await session.state()).closes).toBe(1);
  });

  it("garbage and text frames are protocolErrors and the session keeps reading", async () => {
    w.sim.inject({ type: "garbage-frame", after: "audio" });
    w.sim.inject({ type: "text-frame", after: "audio", text: "hello" });
    const { session } = await opened(w);
    await session.value<string>("sendTone", 0.2, true);
    const state = await session.waitFor((s) => lastFrames(s) === 1 && s.errors.length === 2, "two errors and the last frame");
    expect(state.errors.map((e) => e.code)).toEqual(["protocolError", "protocolError"]);
    expect(state.frames).toHaveLength(5);
    await session.value("close");
  });

  it("the session token stays out of the configuration and of errors", async () => {
    const token = w.sim.mintToken(DEMO_CREDENTIALS.appId, new Date(Date.now() + 60_000));
    w.sim.inject({ type: "close", after: "confirm", code: 4000, reason: `token ${token} revoked` });
    const session = await w.harness.session({ ...tokenOptions(w.sim), sessionToken: token });
    await session.call("start");
    const state = await session.waitFor((s) => s.closes === 1, "onClose");
    expect(state.errors[0]?.closeReason).toBe("token [redacted] revoked");
    expect(JSON.stringify(state.errors)).not.toContain(token);
    expect(state.config).not.toContain(token);
    expect(state.warnings.join("\n")).not.toContain(token);
  });

  it("back-pressure through bufferedAmount: a server that stops reading fails the session after drainMs", async () => {
    w.sim.inject({ type: "stop-reading", after: "confirm" });
    const { session } = await opened(w, { highWaterMark: 64 * 1024, timeouts: { drainMs: 500 } });
    let error: unknown;
    for (let i = 0; i < 600 && error === undefined; i++) error = (await session.call("sendTone", 1)).error;
    expect(error).toMatchObject({ code: "connectionFailed", phase: "websocket_send", message: expect.stringMatching(/stopped reading/) });
    const state = await session.waitFor((s) => s.closes === 1, "onClose");
    expect(state.errors).toEqual([error]);
  });
});

describe("built-in Ogg Opus encoder", () => {
  const w = useWorld();

  it("loads its chunk and WebAssembly when the session starts, not before, and sends a valid Ogg Opus stream", async () => {
    const session = await w.harness.session(tokenOptions(w.sim, { audioFormat: "ogg_opus", sampleRate: 16000, oggOpusEncoder: { frameDurationMs: 20 } }));
    expect(w.harness.requests.filter((r) => /opus/.test(r.url))).toEqual([]);
    await session.value<string>("start"); // loads the encoder while it connects
    const reqId = await session.value<string>("sendSpeech", 6400);
    const state = await session.waitFor((s) => lastFrames(s) === 1, "the last frame", 15_000);
    const request = w.sim.connections[0]!.requests[0]!;
    expect(request).toMatchObject({ reqId, format: "ogg_opus", ended: true });
    expect(request.oggError).toBeUndefined();
    expect(Math.abs(request.durationMs - (SPEECH_BYTES / 32_000) * 1000)).toBeLessThan(25);
    expect(state.encoded).toEqual([{ reqId, bytes: request.bytes }]);
    expect(state.errors).toEqual([]);
    const loaded = w.harness.requests.map((r) => new URL(r.url).pathname).filter((p) => /opus/.test(p));
    expect(loaded.sort()).toEqual([
      expect.stringMatching(/^\/sdk\/avatarkit\.browser\.ogg-opus-stream-[\w-]+\.min\.js$/),
      expect.stringMatching(/^\/sdk\/avatarkit\.browser\.opus-encoder-[\w-]+\.min\.js$/),
      "/sdk/opus.wasm",
    ]);
    await session.value("close");
    expect(w.harness.problems).toEqual([]);
  });

  it("writes the same stream as Node for the same input (serial aside)", async () => {
    const { session } = await opened(w, { audioFormat: "ogg_opus", sampleRate: 16000, bitrate: 32000, oggOpusEncoder: { frameDurationMs: 20 } });
    await session.value<string>("sendSpeech", 3200);
    await session.waitFor((s) => lastFrames(s) === 1, "the last frame", 15_000);
    await session.value("close");

    let lastFrame!: () => void;
    const done = new Promise<void>((resolve) => (lastFrame = resolve));
    const node = newAvatarSession({
      // The same WebAssembly libopus as the page (Node's default is the native binary where it loads).
      ...tokenOptions(w.sim, { audioFormat: "ogg_opus", sampleRate: 16000, bitrate: 32000, oggOpusEncoder: { frameDurationMs: 20, backend: "wasm" } }),
      transportFrames: (_frame, isLast) => isLast && lastFrame(),
    } as Parameters<typeof newAvatarSession>[0]);
    await node.start();
    await node.sendAudio(readFileSync(new URL("../examples/assets/speech-16k.pcm", import.meta.url)), true);
    await done;
    await node.close();

    const [browserStream, nodeStream] = w.sim.connections.map((c) => c.requests[0]!.audio);
    expect(browserStream!.length).toBeGreaterThan(10_000);
    expect(hex(withSerial(browserStream!, 1))).toBe(hex(withSerial(nodeStream!, 1)));
  });
});

/** A copy of an Ogg stream with every page's serial number set to `serial` (and its CRC recomputed). */
function withSerial(stream: Uint8Array, serial: number): Uint8Array {
  const out = stream.slice();
  const view = new DataView(out.buffer);
  for (let at = 0; at < out.length; ) {
    const segments = out[at + 26]!;
    let size = 27 + segments;
    for (let i = 0; i < segments; i++) size += out[at + 27 + i]!;
    view.setUint32(at + 14, serial, true);
    view.setUint32(at + 22, 0, true);
    view.setUint32(at + 22, oggCrc32(out.subarray(at, at + size)), true);
    at += size;
  }
  return out;
}

describe("the current service's protocol (§8), in Chromium", () => {
  const w = useWorld();

  it("capabilities, pause/resume with one state each, and every state reaches onPlaybackState", async () => {
    const { session } = await opened(w);
    expect((await session.state()).capabilities).toEqual(["playback_control", "playback_state"]);
    expect(await session.error("pause")).toMatchObject({ code: "invalidRequest", isAvatarSDKError: true });
    const first = w.sim.waitFor("frame");
    const reqId = await session.value<string>("sendTone", 1, false); // no end: the request keeps playing
    await first;
    const pausedState = w.sim.waitFor("state", (st) => st.answers === "pause");
    expect(await session.value("pause")).toBe(reqId);
    const [paused] = await pausedState;
    const resumedState = w.sim.waitFor("state", (st) => st.answers === "resume");
    expect(await session.value("resume")).toBe(reqId);
    await resumedState;
    const ended = w.sim.waitFor("state", (st) => st.name === "ENDED");
    await session.value("sendTone", 0.2, true);
    const connection = w.sim.connections[0]!;
    await ended;
    const seen = await session.waitFor((s) => s.states.length === connection.statesSent.length && lastFrames(s) === 1, "every state and the last frame");
    expect(seen.states.map((st) => st.state)).toEqual(connection.statesSent.map((st) => st.name.toLowerCase()));
    expect(seen.states.find((st) => st.state === "paused")).toEqual({ reqId, state: "paused", playedMs: paused.playedMs, connectionId: seen.connectionId });
    await session.value("close");
    expect(w.harness.problems).toEqual([]);
  });

  it("onFrame gives each frame's request id and avatar; decodeAnimationFrame reads the simulator's keyframes exactly", async () => {
    const { session } = await opened(w);
    const over = w.sim.waitFor("request");
    const reqId = await session.value<string>("sendTone", 0.5, true);
    const [request] = await over;
    const state = await session.waitFor((s) => s.contexts.some((f) => f.isLast), "the last frame");
    expect(state.contexts.map((f) => f.hex)).toEqual(request.frames.map(hex));
    expect(state.contexts.every((f) => f.reqId === reqId && f.avatarId === DEMO_CREDENTIALS.avatarId)).toBe(true);
    const decoded = await session.decodeFrames();
    const sent = w.sim.connections[0]!;
    // Recompute what the simulator sent from its own record of the audio.
    const expected = flamesForPcmRequest(sent.requests[0]!.audio, 16000);
    expect(decoded).toHaveLength(expected.length);
    decoded.forEach((frame, i) => {
      expect(frame).toMatchObject({ reqId, end: i === decoded.length - 1, avatarId: DEMO_CREDENTIALS.avatarId });
      expect(frame.keyframes[0]!.jawPose).toEqual(expected[i]!.jawPose);
      expect(frame.keyframes[0]!.eyeLid).toEqual(expected[i]!.eyeLid);
    });
    expect(await w.harness.page.evaluate(() => window.harness.decodeError("ff"))).toMatchObject({ code: "protocolError", isAvatarSDKError: true });
    await session.value("close");
  });

  it.each([
    ["concurrency-limit", { code: "concurrencyLimit", retryable: false }],
    ["upstream-unavailable", { code: "upstreamError", retryable: true }],
    ["auth-failed", { code: "sessionTokenInvalid", retryable: false }],
  ] as const)("close code fault %s: one failure with its retry advice", async (type, want) => {
    w.sim.inject({ type, after: "audio" } as never);
    const { session } = await opened(w);
    await session.call("sendTone", 0.1, false);
    const state = await session.waitFor((s) => s.closes === 1, "the close");
    expect(state.errors).toHaveLength(1);
    expect(state.errors[0]).toMatchObject({ ...want, phase: "websocket_runtime", isAvatarSDKError: true });
    expect(await session.error("sendTone", 0.1, true)).toMatchObject(want);
  });
});

describe("the protocol chunk (what an open session runs on), loaded after the page", () => {
  const w = useWorld();
  const PROTOCOL_CHUNK = /\/sdk\/avatarkit\.browser\.protocol-[^/]*\.js$/;
  const fetched = () => w.harness.requests.filter((r) => PROTOCOL_CHUNK.test(r.url));

  it("is not part of the page's first load: creating a session fetches it once", async () => {
    expect(fetched()).toEqual([]);
    const { session } = await opened(w);
    await opened(w);
    expect(fetched()).toHaveLength(1);
    await session.value<string>("sendTone", 0.2, true);
    await session.waitFor((s) => lastFrames(s) === 1, "the last frame");
    expect(w.harness.problems).toEqual([]);
  });

  it("a close that comes before the chunk fails start() with that close, at once", async () => {
    w.sim.inject({ type: "drop", after: "upgrade" });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await w.harness.page.route(PROTOCOL_CHUNK, async (route) => {
      await released;
      await route.continue();
    });
    const socketClosed = new Promise<void>((resolve) => w.harness.page.on("websocket", (ws) => ws.on("close", () => resolve())));
    // Without the close being kept for start(), it would wait for the handshake's time limit.
    const session = await w.harness.session(tokenOptions(w.sim, { timeouts: { handshakeMs: 600_000 } }));
    const started = session.call("start");
    await socketClosed;
    release();
    const { error } = await started;
    expect(error).toMatchObject({ code: "connectionClosed", phase: "websocket_handshake", closeCode: 1006, retryable: true });
    const state = await session.state();
    expect(state).toMatchObject({ state: "closed", closes: 1 });
    expect(state.errors).toEqual([error]);
    expect(w.harness.problems).toEqual([]);
  });

  it("a chunk that cannot load fails start() with connectionFailed; the next session loads it", async () => {
    await w.harness.page.route(PROTOCOL_CHUNK, (route) => route.abort("internetdisconnected"));
    const first = await w.harness.session(tokenOptions(w.sim));
    const error = await first.error("start");
    expect(error).toMatchObject({ code: "connectionFailed", phase: "websocket_connect", retryable: true });
    expect(error.message).toMatch(/^Could not load the SDK's protocol code: /);
    expect(await first.state()).toMatchObject({ state: "closed", errors: [error] });

    await w.harness.page.unroute(PROTOCOL_CHUNK);
    const { session, connectionId } = await opened(w);
    expect(w.sim.connections.at(-1)).toMatchObject({ id: connectionId });
    await session.value<string>("sendTone", 0.2, true);
    await session.waitFor((s) => lastFrames(s) === 1, "the last frame");
    // The page's console names each failed fetch of the chunk (the session's own, and start()'s second try); nothing else went wrong.
    expect(w.harness.problems.length).toBeGreaterThan(0);
    expect(w.harness.problems.filter((p) => !p.endsWith("Failed to load resource: net::ERR_INTERNET_DISCONNECTED"))).toEqual([]);
  });
});
