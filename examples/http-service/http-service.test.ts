import { fromBinary } from "@bufbuild/protobuf";
import { readFileSync } from "node:fs";
import { AvatarSession } from "@avatarkit/node";
import { DEMO_CREDENTIALS, startSimulator, type Simulator } from "@avatarkit/simulator";
import { MessageSchema, MessageType } from "@avatarkit/simulator/gen";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM example without types
import { toWav } from "./audio.mjs";
// @ts-expect-error plain ESM example without types
import { createService } from "./service.mjs";

const CLIP = new Uint8Array(readFileSync(new URL("../assets/speech-16k.pcm", import.meta.url)));
const EXPECTED_FRAMES = Math.ceil((CLIP.length / 2 / 16000) * 25);
const REQ_ID = /^\d{14}_[A-Za-z0-9_-]{12}$/;

interface Service {
  url: string;
  close(): Promise<void>;
}

/** Splits a length-prefixed body into its frames. */
function splitFrames(body: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let at = 0; at < body.length; ) {
    const length = view.getUint32(at);
    frames.push(body.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return frames;
}

const targetOf = (sim: Simulator, extra: Record<string, string> = {}) => ({
  ...DEMO_CREDENTIALS,
  consoleEndpointUrl: sim.consoleEndpointUrl,
  ingressEndpointUrl: sim.ingressEndpointUrl,
  simulated: true,
  close: async () => {},
  ...extra,
});

describe("http-service example", () => {
  let sim: Simulator;
  let service: Service;

  beforeAll(async () => {
    sim = await startSimulator();
    service = await createService({ target: targetOf(sim) });
  });
  afterAll(async () => {
    await service?.close();
    await sim?.close();
  });

  const post = (path: string, body?: Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${service.url}${path}`, { method: "POST", body, headers });

  it("POST /animate returns every frame, length-prefixed and byte for byte", async () => {
    const before = sim.connections.length;
    const response = await post("/animate?sampleRate=16000", CLIP, { "Content-Type": "application/octet-stream" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    const reqId = response.headers.get("x-request-id")!;
    expect(reqId).toMatch(REQ_ID);
    expect(Number(response.headers.get("x-frame-count"))).toBe(EXPECTED_FRAMES);

    const frames = splitFrames(new Uint8Array(await response.arrayBuffer()));
    expect(frames).toHaveLength(EXPECTED_FRAMES);
    const messages = frames.map((frame) => fromBinary(MessageSchema, frame));
    for (const [i, message] of messages.entries()) {
      expect(message.type).toBe(MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION);
      expect(message.data.case).toBe("serverResponseAnimation");
      if (message.data.case !== "serverResponseAnimation") continue;
      expect(message.data.value.reqId).toBe(reqId);
      expect(message.data.value.end).toBe(i === frames.length - 1);
    }
    const connection = sim.connections[before]!;
    expect(connection.requests[0]).toMatchObject({ reqId, bytes: CLIP.length, ended: true });
    expect(frames.map((f) => Buffer.from(f).toString("hex"))).toEqual(connection.framesSent.map((f) => Buffer.from(f).toString("hex")));
  });

  it("POST /animate takes a WAV body and uses its sample rate", async () => {
    const before = sim.connections.length;
    const response = await post("/animate", toWav(CLIP, 16000), { "Content-Type": "audio/wav" });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get("x-frame-count"))).toBe(EXPECTED_FRAMES);
    expect(sim.connections[before]!.requests[0]!.bytes).toBe(CLIP.length); // the header is not sent as audio

    const at24k = await post("/animate", toWav(CLIP.subarray(0, 48000), 24000));
    expect(at24k.status).toBe(200);
    expect(sim.connections[before + 1]!.configure?.sampleRate).toBe(24000);
    expect(Number(at24k.headers.get("x-frame-count"))).toBe(25); // 1 s
  });

  it.each([
    ["a stereo WAV", toWav(CLIP.subarray(0, 6400), 16000, { channels: 2 }), /2 channels: only mono/],
    ["an 8-bit WAV", toWav(CLIP.subarray(0, 6400), 16000, { bitsPerSample: 8 }), /8-bit: only 16-bit/],
    ["a float WAV", toWav(CLIP.subarray(0, 6400), 16000, { format: 3, bitsPerSample: 32 }), /IEEE float/],
    ["a truncated WAV", toWav(CLIP.subarray(0, 6400), 16000).subarray(0, 1000), /truncated/],
    ["an empty body", new Uint8Array(0), /Empty body/],
    ["odd-length PCM", CLIP.subarray(0, 101), /not whole 16-bit samples/],
  ])("POST /animate answers 400 invalidRequest for %s", async (_name, body, message) => {
    const response = await post("/animate?sampleRate=16000", body);
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe("invalidRequest");
    expect(error.message).toMatch(message);
  });

  it("POST /animate answers 400 with the SDK's code for a sample rate the service does not take", async () => {
    const response = await post("/animate?sampleRate=12345", CLIP.subarray(0, 3200));
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error).toMatchObject({ code: "invalidRequest" });
    expect(error.message).toMatch(/12345/);
  });

  it("GET /animate/sample animates the bundled clip", async () => {
    const response = await fetch(`${service.url}/animate/sample`);
    expect(response.status).toBe(200);
    expect(Number(response.headers.get("x-frame-count"))).toBe(EXPECTED_FRAMES);
    expect(splitFrames(new Uint8Array(await response.arrayBuffer()))).toHaveLength(EXPECTED_FRAMES);
  });

  it("POST /session-token mints a token that starts a session without the API key", async () => {
    const response = await post("/session-token");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(DEMO_CREDENTIALS.apiKey);
    const grant = JSON.parse(text);
    expect(grant).toMatchObject({ appId: DEMO_CREDENTIALS.appId, avatarId: DEMO_CREDENTIALS.avatarId, ingressEndpointUrl: sim.ingressEndpointUrl });
    expect(Date.parse(grant.expireAt)).toBeGreaterThan(Date.now());

    const before = sim.connections.length;
    const frames: boolean[] = [];
    const session = new AvatarSession({
      sessionToken: grant.sessionToken,
      appId: grant.appId,
      avatarId: grant.avatarId,
      ingressEndpointUrl: grant.ingressEndpointUrl,
      transportFrames: (_frame, isLast) => frames.push(isLast),
    });
    await session.start();
    await session.sendAudio(CLIP.subarray(0, 16000), true);
    await expect.poll(() => frames.at(-1)).toBe(true);
    await session.close();
    expect(frames).toHaveLength(13); // 0.5 s
    expect(sim.connections[before]).toMatchObject({ upgradeStatus: 101, apiKeySeen: false });
  });

  it("answers 404 and 405 as JSON", async () => {
    const missing = await fetch(`${service.url}/nope`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("notFound");
    const wrongMethod = await fetch(`${service.url}/animate`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
  });
});

describe("http-service example: upstream failures", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim?.close());

  it("maps a missing avatar to 502 avatarNotFound", async () => {
    const service: Service = await createService({ target: targetOf(sim, { avatarId: "no-such-avatar" }) });
    try {
      const response = await fetch(`${service.url}/animate/sample`);
      expect(response.status).toBe(502);
      const { error } = await response.json();
      expect(error).toMatchObject({ code: "avatarNotFound", phase: "websocket_connect", upstreamStatus: 404 });
    } finally {
      await service.close();
    }
  });

  it("maps a rejected API key to 502 with the SDK's code, and never echoes the key", async () => {
    const apiKey = "not-a-real-api-key";
    const service: Service = await createService({ target: targetOf(sim, { apiKey }) });
    try {
      const response = await fetch(`${service.url}/session-token`, { method: "POST" });
      expect(response.status).toBe(502);
      const text = await response.text();
      expect(text).not.toContain(apiKey);
      // PROTOCOL.md §7 rule 6: a 401 on the token endpoint is sessionTokenExpired.
      expect(JSON.parse(text).error).toMatchObject({ code: "sessionTokenExpired", phase: "session_token", upstreamStatus: 401 });
    } finally {
      await service.close();
    }
  });

  it("maps a runtime close before the last frame to 502 connectionClosed", async () => {
    const service: Service = await createService({ target: targetOf(sim) });
    sim.inject({ type: "drop", after: "end" });
    try {
      const response = await fetch(`${service.url}/animate/sample`);
      expect(response.status).toBe(502);
      expect((await response.json()).error.code).toBe("connectionClosed");
    } finally {
      sim.clearFaults();
      await service.close();
    }
  });
});
