import { DEMO_CREDENTIALS } from "@avatarkit/simulator";
import { describe, expect, it } from "vitest";
import {
  AvatarSDKError,
  AvatarSession,
  ConfigurationError,
  createSessionToken,
  generateLogId,
  newAvatarSession,
} from "../src/index";
import { browserPlatform } from "../src/platform";
import { recorder, rejection, tokenOptions, tone, useSimulator, waitFor } from "./support";

// The browser entry run in Node: `isomorphic-ws` resolves to `ws`, driven
// through the same WHATWG interface as a browser's WebSocket. The e2e tests
// run the built bundle in Chromium.

describe("browser platform", () => {
  it("defaults to query auth and cannot send headers", () => {
    expect(browserPlatform.defaultQueryAuth).toBe(true);
    expect(browserPlatform.webSocket.supportsHeaders).toBe(false);
    expect(typeof browserPlatform.loadOpusEncoder).toBe("function");
  });

  it("generateLogId is a UTC timestamp and 12 URL-safe characters", () => {
    expect(generateLogId()).toMatch(/^\d{14}_[A-Za-z0-9_-]{12}$/);
    expect(generateLogId()).not.toBe(generateLogId());
  });
});

describe("header auth", () => {
  const sim = useSimulator();

  it("is refused at construction with a ConfigurationError that says what to do", () => {
    let error: unknown;
    try {
      new AvatarSession(tokenOptions(sim(), { useQueryAuth: false }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toBeInstanceOf(AvatarSDKError);
    expect(error).toMatchObject({ name: "ConfigurationError", code: "invalidRequest", field: "useQueryAuth" });
    expect((error as Error).message).toBe(
      "Header auth is not possible here: this runtime's WebSocket cannot send headers. Set useQueryAuth: true (the default in browsers).",
    );
    expect(sim().connections).toHaveLength(0);
  });
});

describe("connection establishing", () => {
  const sim = useSimulator();

  it("starts with a pre-minted token and query auth; no API key anywhere", async () => {
    const rec = recorder();
    const session = newAvatarSession(tokenOptions(sim(), rec.callbacks));
    expect(session.config.useQueryAuth).toBe(true);
    await session.init(); // a no-op with a token and no key
    const connectionId = await session.start();
    const [connection] = sim().connections;
    expect(connection).toMatchObject({ id: connectionId, auth: "query", apiKeySeen: false, appId: DEMO_CREDENTIALS.appId });
    expect(connection!.headers["x-session-key"]).toBeUndefined();
    expect(sim().tokenRequests).toHaveLength(0);
    await session.close();
    expect(rec.closes).toBe(1);
    expect(rec.errors).toEqual([]);
  });

  it("init() with an API key still works (through ofetch), then query auth", async () => {
    const s = sim();
    const session = newAvatarSession({
      ...tokenOptions(s),
      sessionToken: undefined,
      apiKey: DEMO_CREDENTIALS.apiKey,
      consoleEndpointUrl: s.consoleEndpointUrl,
      expireAt: new Date(Date.now() + 60_000),
    });
    await session.init();
    await session.start();
    expect(s.tokenRequests).toHaveLength(1);
    expect(s.connections[0]).toMatchObject({ auth: "query", apiKeySeen: false });
    expect(new URL(s.connections[0]!.url, "ws://x").searchParams.get("sessionKey")).toBe(s.tokenRequests[0]!.token);
    await session.close();
  });

  it("createSessionToken mints a token (the page would expose its API key: docs warn)", async () => {
    const s = sim();
    const token = await createSessionToken({ apiKey: DEMO_CREDENTIALS.apiKey, consoleEndpointUrl: s.consoleEndpointUrl, expireAt: new Date(Date.now() + 60_000) });
    expect(token).toBe(s.tokenRequests[0]!.token);
  });

  it("a token request to an unreachable console is connectionFailed", async () => {
    const err = await rejection(
      createSessionToken({ apiKey: "k", consoleEndpointUrl: "http://127.0.0.1:1/v1/console", expireAt: new Date(Date.now() + 60_000) }),
    );
    expect(err).toMatchObject({ code: "connectionFailed", phase: "session_token" });
    expect(err.message).toMatch(/no response/);
  });

  it("a refused upgrade is connectionFailed with close code 1006, as a browser sees it", async () => {
    sim().inject({ type: "refuse-upgrade", status: 404, body: '{"message":"Avatar not found"}' });
    const rec = recorder();
    const session = newAvatarSession(tokenOptions(sim(), rec.callbacks));
    const err = await rejection(session.start());
    expect(err).toMatchObject({ code: "connectionFailed", phase: "websocket_connect", closeCode: 1006 });
    expect(err.httpStatus).toBeUndefined();
    expect(err.message).toMatch(/^Failed to open the WebSocket: .*code 1006.*browsers do not expose why/);
    expect(err.message).not.toContain(session.config.sessionToken!);
    expect(rec.errors).toEqual([err]);
    expect(rec.closes).toBe(1);
  });
});

describe("#sendAudio and frames", () => {
  const sim = useSimulator();

  it("delivers every frame byte for byte, with isLast on the last", async () => {
    const rec = recorder();
    const session = newAvatarSession(tokenOptions(sim(), rec.callbacks));
    await session.start();
    const reqId = await session.sendAudio(tone(0.4), true);
    await waitFor(() => rec.frames.some((f) => f.isLast));
    const sent = sim().connections[0]!.framesSent;
    expect(rec.frames.map((f) => Buffer.from(f.bytes).toString("hex"))).toEqual(sent.map((b) => Buffer.from(b).toString("hex")));
    expect(rec.frames.map((f) => f.isLast)).toEqual(sent.map((_, i) => i === sent.length - 1));
    expect(sim().connections[0]!.requests[0]).toMatchObject({ reqId, ended: true });
    await session.close();
  });

  it("reports a server close with its code and reason, and onClose once", async () => {
    sim().inject({ type: "close", after: "confirm", code: 4000, reason: "going away" });
    const rec = recorder();
    const session = newAvatarSession(tokenOptions(sim(), rec.callbacks));
    const connectionId = await session.start();
    await waitFor(() => rec.closes === 1);
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0]).toMatchObject({ code: "connectionClosed", closeCode: 4000, closeReason: "going away", connectionId });
  });
});
