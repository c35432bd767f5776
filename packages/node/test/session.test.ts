import { DEMO_CREDENTIALS } from "@avatarkit/simulator";
import { describe, expect, it } from "vitest";
import { AvatarSession, createSessionToken, generateLogId, newAvatarSession, SessionConfigBuilder } from "../src/index";
import { openSession, optionsFor, recorder, SPEECH, tone, useSimulator, waitFor } from "./support";

const REQ_ID = /^\d{14}_[A-Za-z0-9_-]{12}$/;

describe("connection establishing", () => {
  const sim = useSimulator();

  it("mints a token with the API key, then connects with header auth", async () => {
    const session = newAvatarSession(optionsFor(sim()));
    await session.init();
    const connectionId = await session.start();
    expect(connectionId).toMatch(/.+/);
    expect(session.connectionId).toBe(connectionId);

    const [token] = sim().tokenRequests;
    expect(token?.headers["x-api-key"]).toBe(DEMO_CREDENTIALS.apiKey);
    expect(Number.isInteger(JSON.parse(token!.body).expireAt)).toBe(true);

    const [connection] = sim().connections;
    expect(connection).toMatchObject({ id: connectionId, auth: "header", appId: DEMO_CREDENTIALS.appId, avatarId: DEMO_CREDENTIALS.avatarId, apiKeySeen: false });
    expect(connection!.headers["x-session-key"]).toBe(token!.token);
    expect(connection!.url).not.toContain("sessionKey");
    await session.close();
  });

  it("connects with query auth and no auth headers", async () => {
    const session = new AvatarSession(optionsFor(sim(), { useQueryAuth: true }));
    await session.init();
    await session.start();
    const [connection] = sim().connections;
    expect(connection).toMatchObject({ auth: "query", apiKeySeen: false });
    expect(connection!.headers["x-session-key"]).toBeUndefined();
    expect(connection!.headers["x-app-id"]).toBeUndefined();
    expect(new URL(connection!.url, "ws://x").searchParams.get("appId")).toBe(DEMO_CREDENTIALS.appId);
    await session.close();
  });

  it("starts with a pre-minted token and no API key", async () => {
    const { apiKey, consoleEndpointUrl, expireAt } = optionsFor(sim());
    const sessionToken = await createSessionToken({ apiKey: apiKey!, consoleEndpointUrl: consoleEndpointUrl!, expireAt: expireAt! });
    const { apiKey: _drop, ...noKey } = optionsFor(sim(), { sessionToken });
    const session = newAvatarSession(noKey);
    await session.init(); // a no-op with a token and no key
    await session.start();
    expect(sim().tokenRequests).toHaveLength(1);
    expect(sim().connections[0]).toMatchObject({ auth: "header", apiKeySeen: false });
    expect(JSON.stringify(session.config)).not.toContain(sessionToken);
    await session.close();
  });

  it("sends the configuration first, as the simulator decoded it", async () => {
    const session = newAvatarSession(optionsFor(sim(), { sampleRate: 24000 }));
    await session.init();
    await session.start();
    expect(sim().connections[0]!.configure).toMatchObject({ sampleRate: 24000, bitrate: 0, audioFormat: 0, transportCompression: 0, egressType: 0 });
    await session.close();
  });

  it("works from a SessionConfigBuilder", async () => {
    const s = sim();
    const options = new SessionConfigBuilder()
      .withApiKey(DEMO_CREDENTIALS.apiKey)
      .withAppId(DEMO_CREDENTIALS.appId)
      .withAvatarId(DEMO_CREDENTIALS.avatarId)
      .withConsoleEndpointUrl(s.consoleEndpointUrl)
      .withIngressEndpointUrl(s.ingressEndpointUrl)
      .withExpireAt(new Date(Date.now() + 60_000))
      .build();
    const session = new AvatarSession(options);
    await session.init();
    const connectionId = await session.start();
    expect(connectionId).toBe(s.connections[0]!.id);
    await session.close();
  });
});

describe("#sendAudio and frames", () => {
  const sim = useSimulator();

  it("delivers every frame byte for byte, with isLast on the last", async () => {
    const { session, rec } = await openSession(sim());
    const reqId = await session.sendAudio(SPEECH, true);
    expect(reqId).toMatch(REQ_ID);
    await rec.lastFrames();

    const sent = sim().connections[0]!.framesSent;
    expect(rec.frames.length).toBe(Math.ceil((SPEECH.length / 2 / 16000) * 25));
    expect(rec.frames.map((f) => Buffer.from(f.bytes).toString("hex"))).toEqual(sent.map((b) => Buffer.from(b).toString("hex")));
    expect(rec.frames.map((f) => f.isLast)).toEqual(sent.map((_, i) => i === sent.length - 1));
    expect(sim().connections[0]!.requests[0]).toMatchObject({ reqId, ended: true, bytes: SPEECH.length });
    await session.close();
  });

  it("reuses the request id until end, then mints a new one", async () => {
    const { session, rec } = await openSession(sim());
    const audio = tone(0.5);
    const a1 = await session.sendAudio(audio.subarray(0, 4000));
    const a2 = await session.sendAudio(audio.subarray(4000, 8000));
    const a3 = await session.sendAudio(audio.subarray(8000), true);
    const b = await session.sendAudio(tone(0.2), true);
    const c1 = await session.sendAudio(new Uint8Array(0), true); // an empty end chunk is a valid request
    await rec.lastFrames(3);
    expect(new Set([a1, a2, a3]).size).toBe(1);
    expect(new Set([a1, b, c1]).size).toBe(3);
    const requests = sim().connections[0]!.requests;
    expect(requests.map((r) => [r.reqId, r.chunks, r.bytes])).toEqual([
      [a1, 3, audio.length],
      [b, 1, 6400],
      [c1, 1, 0],
    ]);
    await session.close();
  });

  it("accepts ArrayBuffer and any ArrayBufferView", async () => {
    const { session, rec } = await openSession(sim());
    const samples = new Int16Array(tone(0.1).buffer);
    await session.sendAudio(samples.buffer.slice(0, 400));
    await session.sendAudio(new DataView(samples.buffer, 400, 400));
    await session.sendAudio(samples.subarray(400), true);
    await rec.lastFrames();
    expect(Buffer.from(sim().connections[0]!.requests[0]!.audio).equals(Buffer.from(samples.buffer))).toBe(true);
    await session.close();
  });

  it("splits a large chunk into several messages of one request", async () => {
    const { session, rec } = await openSession(sim());
    const big = tone(20); // 640 000 bytes
    const reqId = await session.sendAudio(big, true);
    await rec.lastFrames();
    const request = sim().connections[0]!.requests[0]!;
    expect(request).toMatchObject({ reqId, bytes: big.length, ended: true });
    expect(request.chunks).toBeGreaterThan(1);
    await session.close();
  });

  it("keeps working across many requests on one session", async () => {
    const { session, rec } = await openSession(sim());
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await session.sendAudio(tone(0.2), true));
    await rec.lastFrames(5);
    expect(new Set(ids).size).toBe(5);
    expect(rec.frames.length).toBe(5 * 5);
    expect(rec.errors).toEqual([]);
    await session.close();
  });
});

describe("#interrupt", () => {
  const sim = useSimulator({ frameIntervalMs: 20 });

  it("names the most recent request, even after its end, and stops its frames", async () => {
    const { session, rec } = await openSession(sim());
    const reqId = await session.sendAudio(tone(4), true); // 100 frames at 20 ms each
    await waitFor(() => rec.frames.length >= 3);
    const over = sim().waitFor("request", (r) => r.reqId === reqId);
    await expect(session.interrupt()).resolves.toBe(reqId);
    const [request] = await over; // the simulator stopped the request's frames
    expect(sim().connections[0]!.interrupts).toEqual([reqId]);
    expect(request.interrupted).toBe(true);
    expect(request.frames.length).toBeLessThan(100);
    expect(request.frames.at(-1)).not.toBe(undefined);

    // The client got exactly what was sent before the interrupt, and no end=true frame.
    const next = await session.sendAudio(tone(0.2), true);
    expect(next).not.toBe(reqId);
    await rec.lastFrames();
    const ofInterrupted = rec.frames.slice(0, request.frames.length);
    expect(ofInterrupted.map((f) => f.bytes)).toEqual(request.frames);
    expect(ofInterrupted.some((f) => f.isLast)).toBe(false);
    expect(rec.frames).toHaveLength(request.frames.length + 5);
    await session.close();
  });

  it("starts a new request with the next chunk after interrupting one mid-stream", async () => {
    const session = newAvatarSession(optionsFor(sim()));
    await session.init();
    await session.start();
    const first = await session.sendAudio(tone(0.2));
    expect(await session.interrupt()).toBe(first);
    const second = await session.sendAudio(tone(0.2), true);
    expect(second).not.toBe(first);
    await session.close();
  });
});

describe("egress", () => {
  const sim = useSimulator();

  it("sends the LiveKit configuration and receives no frames", async () => {
    const rec = recorder();
    const livekitEgress = {
      url: "wss://livekit.example.com",
      apiToken: "lk-token",
      roomName: "room-1",
      publisherId: "avatar-pub",
      extraAttributes: { team: "blue" },
      idleTimeout: 30,
    };
    const session = newAvatarSession(optionsFor(sim(), { ...rec.callbacks, livekitEgress }));
    await session.init();
    await session.start();
    const connection = sim().connections[0]!;
    expect(connection.egress).toBe("livekit");
    expect(connection.configure).toMatchObject({ egressType: 1, livekitEgress: { ...livekitEgress, apiKey: "", apiSecret: "" } });
    const reqId = await session.sendAudio(tone(0.4), true);
    await waitFor(() => connection.requests[0]?.ended === true);
    const interrupted = sim().waitFor("interrupt");
    await expect(session.interrupt()).resolves.toBe(reqId);
    expect((await interrupted)[0]).toBe(reqId);
    expect(sim().connections[0]!.framesSent).toEqual([]);
    expect(rec.frames).toEqual([]);
    await session.close();
  });

  it("sends the Agora configuration", async () => {
    const agoraEgress = { channelName: "ch", token: "agora-token", uid: 42, publisherId: "pub" };
    const session = newAvatarSession(optionsFor(sim(), { agoraEgress }));
    await session.init();
    await session.start();
    expect(sim().connections[0]).toMatchObject({ egress: "agora", configure: { egressType: 2, agoraEgress } });
    await session.close();
  });
});

describe("generateLogId", () => {
  it("is a UTC timestamp and 12 URL-safe characters", () => {
    const before = new Date().toISOString().replace(/\D/g, "").slice(0, 12);
    const id = generateLogId();
    expect(id).toMatch(REQ_ID);
    expect(id.slice(0, 12) >= before).toBe(true);
  });
});
