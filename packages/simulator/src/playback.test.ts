import { fromBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { EgressType, MessageSchema, ServerPlaybackState_State, type Message, type ServerPlaybackState } from "./gen/message/message_pb";
import { startSimulator, type Simulator, type SimulatorOptions } from "./index";
import { interrupt, LIVEKIT, openSession, pause, pcm, resume, tone, type TestClient } from "./test-support";

let sim: Simulator;
afterEach(() => sim.close());
const start = async (options?: SimulatorOptions): Promise<Simulator> => (sim = await startSimulator(options));

/** A playback state as `[reqId, state name, played_ms, reason]`. */
const st = (s: ServerPlaybackState): [string, string, number, string] => [s.reqId, ServerPlaybackState_State[s.state], Number(s.playedMs), s.reason];
const next = async (client: TestClient) => st(await client.nextState());
const animation = (bytes: Uint8Array) => {
  const m = fromBinary(MessageSchema, bytes);
  if (m.data.case !== "serverResponseAnimation") throw new Error(`type ${m.type} is not an animation frame`);
  return m.data.value;
};
const serverError = (m: Message) => (m.data.case === "serverError" ? m.data.value : undefined);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const AGORA = { egressType: EgressType.AGORA, agoraEgress: { channelName: "chan", token: "agora-token" } } as const;

/** Opens a session and streams 200 ms of `r` (4 frames go out), waiting for the fourth. */
async function streaming(init = {}): Promise<TestClient> {
  const { client } = await openSession(sim, init);
  const fourth = sim.waitFor("frame", (f) => f.index === 3);
  client.sendAudio("r", tone(0.2));
  await fourth;
  return client;
}

describe("capabilities", () => {
  it("the confirm lists playback_control and playback_state", async () => {
    await start();
    const { capabilities } = await openSession(sim);
    expect(capabilities).toEqual(["playback_control", "playback_state"]);
    expect(sim.connections[0]!.capabilities).toEqual(capabilities);
  });

  it("without playback_state no state is sent; without playback_control pause is ignored", async () => {
    await start({ capabilities: [] });
    const client = await streaming();
    client.send(pause("r"));
    client.sendAudio("r", tone(0.8), true);
    expect(await client.framesUntilEnd()).toHaveLength(25);
    expect(client.states).toEqual([]);
    expect(sim.connections[0]!.pauses).toEqual(["r"]);
  });
});

describe("over the WebSocket", () => {
  it("sends PLAYING as a request's output starts and ENDED as it finishes, around its frames", async () => {
    await start();
    const { client } = await openSession(sim);
    client.sendAudio("r", pcm(0.2), true);
    expect(await client.framesUntilEnd()).toHaveLength(5);
    expect([await next(client), await next(client)]).toEqual([
      ["r", "PLAYING", 0, ""],
      ["r", "ENDED", 200, ""],
    ]);
    const record = sim.connections[0]!;
    expect(record.statesSent.map((s) => [s.name, s.afterFrames, s.answers])).toEqual([
      ["PLAYING", 0, undefined],
      ["ENDED", 5, undefined],
    ]);
    expect(record.requests[0]).toMatchObject({ state: "ENDED", playedMs: 200 });
  });

  it("rule: an accepted pause answers PAUSED with the position; frames queue, audio is still ingested, resume continues", async () => {
    await start();
    const client = await streaming();
    expect(await next(client)).toEqual(["r", "PLAYING", 0, ""]);
    const answered = sim.waitFor("state", (s) => s.answers === "pause");
    client.send(pause("r"));
    expect((await answered)[0]).toMatchObject({ reqId: "r", name: "PAUSED", playedMs: 160, answers: "pause" });
    expect(await next(client)).toEqual(["r", "PAUSED", 160, ""]);
    client.sendAudio("r", tone(0.8), true); // the client keeps sending, end included
    await sleep(80);
    const request = sim.connections[0]!.requests[0]!;
    expect(request).toMatchObject({ ended: true, bytes: 32000, framesSent: 4, playedMs: 160 });
    client.send(resume("r"));
    expect(await next(client)).toEqual(["r", "PLAYING", 160, ""]);
    const frames = await client.framesUntilEnd();
    expect(frames).toHaveLength(25); // nothing discarded
    expect(frames.map((f) => animation(f).end).indexOf(true)).toBe(24);
    expect(await next(client)).toEqual(["r", "ENDED", 1000, ""]);
  });

  it("rule: a pause after playback finished answers ENDED with the total length", async () => {
    await start();
    const { client } = await openSession(sim);
    const done = sim.waitFor("request");
    client.sendAudio("r", pcm(0.5), true);
    await done;
    client.send(pause("r"));
    await client.nextState(); // PLAYING
    await client.nextState(); // ENDED
    expect(await next(client)).toEqual(["r", "ENDED", 520, ""]); // 13 frames × 40 ms
    expect(sim.connections[0]!.statesSent.at(-1)?.answers).toBe("pause");
  });

  it("rule: a request id that is not the current one gets the real current state, with its own id echoed", async () => {
    await start();
    const { client } = await openSession(sim);
    client.send(pause("nothing-yet"));
    expect(await next(client)).toEqual(["nothing-yet", "ENDED", 0, ""]);
    const aDone = sim.waitFor("request");
    client.sendAudio("a", pcm(0.1), true);
    await aDone;
    const bFrames = sim.waitFor("frame", (f) => f.reqId === "b" && f.index === 2);
    client.sendAudio("b", pcm(0.15)); // b is current, still streaming: 3 frames out
    await bFrames;
    client.send(pause("a"));
    const answer = (await sim.waitFor("state", (s) => s.answers === "pause"))[0];
    expect(answer).toMatchObject({ reqId: "a", name: "PLAYING", playedMs: 120 });
    // Nothing was paused: b's frames keep coming.
    client.sendAudio("b", pcm(0.1), true);
    await sim.waitFor("request", (r) => r.reqId === "b");
    client.send(resume("a"));
    expect((await sim.waitFor("state", (s) => s.answers === "resume"))[0]).toMatchObject({ reqId: "a", name: "ENDED", playedMs: 280 });
  });

  it("rule: resume when not paused answers PLAYING (idempotent), and does not repeat PLAYING when output starts", async () => {
    await start();
    const client = await streaming();
    expect(await next(client)).toEqual(["r", "PLAYING", 0, ""]);
    client.send(resume("r"));
    client.send(resume("r"));
    expect([await next(client), await next(client)]).toEqual([
      ["r", "PLAYING", 160, ""],
      ["r", "PLAYING", 160, ""],
    ]);
    client.sendAudio("r", pcm(0.1), true);
    await client.framesUntilEnd();
    expect(await next(client)).toEqual(["r", "ENDED", 320, ""]);
    expect(sim.connections[0]!.statesSent.map((s) => s.answers ?? "-")).toEqual(["-", "resume", "resume", "-"]);
  });

  it("a resume of a request whose output is over answers its real state (ENDED), not PLAYING", async () => {
    await start();
    const { client } = await openSession(sim);
    const done = sim.waitFor("request");
    client.sendAudio("r", pcm(0.1), true);
    await done;
    client.send(resume("r"));
    expect((await sim.waitFor("state", (s) => s.answers === "resume"))[0]).toMatchObject({ name: "ENDED", playedMs: 120 });
  });

  it("an interrupt sends INTERRUPTED with reason explicit and the position, and stops the frames", async () => {
    await start();
    const client = await streaming();
    const settled = sim.waitFor("request");
    client.send(interrupt("r"));
    const [request] = await settled;
    expect(request).toMatchObject({ interrupted: true, interruptReason: "explicit", state: "INTERRUPTED", framesSent: 4 });
    expect((await client.nextState()).state).toBe(ServerPlaybackState_State.PLAYING);
    expect(await next(client)).toEqual(["r", "INTERRUPTED", 160, "explicit"]);
    client.send(pause("r"));
    expect(await next(client)).toEqual(["r", "INTERRUPTED", 160, "explicit"]);
  });

  it("a pause held longer than pauseTimeoutMs interrupts with reason pause_timeout; its audio is refused after", async () => {
    await start({ pauseTimeoutMs: 100 });
    const client = await streaming();
    client.send(pause("r"));
    const [state] = await sim.waitFor("state", (s) => s.name === "INTERRUPTED");
    expect(state).toMatchObject({ reqId: "r", reason: "pause_timeout", playedMs: 160 });
    expect(sim.connections[0]!.requests[0]).toMatchObject({ interrupted: true, interruptReason: "pause_timeout", framesSent: 4 });
    client.sendAudio("r", pcm(0.1), true);
    expect(serverError(await skipFrames(client))?.message).toBe("invalid audio: request r was interrupted");
    client.sendAudio("s", pcm(0.1), true); // the next request plays
    expect(await client.framesUntilEnd()).toHaveLength(3);
  });

  it("a request that starts while the output is paused starts paused; resuming it releases both, in order", async () => {
    await start();
    const client = await streaming();
    client.send(pause("r"));
    client.sendAudio("r", pcm(0.2), true);
    client.sendAudio("s", pcm(0.2), true);
    await sleep(60);
    expect(sim.connections[0]!.framesSent).toHaveLength(4);
    client.send(resume("s"));
    const r = await client.framesUntilEnd();
    const s = await client.framesUntilEnd();
    expect([r.length, s.length]).toEqual([10, 5]);
    const states = sim.connections[0]!.statesSent.map((x) => [x.reqId, x.name, x.playedMs]);
    expect(states).toEqual([
      ["r", "PLAYING", 0],
      ["r", "PAUSED", 160],
      ["s", "PLAYING", 0], // the answer to the resume of s
      ["r", "ENDED", 400],
      ["s", "ENDED", 200],
    ]);
  });
});

/** Reads past animation frames to the next other message. */
async function skipFrames(client: TestClient): Promise<Message> {
  for (;;) {
    const m = await client.nextMessage();
    if (m.data.case !== "serverResponseAnimation") return m;
  }
}

describe("egress mode", () => {
  it.each([
    ["LiveKit", LIVEKIT],
    ["Agora", AGORA],
  ])("%s: no keyframes; one keyframe-less end=true frame once the real-time playout drained; PLAYING and ENDED", async (_name, init) => {
    await start();
    const { client, connectionId } = await openSession(sim, init);
    const settled = sim.waitFor("request");
    const sent = performance.now();
    client.sendAudio("r", pcm(0.4), true);
    const [request] = await settled;
    expect(performance.now() - sent).toBeGreaterThanOrEqual(390); // 10 frames × 40 ms
    expect(request).toMatchObject({ ended: true, durationMs: 400, framesSent: 1, playedMs: 400, state: "ENDED" });
    const [frame] = await client.framesUntilEnd();
    const value = animation(frame!);
    expect(value).toMatchObject({ connectionId, reqId: "r", end: true, avatarId: "demo-avatar" });
    expect(value.animation).toBeUndefined();
    expect(value.$unknown).toBeUndefined();
    expect([await next(client), await next(client)]).toEqual([
      ["r", "PLAYING", 0, ""],
      ["r", "ENDED", 400, ""],
    ]);
  });

  it("egressControlFrames every-frame: one control frame per frame played, the last with end=true", async () => {
    await start({ egressControlFrames: "every-frame" });
    const { client } = await openSession(sim, LIVEKIT);
    client.sendAudio("r", pcm(0.2), true);
    const frames = await client.framesUntilEnd();
    expect(frames.map((f) => [animation(f).end, animation(f).animation])).toEqual([...Array(4).fill([false, undefined]), [true, undefined]]);
  });

  it("pause freezes the playout and played_ms; resume continues where it stopped", async () => {
    await start();
    const { client } = await openSession(sim, LIVEKIT);
    const settled = sim.waitFor("request");
    const sent = performance.now();
    client.sendAudio("r", pcm(0.4), true);
    await sleep(130);
    client.send(pause("r"));
    const [, paused] = [await client.nextState(), await client.nextState()];
    const at = Number(paused!.playedMs);
    expect(st(paused!)).toEqual(["r", "PAUSED", at, ""]);
    expect(at).toBeGreaterThanOrEqual(80);
    expect(at).toBeLessThanOrEqual(200);
    await sleep(200);
    client.send(pause("r"));
    expect(await next(client)).toEqual(["r", "PAUSED", at, ""]); // frozen
    client.send(resume("r"));
    expect(await next(client)).toEqual(["r", "PLAYING", at, ""]);
    await settled;
    expect(performance.now() - sent).toBeGreaterThanOrEqual(400 + 190);
    expect(await next(client)).toEqual(["r", "ENDED", 400, ""]);
  });

  it("a newer request preempts one still playing: INTERRUPTED with reason preempted", async () => {
    await start();
    const { client } = await openSession(sim, LIVEKIT);
    client.sendAudio("a", pcm(1), true);
    await sleep(90);
    client.sendAudio("b", pcm(0.2), true);
    const [b] = await sim.waitFor("request", (r) => r.reqId === "b");
    expect(b).toMatchObject({ state: "ENDED", playedMs: 200 });
    const states = sim.connections[0]!.statesSent.map((s) => [s.reqId, s.name, s.reason]);
    expect(states).toEqual([
      ["a", "PLAYING", ""],
      ["a", "INTERRUPTED", "preempted"],
      ["b", "PLAYING", ""],
      ["b", "ENDED", ""],
    ]);
    expect(sim.connections[0]!.requests[0]).toMatchObject({ interrupted: true, interruptReason: "preempted", framesSent: 0 });
    expect(sim.connections[0]!.framesSent.map((f) => animation(f).reqId)).toEqual(["b"]);
  });

  it("an interrupt stops the playout: INTERRUPTED explicit, no end=true frame", async () => {
    await start();
    const { client } = await openSession(sim, AGORA);
    client.sendAudio("r", pcm(0.4), true);
    await sleep(50);
    client.send(interrupt("r"));
    const [request] = await sim.waitFor("request");
    expect(request).toMatchObject({ interrupted: true, interruptReason: "explicit", framesSent: 0 });
    expect(await client.quietFor(450)).toBe(true);
    expect(client.states.map((s) => ServerPlaybackState_State[s.state])).toEqual(["PLAYING", "INTERRUPTED"]);
  });

  it.each([
    ["LiveKit", { ...LIVEKIT, livekitEgress: { ...LIVEKIT.livekitEgress, apiToken: "revoked" } }, "failed to connect to room: invalid token"],
    ["Agora", { ...AGORA, agoraEgress: { channelName: "chan", token: "revoked" } }, "failed to join channel: invalid token"],
  ])("%s credentials are checked: a refused token is a handshake ServerError 16, then a close", async (_name, init, message) => {
    await start({ refusedEgressTokens: ["revoked"] });
    await expect(openSession(sim, init)).rejects.toThrow(/expected a confirm/);
    expect(sim.connections[0]!.errorsSent.map((e) => [e.code, e.message])).toEqual([[16, message]]);
    await sim.waitFor("close").catch(() => undefined);
    expect(sim.connections[0]!.closed).toMatchObject({ code: 1008, by: "server" });
  });
});
