import { createServer } from "node:net";
import { DEMO_CREDENTIALS } from "@avatarkit/simulator";
import { describe, expect, it } from "vitest";
import { AvatarSDKError, newAvatarSession, SessionTokenError } from "../src/index";
import { openSession, optionsFor, recorder, rejection, settle, tone, useSimulator, waitFor } from "./support";

describe("session token errors (init)", () => {
  const sim = useSimulator();

  it("a bad API key is sessionTokenExpired (HTTP 401), not an egress error", async () => {
    const rec = recorder();
    const session = newAvatarSession(optionsFor(sim(), { apiKey: "wrong-key", ...rec.callbacks }));
    const err = await rejection(session.init());
    expect(err).toBeInstanceOf(SessionTokenError);
    expect(err).toMatchObject({ code: "sessionTokenExpired", phase: "session_token", httpStatus: 401, serverCode: "UNAUTHENTICATED" });
    expect(err.rawBody).toContain("errors");
    expect(err.message).not.toContain("wrong-key");
    expect(rec.errors).toEqual([err]);
    expect(session.state).toBe("idle"); // init() can be retried
  });

  it("an expiry in the past is invalidRequest with the server's words", async () => {
    const session = newAvatarSession(optionsFor(sim(), { expireAt: new Date(Date.now() - 60_000) }));
    const err = await rejection(session.init());
    expect(err).toMatchObject({ code: "invalidRequest", httpStatus: 400, serverCode: "INVALID_ARGUMENT", serverTitle: "Invalid Argument" });
    expect(err.message).toMatch(/^Failed to create session token \(HTTP 400\): Invalid Argument - /);
  });

  it.each([
    [500, "upstream exploded", "text/plain", { code: "serverError", serverDetail: "upstream exploded" }],
    [402, '{"status":402,"error":"payment_required","detail":"Session denied"}', "application/json", { code: "billingRequired", serverCode: "payment_required" }],
    [200, '{"errors":[{"status":"403","code":"forbidden","title":"Forbidden","detail":"nope"}]}', "application/json", { code: "invalidRequest", httpStatus: 403 }],
    [200, '{"token":"misnamed"}', "application/json", { code: "protocolError", httpStatus: 200 }],
    [200, "", "text/plain", { code: "protocolError", httpStatus: 200 }],
  ])("HTTP %i %s", async (status, body, contentType, expected) => {
    sim().inject({ type: "token-response", status, body, contentType });
    const err = await rejection(newAvatarSession(optionsFor(sim())).init());
    expect(err).toBeInstanceOf(SessionTokenError);
    expect(err).toMatchObject({ phase: "session_token", rawBody: body, ...expected });
  });

  it("a console that never answers is connectionFailed after timeouts.sessionTokenMs", async () => {
    sim().inject({ type: "token-hang" });
    const err = await rejection(newAvatarSession(optionsFor(sim(), { timeouts: { sessionTokenMs: 200 } })).init());
    expect(err).toMatchObject({ code: "connectionFailed", phase: "session_token" });
    expect(err.message).toMatch(/no response within 200 ms/);
  });

  it("init() without an API key or token is refused before any I/O", async () => {
    const { apiKey: _drop, ...options } = optionsFor(sim());
    const err = await rejection(newAvatarSession(options).init());
    expect(err).toMatchObject({ code: "invalidRequest", field: "apiKey" });
    expect(sim().tokenRequests).toHaveLength(0);
  });
});

describe("WebSocket upgrade refusals (start)", () => {
  const sim = useSimulator();

  async function startWith(options: Parameters<typeof optionsFor>[1]) {
    const rec = recorder();
    const session = newAvatarSession(optionsFor(sim(), { ...options, ...rec.callbacks }));
    if (!options?.sessionToken) await session.init();
    const err = await rejection(session.start());
    return { err, rec, session };
  }

  it("an unknown avatar is avatarNotFound (404) with the body kept", async () => {
    const { err, rec, session } = await startWith({ avatarId: "no-such-avatar" });
    expect(err).toMatchObject({ code: "avatarNotFound", phase: "websocket_connect", httpStatus: 404, serverDetail: "Avatar not found" });
    expect(JSON.parse(err.rawBody!)).toEqual({ message: "Avatar not found" });
    expect(rec.errors).toEqual([err]);
    expect(rec.closes).toBe(1);
    expect(session.state).toBe("closed");
  });

  it("an unknown token is sessionTokenInvalid (400)", async () => {
    const { err } = await startWith({ sessionToken: "not-a-token" });
    expect(err).toMatchObject({ code: "sessionTokenInvalid", httpStatus: 400 });
  });

  it("an expired token is sessionTokenExpired (401)", async () => {
    const sessionToken = sim().mintToken(DEMO_CREDENTIALS.appId, new Date(Date.now() - 1000));
    const { err } = await startWith({ sessionToken });
    expect(err).toMatchObject({ code: "sessionTokenExpired", httpStatus: 401 });
  });

  it("a token of another app is appIDMismatch", async () => {
    const sessionToken = sim().mintToken("other-app", new Date(Date.now() + 60_000));
    const { err } = await startWith({ sessionToken });
    expect(err).toMatchObject({ code: "appIDMismatch", httpStatus: 400 });
  });

  it.each([
    [402, '{"message":"Session denied"}', "billingRequired"],
    [503, "service unavailable", "serverError"],
    [429, '{"errors":[{"id":"rate_limited","status":"429","title":"Too Many Requests"}]}', "invalidRequest"],
    [404, "", "appIDUnrecognized"],
  ])("HTTP %i %s is %s", async (status, body, code) => {
    sim().inject({ type: "refuse-upgrade", status, body });
    const { err } = await startWith({});
    expect(err).toMatchObject({ code, httpStatus: status, phase: "websocket_connect", rawBody: body });
    if (body === "service unavailable") expect(err.serverDetail).toBe(body);
  });
});

describe("handshake", () => {
  const sim = useSimulator();

  async function started(extra: Parameters<typeof optionsFor>[1] = {}) {
    const rec = recorder();
    const session = newAvatarSession(optionsFor(sim(), { ...extra, ...rec.callbacks }));
    await session.init();
    return { rec, session };
  }

  it.each([
    [0, "unsupported sample rate: 11025", "unsupportedSampleRate"],
    // §7 rule 1 comes first: code 3 without egress wording is invalidRequest, whatever the text.
    [3, "unsupported sample rate: 11025", "invalidRequest"],
    [3, "invalid livekit_egress: provide api_token or both api_key and api_secret", "invalidEgressConfig"],
    [4001, "insufficient balance", "creditsExhausted"],
    [14, "egress down", "egressUnavailable"],
    [0, "expected ClientConfigureSession message", "protocolError"],
    [13, "internal", "serverError"],
  ])("a ServerError %i %s is %s", async (serverCode, message, code) => {
    sim().inject({ type: "reject-handshake", code: serverCode, message });
    const { rec, session } = await started();
    const err = await rejection(session.start());
    expect(err).toMatchObject({ code, phase: "websocket_handshake", serverCode: String(serverCode), serverDetail: message });
    expect(rec.errors).toEqual([err]);
    expect(rec.closes).toBe(1);
  });

  it("a confirm that never comes is connectionFailed after timeouts.handshakeMs", async () => {
    sim().inject({ type: "withhold-confirm" });
    const { rec, session } = await started({ timeouts: { handshakeMs: 200 } });
    const err = await rejection(session.start());
    expect(err).toMatchObject({ code: "connectionFailed", phase: "websocket_handshake" });
    expect(err.message).toMatch(/no confirmation within 200 ms/);
    expect(rec.closes).toBe(1);
  });

  it("a slow confirm within the limit is fine", async () => {
    sim().inject({ type: "delay-confirm", ms: 150 });
    const { session } = await started({ timeouts: { handshakeMs: 2000 } });
    await expect(session.start()).resolves.toMatch(/.+/);
    await session.close();
  });

  it("an empty connection id is a protocolError", async () => {
    sim().inject({ type: "empty-connection-id" });
    const { session } = await started();
    expect(await rejection(session.start())).toMatchObject({ code: "protocolError", phase: "websocket_handshake" });
  });

  it("a TCP drop during the handshake is connectionClosed (the connection was established), retryable", async () => {
    sim().inject({ type: "drop", after: "upgrade" });
    const { session, rec } = await started();
    const err = await rejection(session.start());
    expect(err).toMatchObject({ code: "connectionClosed", phase: "websocket_handshake", closeCode: 1006, retryable: true });
    expect(rec.closes).toBe(1);
  });

  it("an upgrade that never completes is connectionFailed after timeouts.connectMs", async () => {
    sim().inject({ type: "hang-upgrade" });
    const { session } = await started({ timeouts: { connectMs: 200 } });
    const err = await rejection(session.start());
    expect(err).toMatchObject({ code: "connectionFailed", phase: "websocket_connect" });
    expect(err.message).toMatch(/no answer within 200 ms/);
  });
});

describe("transport failures", () => {
  it("a refused TCP connection is connectionFailed and says so", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const rec = recorder();
    const session = newAvatarSession({
      appId: "a", avatarId: "b", sessionToken: "t", ingressEndpointUrl: `ws://127.0.0.1:${port}/v2/driveningress`, ...rec.callbacks,
    });
    const err = await rejection(session.start());
    expect(err).toMatchObject({ code: "connectionFailed", phase: "websocket_connect" });
    expect(err.message).toMatch(/refused/);
    expect(rec.closes).toBe(1);
  });
});

describe("runtime", () => {
  const sim = useSimulator();

  it("a runtime ServerError goes to onError and the session stays open", async () => {
    sim().inject({ type: "runtime-error", after: "audio", code: 0, message: "maximum session duration reached" });
    const { rec, session, connectionId } = await openSession(sim());
    const reqId = await session.sendAudio(tone(0.2), true);
    await rec.lastFrames();
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0]).toMatchObject({ code: "sessionDurationExceeded", phase: "websocket_runtime", serverCode: "0", connectionId, retryable: true });
    expect(session.state).toBe("open");
    expect(await session.sendAudio(tone(0.1), true)).not.toBe(reqId);
    await session.close();
    expect(rec.closes).toBe(1);
  });

  it("an abrupt close is connectionClosed with its code and reason", async () => {
    sim().inject({ type: "close", after: "confirm", code: 4000, reason: "going away" });
    const { rec, connectionId } = await openSession(sim());
    await waitFor(() => rec.closes === 1);
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0]).toMatchObject({ code: "connectionClosed", phase: "websocket_runtime", closeCode: 4000, closeReason: "going away", connectionId });
  });

  it("a TCP drop is connectionClosed (1006) and pending sends reject with it", async () => {
    sim().inject({ type: "drop", after: "audio" });
    const { rec, session } = await openSession(sim());
    const pending = session.sendAudio(tone(0.2), true).catch((e: unknown) => e);
    await waitFor(() => rec.closes === 1);
    const err = rec.errors[0];
    expect(err).toMatchObject({ code: "connectionClosed", closeCode: 1006 });
    const later = await rejection(session.sendAudio(tone(0.1)));
    expect(later).toBe(err);
    const settled = await pending;
    expect(settled === undefined || settled === err || typeof settled === "string").toBe(true);
  });

  it("garbage and text frames are protocolErrors and reading continues", async () => {
    sim().inject({ type: "garbage-frame", after: "confirm" });
    sim().inject({ type: "text-frame", after: "confirm", text: "hello" });
    const { rec, session } = await openSession(sim());
    await session.sendAudio(tone(0.2), true);
    await rec.lastFrames();
    expect(rec.errors.map((e) => [e.code, e.phase])).toEqual([
      ["protocolError", "websocket_runtime"],
      ["protocolError", "websocket_runtime"],
    ]);
    expect(rec.errors[1]!.message).toMatch(/text frame/);
    expect(rec.frames.length).toBe(5);
    await session.close();
  });

  it("an unknown message type is ignored", async () => {
    sim().inject({ type: "unknown-message", after: "confirm" });
    const { rec, session } = await openSession(sim());
    await session.sendAudio(tone(0.2), true);
    await rec.lastFrames();
    expect(rec.errors).toEqual([]);
    await session.close();
  });
});

describe("idle timeout", () => {
  const sim = useSimulator({ idleTimeoutMs: 300 });

  it("is reported once as idleTimeout, then onClose once", async () => {
    const { session, rec } = await openSession(sim());
    await waitFor(() => rec.closes === 1, 3000);
    await settle();
    expect(rec.errors.map((e) => e.code)).toEqual(["idleTimeout"]);
    expect(rec.closes).toBe(1);
    expect(session.state).toBe("closed");
    const err = await rejection(session.sendAudio(tone(0.1)));
    expect(err).toBeInstanceOf(AvatarSDKError);
    expect(err.code).toBe("idleTimeout");
  });
});
