import { describe, expect, it } from "vitest";
import { DEMO_CREDENTIALS } from "@avatarkit/simulator";
import { AvatarSDKError, ConfigurationError, createSessionToken, newAvatarSession, type SessionOptions } from "../src/index";
import { openSession, optionsFor, recorder, rejection, tone, useSimulator } from "./support";

const good: SessionOptions = {
  avatarId: "demo-avatar",
  appId: "demo-app",
  apiKey: "k",
  consoleEndpointUrl: "http://127.0.0.1:1/v1/console",
  ingressEndpointUrl: "ws://127.0.0.1:1/v2/driveningress",
  expireAt: new Date(Date.now() + 60_000),
};

const livekit = { url: "wss://lk.example.com", roomName: "room", apiToken: "t" };

/** [what, options overrides, the field named, the message says] */
const configuration: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ["options not an object", { __replace: 42 }, "options", /expected an object/],
  ["missing avatarId", { avatarId: undefined }, "avatarId", /non-empty string/],
  ["empty avatarId", { avatarId: "" }, "avatarId", /non-empty string/],
  ["blank appId", { appId: "   " }, "appId", /non-empty string/],
  ["numeric appId", { appId: 7 }, "appId", /non-empty string/],
  ["missing ingress URL", { ingressEndpointUrl: undefined }, "ingressEndpointUrl", /non-empty string/],
  ["ingress URL without a scheme", { ingressEndpointUrl: "api.example.com/v2" }, "ingressEndpointUrl", /absolute ws:\/\/ or wss:\/\/ or http:\/\/ or https:\/\/ URL/],
  ["ingress URL with ftp", { ingressEndpointUrl: "ftp://api.example.com" }, "ingressEndpointUrl", /absolute/],
  ["console URL with ws", { consoleEndpointUrl: "ws://console" }, "consoleEndpointUrl", /http:\/\/ or https:\/\//],
  ["console URL not a URL", { consoleEndpointUrl: "::" }, "consoleEndpointUrl", /absolute/],
  ["blank apiKey", { apiKey: "  " }, "apiKey", /non-empty string/],
  ["blank sessionToken", { sessionToken: " " }, "sessionToken", /non-empty string/],
  ["expireAt as a number", { expireAt: Date.now() }, "expireAt", /valid Date/],
  ["expireAt invalid Date", { expireAt: new Date(Number.NaN) }, "expireAt", /valid Date/],
  ["useQueryAuth as a string", { useQueryAuth: "true" }, "useQueryAuth", /boolean/],
  ["unknown audio format", { audioFormat: "wav" }, "audioFormat", /one of pcm_s16le, ogg_opus/],
  ["PCM at 12 kHz", { sampleRate: 12000 }, "sampleRate", /not allowed for pcm_s16le/],
  ["Ogg Opus at 44.1 kHz", { audioFormat: "ogg_opus", sampleRate: 44100 }, "sampleRate", /not allowed for ogg_opus/],
  ["sample rate as a string", { sampleRate: "16000" }, "sampleRate", /not allowed/],
  ["negative bitrate", { bitrate: -8000 }, "bitrate", /integer from 0/],
  ["fractional bitrate", { bitrate: 0.5 }, "bitrate", /integer/],
  ["encoder without Ogg Opus", { oggOpusEncoder: {} }, "oggOpusEncoder", /ogg_opus/],
  ["encoder frame of 25 ms", { audioFormat: "ogg_opus", oggOpusEncoder: { frameDurationMs: 25 } }, "oggOpusEncoder.frameDurationMs", /10, 20, 40, 60/],
  ["encoder application unknown", { audioFormat: "ogg_opus", oggOpusEncoder: { application: "music" } }, "oggOpusEncoder.application", /audio, voip, restricted_lowdelay/],
  ["onEncodedAudio without encoder", { onEncodedAudio: () => {} }, "onEncodedAudio", /oggOpusEncoder/],
  ["transportFrames not a function", { transportFrames: {} }, "transportFrames", /function/],
  ["onError not a function", { onError: "log" }, "onError", /function/],
  ["onClose not a function", { onClose: 1 }, "onClose", /function/],
  ["both egresses", { livekitEgress: livekit, agoraEgress: { channelName: "c" } }, "livekitEgress", /choose one egress/],
  ["LiveKit without credentials", { livekitEgress: { url: "wss://lk", roomName: "r" } }, "livekitEgress.apiToken", /provide apiToken/],
  ["LiveKit key without secret", { livekitEgress: { url: "wss://lk", roomName: "r", apiKey: "k" } }, "livekitEgress.apiToken", /both apiKey and apiSecret/],
  ["LiveKit URL missing", { livekitEgress: { ...livekit, url: "" } }, "livekitEgress.url", /non-empty/],
  ["LiveKit room missing", { livekitEgress: { ...livekit, roomName: undefined } }, "livekitEgress.roomName", /non-empty/],
  ["LiveKit idle timeout negative", { livekitEgress: { ...livekit, idleTimeout: -1 } }, "livekitEgress.idleTimeout", /integer/],
  ["LiveKit idle timeout fractional", { livekitEgress: { ...livekit, idleTimeout: 1.5 } }, "livekitEgress.idleTimeout", /integer/],
  ["LiveKit attributes not strings", { livekitEgress: { ...livekit, extraAttributes: { n: 1 } } }, "livekitEgress.extraAttributes", /string values/],
  ["Agora channel missing", { agoraEgress: { channelName: "" } }, "agoraEgress.channelName", /non-empty/],
  ["Agora uid out of range", { agoraEgress: { channelName: "c", uid: 2 ** 32 } }, "agoraEgress.uid", /integer/],
  ["timeouts not an object", { timeouts: 5 }, "timeouts", /object/],
  ["negative timeout", { timeouts: { handshakeMs: -1 } }, "timeouts.handshakeMs", /positive/],
  ["infinite timeout", { timeouts: { connectMs: Number.POSITIVE_INFINITY } }, "timeouts.connectMs", /positive/],
  ["highWaterMark zero", { highWaterMark: 0 }, "highWaterMark", /integer from 1/],
  ["signal not a signal", { signal: {} }, "signal", /AbortSignal/],
  ["logger without warn", { logger: { log() {} } }, "logger", /warn/],
];

describe("bad configuration is refused before any I/O", () => {
  it.each(configuration)("%s", (_what, overrides, field, message) => {
    const options = "__replace" in overrides ? overrides["__replace"] : { ...good, ...overrides };
    let error: unknown;
    try {
      newAvatarSession(options as SessionOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toBeInstanceOf(AvatarSDKError);
    expect((error as ConfigurationError).code).toBe("invalidRequest");
    expect((error as ConfigurationError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(new RegExp(`^Invalid ${field.replace(/\./g, "\\.")}: `));
  });
});

describe("bad calls and bad audio", () => {
  const sim = useSimulator();

  /** [what, what to do, the code, the message says] */
  const calls: Array<[string, (s: ReturnType<typeof newAvatarSession>) => Promise<unknown>, string, RegExp]> = [
    ["sendAudio before start", (s) => s.sendAudio(tone(0.1)), "invalidRequest", /call start\(\) and wait/],
    ["interrupt before start", (s) => s.interrupt(), "invalidRequest", /call start\(\)/],
    ["start before init without a token", (s) => s.start(), "invalidRequest", /call init\(\) first, or pass sessionToken/],
  ];
  it.each(calls)("%s", async (_what, call, code, message) => {
    const session = newAvatarSession(optionsFor(sim()));
    const err = await rejection(call(session));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(sim().connections).toHaveLength(0);
  });

  it("init with neither API key nor token", async () => {
    const { apiKey: _k, ...options } = optionsFor(sim());
    expect(await rejection(newAvatarSession(options).init())).toMatchObject({ code: "invalidRequest", field: "apiKey" });
  });

  it("init without a console URL or expiry", async () => {
    expect(await rejection(newAvatarSession(optionsFor(sim(), { consoleEndpointUrl: undefined })).init())).toMatchObject({ field: "consoleEndpointUrl" });
    expect(await rejection(newAvatarSession(optionsFor(sim(), { expireAt: undefined })).init())).toMatchObject({ field: "expireAt" });
  });

  it("init twice in parallel", async () => {
    const session = newAvatarSession(optionsFor(sim()));
    const first = session.init();
    expect(await rejection(session.init())).toMatchObject({ code: "invalidRequest", message: expect.stringMatching(/the session is token/) });
    await first;
  });

  it("start twice", async () => {
    const { session } = await openSession(sim());
    expect(await rejection(session.start())).toMatchObject({ code: "invalidRequest", message: expect.stringMatching(/the session is open/) });
    expect(sim().connections).toHaveLength(1);
    await session.close();
  });

  it("start after close", async () => {
    const session = newAvatarSession(optionsFor(sim()));
    await session.close();
    expect(await rejection(session.start())).toMatchObject({ code: "invalidRequest", message: expect.stringMatching(/create a new session/) });
  });

  it("every call after close, and close twice", async () => {
    const { session, rec } = await openSession(sim());
    await session.close();
    await session.close();
    for (const call of [() => session.init(), () => session.start(), () => session.sendAudio(tone(0.1)), () => session.interrupt()]) {
      expect(await rejection(call())).toMatchObject({ code: "invalidRequest" });
    }
    expect(rec.closes).toBe(1);
  });

  it("interrupt with no request, then the session still works", async () => {
    const { session, rec } = await openSession(sim());
    expect(await rejection(session.interrupt())).toMatchObject({ code: "invalidRequest", message: expect.stringMatching(/send audio first/) });
    await session.sendAudio(tone(0.1), true);
    await rec.lastFrames();
    await session.close();
  });

  it.each([
    ["a string", "pcm"],
    ["a number", 42],
    ["null", null],
    ["undefined", undefined],
    ["an array of numbers", [1, 2, 3, 4]],
    ["a plain object", { length: 2 }],
  ])("audio as %s is refused and the session stays usable", async (_what, audio) => {
    const { session, rec } = await openSession(sim());
    const err = await rejection(session.sendAudio(audio as never));
    expect(err).toMatchObject({ code: "invalidRequest", phase: "websocket_send", message: expect.stringMatching(/Uint8Array, ArrayBuffer or ArrayBufferView/) });
    await session.sendAudio(tone(0.1), true);
    await rec.lastFrames();
    expect(rec.errors).toEqual([]);
    await session.close();
  });

  it("odd-length PCM is refused and says what to do", async () => {
    const { session } = await openSession(sim());
    expect(await rejection(session.sendAudio(new Uint8Array(5)))).toMatchObject({
      code: "invalidRequest",
      message: expect.stringMatching(/whole 16-bit samples: got 5 bytes.*keep the odd byte for the next chunk/),
    });
    await session.close();
  });

  it("an empty chunk without end sends nothing; with end it closes the request", async () => {
    const { session, rec } = await openSession(sim());
    const reqId = await session.sendAudio(new Uint8Array(0));
    expect(sim().connections[0]!.requests).toHaveLength(0);
    expect(await session.sendAudio(new Uint8Array(0), true)).toBe(reqId);
    await rec.lastFrames();
    expect(sim().connections[0]!.requests[0]).toMatchObject({ reqId, bytes: 0, ended: true });
    await session.close();
  });

  it("a 50 MB chunk goes out in pieces and yields its frames", async () => {
    const { session, rec } = await openSession(sim());
    const big = new Uint8Array(50 * 1024 * 1024);
    const reqId = await session.sendAudio(big, true);
    await rec.lastFrames(1, 20_000);
    const request = sim().connections[0]!.requests[0]!;
    expect(request).toMatchObject({ reqId, bytes: big.length, ended: true });
    expect(request.chunks).toBe(200);
    expect(rec.frames.length).toBe(Math.ceil((big.length / 2 / 16000) * 25));
    await session.close();
  }, 30_000);
});

describe("empty optional strings count as not given (as the reference SDK's defaults)", () => {
  const sim = useSimulator();
  const base = { appId: "app", avatarId: "av", ingressEndpointUrl: "wss://api.example.com/v2/driveningress" };

  it("LiveKit apiKey/apiSecret/publisherId as \"\" beside an apiToken", () => {
    const session = newAvatarSession({ ...base, sessionToken: "t", livekitEgress: { ...livekit, apiKey: "", apiSecret: "", publisherId: "" } });
    expect(session.config.livekitEgress).toEqual(livekit);
  });

  it("Agora token and publisherId as \"\"", () => {
    const session = newAvatarSession({ ...base, sessionToken: "t", agoraEgress: { channelName: "c", token: "", publisherId: "" } });
    expect(session.config.agoraEgress).toEqual({ channelName: "c" });
  });

  it("an empty apiKey beside a pre-minted token: init() is a no-op and start() uses the token", async () => {
    const rec = recorder();
    const options = optionsFor(sim(), { ...rec.callbacks, apiKey: "", consoleEndpointUrl: "" });
    const token = await createSessionToken({ apiKey: DEMO_CREDENTIALS.apiKey, consoleEndpointUrl: sim().consoleEndpointUrl, expireAt: new Date(Date.now() + 60_000) });
    const session = newAvatarSession({ ...options, sessionToken: token });
    expect(session.config.apiKey).toBeUndefined();
    await session.init();
    expect(sim().tokenRequests).toHaveLength(1); // only the one createSessionToken made
    expect(await session.start()).toBe(sim().connections[0]!.id);
    await session.close();
  });

  it("required strings are still refused when empty", () => {
    expect(() => newAvatarSession({ ...base, sessionToken: "t", livekitEgress: { ...livekit, roomName: "" } })).toThrow(
      expect.objectContaining({ field: "livekitEgress.roomName" }),
    );
    expect(() => newAvatarSession({ ...base, appId: "" })).toThrow(expect.objectContaining({ field: "appId" }));
  });
});
