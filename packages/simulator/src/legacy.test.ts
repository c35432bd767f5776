import { fromBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { EXTRA_FIELD_NUMBER } from "./frames";
import { MessageSchema, type Message } from "./gen/message/message_pb";
import { startSimulator, type Simulator, type SimulatorOptions } from "./index";
import { TestClient, configure, interrupt, LIVEKIT, openSession, pause, pcm, resume, sessionUrl } from "./test-support";

let sim: Simulator;
afterEach(() => sim.close());
const start = async (options?: SimulatorOptions): Promise<Simulator> => (sim = await startSimulator({ legacy: true, ...options }));
const serverError = (m: Message) => (m.data.case === "serverError" ? m.data.value : undefined);
const animation = (bytes: Uint8Array) => {
  const m = fromBinary(MessageSchema, bytes);
  if (m.data.case !== "serverResponseAnimation") throw new Error(`type ${m.type} is not an animation frame`);
  return m.data.value;
};

describe("legacy mode: a server of the 0.1.7 era", () => {
  it("lists no capabilities", async () => {
    await start();
    const { capabilities } = await openSession(sim);
    expect(capabilities).toEqual([]);
    expect(sim.connections[0]!.capabilities).toEqual([]);
  });

  it("sends frames shaped as the old schema: no animation, no avatar id, the undeclared bytes inside", async () => {
    await start();
    const { client, connectionId } = await openSession(sim);
    client.sendAudio("r", pcm(0.3), true);
    const frames = await client.framesUntilEnd();
    expect(frames).toHaveLength(8);
    for (const frame of frames) {
      const value = animation(frame);
      expect(value).toMatchObject({ connectionId, reqId: "r", avatarId: "" });
      expect(value.animation).toBeUndefined();
      expect(value.$unknown?.map((u) => u.no)).toEqual([EXTRA_FIELD_NUMBER]);
    }
  });

  it("sends no playback state and ignores pause and resume (without an error)", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("r", pcm(0.2));
    client.send(pause("r"));
    client.sendAudio("r", pcm(0.2), true);
    client.send(resume("r"));
    expect(await client.framesUntilEnd()).toHaveLength(10);
    client.send(interrupt("r"));
    expect(await client.quietFor(100)).toBe(true);
    expect(client.states).toEqual([]);
    expect(sim.connections[0]).toMatchObject({ pauses: ["r"], resumes: ["r"], statesSent: [], errorsSent: [] });
  });

  it("egress: no frames at all over the WebSocket", async () => {
    await start();
    const { client } = await openSession(sim, LIVEKIT);
    const settled = sim.waitFor("request");
    client.sendAudio("r", pcm(0.2), true);
    const [request] = await settled;
    expect(request).toMatchObject({ ended: true, framesSent: 0 });
    expect(await client.quietFor(50)).toBe(true);
  });

  it("reports close-code failures with gRPC-style codes and text, then closes 1008 at the handshake", async () => {
    await start();
    sim.inject({ type: "credits-exhausted", after: "handshake" });
    const client = await TestClient.open(sessionUrl(sim));
    client.send(configure());
    expect(serverError(await client.nextMessage())).toMatchObject({ code: 8, message: "credits exhausted" });
    expect((await client.closed).code).toBe(1008);
  });

  it.each([
    ["session-timeout", 4, "maximum session duration reached"],
    ["auth-failed", 7, "invalid session token"],
    ["upstream-unavailable", 13, "driven server request failed"],
  ] as const)("%s in session: code %i and its text, then close 1011", async (type, code, message) => {
    await start();
    sim.inject({ type, after: "audio" });
    const { client } = await openSession(sim);
    client.sendAudio("r", pcm(0.04));
    expect(serverError(await client.nextMessage())).toMatchObject({ code, message, reqId: "r" });
    expect(await client.closed).toEqual({ code: 1011, reason: message });
  });

  it("enforces maxConcurrentSessionsPerApp with a gRPC-style refusal", async () => {
    await start({ maxConcurrentSessionsPerApp: 1 });
    await openSession(sim);
    const client = await TestClient.open(sessionUrl(sim));
    client.send(configure());
    expect(serverError(await client.nextMessage())).toMatchObject({ code: 8, message: "too many concurrent sessions for this app" });
    expect((await client.closed).code).toBe(1008);
  });

  it("cannot be combined with capabilities", async () => {
    await expect(startSimulator({ legacy: true, capabilities: ["playback_state"] })).rejects.toThrow(TypeError);
    sim = await startSimulator();
  });
});
