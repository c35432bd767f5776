import { connect as netConnect } from "node:net";
import { fromBinary } from "@bufbuild/protobuf";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLOSE_CODE_FAULTS, type CloseCodeFaultType, type FaultTrigger } from "./faults";
import { CloseCode, MessageSchema, MessageType, type Message } from "./gen/message/message_pb";
import { DEMO_CREDENTIALS } from "./options";
import { startSimulator, type Simulator } from "./server";
import { TestClient, configure, openSession, pcm, rawUpgrade, sessionUrl } from "./test-support";

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(() => sim.close());

const serverError = (m: Message) => (m.data.case === "serverError" ? m.data.value : undefined);

function requestToken(signal?: AbortSignal): Promise<Response> {
  return fetch(`${sim.consoleEndpointUrl}/session-tokens`, {
    method: "POST",
    headers: { "X-Api-Key": DEMO_CREDENTIALS.apiKey, "Content-Type": "application/json" },
    body: JSON.stringify({ expireAt: Math.floor(Date.now() / 1000) + 600 }),
    signal,
  });
}

/** Opens a session whose faults fire at `after`, and brings it to that point. */
async function reach(after: FaultTrigger): Promise<TestClient> {
  const client = await TestClient.open(sessionUrl(sim));
  client.send(configure());
  expect((await client.nextMessage()).type).toBe(MessageType.MESSAGE_SERVER_CONFIRM_SESSION);
  if (after === "audio") client.sendAudio("req", pcm(0.04));
  if (after === "end") client.sendAudio("req", pcm(0.04), true);
  return client;
}

describe("token faults", () => {
  it("token-response: the console answers with the given status, body and content type", async () => {
    sim.inject({ type: "token-response", status: 402, body: "session denied", contentType: "text/plain" });
    const res = await requestToken();
    expect(res.status).toBe(402);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(await res.text()).toBe("session denied");
    expect(sim.tokenRequests[0]?.status).toBe(402);
    expect((await requestToken()).status).toBe(200);
  });

  it("token-response: JSON by default", async () => {
    sim.inject({ type: "token-response", status: 200, body: "{}" });
    const res = await requestToken();
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({});
  });

  it("token-hang: the console never answers", async () => {
    sim.inject({ type: "token-hang" });
    await expect(requestToken(AbortSignal.timeout(200))).rejects.toThrow();
    expect(sim.tokenRequests[0]?.status).toBe(0);
  });

  it("applies to the next `times` requests only", async () => {
    sim.inject({ type: "token-response", status: 500, body: "" }, { times: 2 });
    expect((await requestToken()).status).toBe(500);
    expect((await requestToken()).status).toBe(500);
    expect((await requestToken()).status).toBe(200);
  });

  it("clearFaults forgets faults not yet taken", async () => {
    sim.inject({ type: "token-response", status: 500, body: "" });
    sim.clearFaults();
    expect((await requestToken()).status).toBe(200);
  });
});

describe("upgrade faults", () => {
  it("refuse-upgrade: a raw HTTP answer, whatever the credentials", async () => {
    sim.inject({ type: "refuse-upgrade", status: 402, body: "session denied", contentType: "text/plain" });
    const res = await rawUpgrade(sim.port, new URL(sessionUrl(sim)).pathname + new URL(sessionUrl(sim)).search);
    expect(res).toMatchObject({ status: 402, body: "session denied" });
    expect(res.headers["content-type"]).toBe("text/plain");
    expect(sim.connections[0]?.upgradeStatus).toBe(402);
  });

  it("hang-upgrade: the upgrade is never answered", async () => {
    sim.inject({ type: "hang-upgrade" });
    await expect(rawUpgrade(sim.port, "/v2/driveningress/websocket?id=demo-avatar", {}, 200)).rejects.toThrow(/no answer/);
    expect(sim.connections[0]?.upgradeStatus).toBe(0);
  });

  it("the simulator still closes with a hanging upgrade", async () => {
    sim.inject({ type: "hang-upgrade" });
    const socket = netConnect(sim.port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write("GET /v2/driveningress/websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    await expect.poll(() => sim.connections.length).toBe(1);
    await sim.close();
  });

  it("drop after upgrade: the socket is destroyed right after the 101", async () => {
    sim.inject({ type: "drop", after: "upgrade" });
    const client = await TestClient.open(sessionUrl(sim));
    expect((await client.closed).code).toBe(1006);
    expect(sim.connections[0]).toMatchObject({ upgradeStatus: 101, closed: { code: 1006, by: "drop" } });
  });

  it("upgrade faults are taken by upgrade attempts, session faults by accepted upgrades", async () => {
    sim.inject({ type: "refuse-upgrade", status: 503, body: "{}" });
    sim.inject({ type: "empty-connection-id" });
    expect((await rawUpgrade(sim.port, "/v2/driveningress/websocket")).status).toBe(503);
    const { connectionId } = await openSession(sim);
    expect(connectionId).toBe("");
  });
});

describe("handshake faults", () => {
  it("reject-handshake: a ServerError instead of the confirm, then close 1008", async () => {
    sim.inject({ type: "reject-handshake", code: 4001, message: "credits exhausted" });
    const client = await TestClient.open(sessionUrl(sim));
    client.send(configure());
    expect(serverError(await client.nextMessage())).toMatchObject({ code: 4001, message: "credits exhausted" });
    expect((await client.closed).code).toBe(1008);
  });

  it("withhold-confirm: no confirm ever comes", async () => {
    sim.inject({ type: "withhold-confirm" });
    const client = await TestClient.open(sessionUrl(sim));
    client.send(configure());
    expect(await client.quietFor(200)).toBe(true);
    expect(sim.connections[0]?.id).toBe("");
    client.ws.close();
  });

  it("delay-confirm: the confirm comes late", async () => {
    sim.inject({ type: "delay-confirm", ms: 150 });
    const client = await TestClient.open(sessionUrl(sim));
    const sent = Date.now();
    client.send(configure());
    expect((await client.nextMessage()).type).toBe(MessageType.MESSAGE_SERVER_CONFIRM_SESSION);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(140);
    client.ws.close();
  });

  it("empty-connection-id: the confirm carries an empty id", async () => {
    sim.inject({ type: "empty-connection-id" });
    const { client, connectionId } = await openSession(sim);
    expect(connectionId).toBe("");
    expect(sim.connections[0]?.id).toBe("");
    client.ws.close();
  });

  it("faults combine on one connection", async () => {
    sim.inject({ type: "delay-confirm", ms: 50 });
    sim.inject({ type: "empty-connection-id" });
    const { connectionId } = await openSession(sim);
    expect(connectionId).toBe("");
  });
});

describe.each<FaultTrigger>(["confirm", "audio", "end"])("session faults after %s", (after) => {
  it("runtime-error: a ServerError, the session stays open", async () => {
    sim.inject({ type: "runtime-error", after, code: 4002, message: "session time limit reached" });
    const client = await reach(after);
    const error = serverError(await client.nextMessage());
    expect(error).toMatchObject({ code: 4002, message: "session time limit reached", reqId: after === "confirm" ? "" : "req" });
    expect(error?.connectionId).toBe(sim.connections[0]?.id);
    expect(sim.connections[0]?.closed).toBeUndefined();
    client.ws.close();
  });

  it("runtime-error with close: a ServerError, then the close", async () => {
    sim.inject({ type: "runtime-error", after, code: 14, message: "upstream unavailable", close: { code: 1011, reason: "upstream" } });
    const client = await reach(after);
    expect(serverError(await client.nextMessage())?.code).toBe(14);
    expect(await client.closed).toEqual({ code: 1011, reason: "upstream" });
  });

  it("close: a close frame with the code and reason", async () => {
    sim.inject({ type: "close", after, code: 4003, reason: "maximum session duration" });
    const client = await reach(after);
    expect(await client.closed).toEqual({ code: 4003, reason: "maximum session duration" });
    expect(sim.connections[0]?.closed).toEqual({ code: 4003, reason: "maximum session duration", by: "server" });
    expect(client.pending).toBe(0);
  });

  it("drop: no close frame", async () => {
    sim.inject({ type: "drop", after });
    const client = await reach(after);
    expect((await client.closed).code).toBe(1006);
    expect(sim.connections[0]?.closed?.by).toBe("drop");
  });

  it("garbage-frame: an undecodable binary frame, then business as usual", async () => {
    sim.inject({ type: "garbage-frame", after });
    const client = await reach(after);
    const frame = await client.next();
    expect(frame.binary).toBe(true);
    expect(() => fromBinary(MessageSchema, frame.data)).toThrow();
    if (after !== "end") client.sendAudio("req", new Uint8Array(0), true);
    expect(await client.framesUntilEnd()).toHaveLength(1);
  });

  it("text-frame: a text frame, then business as usual", async () => {
    sim.inject({ type: "text-frame", after, text: "oops" });
    const client = await reach(after);
    expect(await client.next()).toMatchObject({ binary: false });
    if (after !== "end") client.sendAudio("req", new Uint8Array(0), true);
    expect(await client.framesUntilEnd()).toHaveLength(1);
  });

  it("unknown-message: a Message of type 99, then business as usual", async () => {
    sim.inject({ type: "unknown-message", after });
    const client = await reach(after);
    const message = await client.nextMessage();
    expect(message.type).toBe(99);
    expect(message.data.case).toBeUndefined();
    if (after !== "end") client.sendAudio("req", new Uint8Array(0), true);
    expect(await client.framesUntilEnd()).toHaveLength(1);
  });
});

describe("stop-reading", () => {
  it("stops reading, so the client's send buffer fills", async () => {
    sim.inject({ type: "stop-reading", after: "confirm" });
    const client = await reach("confirm");
    const chunk = new Uint8Array(256 * 1024);
    for (let i = 0; i < 128; i++) client.sendAudio("req", chunk);
    await new Promise((r) => setTimeout(r, 200));
    expect(client.ws.bufferedAmount).toBeGreaterThan(0);
    expect(sim.connections[0]!.received.length).toBeLessThan(129);
    client.ws.terminate();
  });
});

describe("inject", () => {
  it.each([
    [{ type: "close", after: "confirm", code: 1006, reason: "" }, /1006/],
    [{ type: "close", after: "confirm", code: 1000, reason: "x".repeat(124) }, /123 bytes/],
    [{ type: "token-response", status: 99, body: "" }, /status/],
    [{ type: "delay-confirm", ms: -1 }, /ms/],
  ] as const)("refuses a fault that cannot be committed: %o", (fault, why) => {
    expect(() => sim.inject(fault)).toThrow(why);
  });

  it("refuses an unknown fault type or trigger", () => {
    expect(() => sim.inject({ type: "explode" } as never)).toThrow(/unknown fault type/);
    expect(() => sim.inject({ type: "close", after: "upgrade", code: 1000, reason: "" } as never)).toThrow(/unknown trigger/);
  });

  it("refuses a times that is not a positive integer", () => {
    expect(() => sim.inject({ type: "token-hang" }, { times: 0 })).toThrow(/times/);
  });
});

const CLOSE_CODES = Object.entries(CLOSE_CODE_FAULTS) as Array<[CloseCodeFaultType, CloseCode]>;

describe.each(CLOSE_CODES)("%s (close code %i)", (type, code) => {
  it("at the handshake: a ServerError with the code instead of the confirm, then a close with the same code", async () => {
    sim.inject({ type, after: "handshake" });
    const client = await TestClient.open(sessionUrl(sim));
    client.send(configure());
    const error = serverError(await client.nextMessage());
    expect(error?.code).toBe(code);
    const closed = await client.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toBe(error?.message);
    expect(sim.connections[0]).toMatchObject({ id: "", closed: { code, by: "server" } });
  });

  it.each<FaultTrigger>(["confirm", "audio", "end"])("after %s: a ServerError with the code (and the request id), then the close", async (after) => {
    sim.inject({ type, after, message: "custom words" });
    const client = await reach(after);
    expect(serverError(await client.nextMessage())).toMatchObject({ code, message: "custom words", reqId: after === "confirm" ? "" : "req" });
    expect(await client.closed).toEqual({ code, reason: "custom words" });
  });

  it("bare: a close with the code and no ServerError", async () => {
    sim.inject({ type, after: "audio", bare: true });
    const client = await reach("audio");
    expect((await client.closed).code).toBe(code);
    expect(client.pending).toBe(0);
    expect(sim.connections[0]!.errorsSent).toEqual([]);
  });
});

describe("close-code wording", () => {
  it("uses the generated CloseCode values and words each failure so that PROTOCOL.md §7 text rules agree", async () => {
    expect(CLOSE_CODE_FAULTS).toEqual({
      "credits-exhausted": CloseCode.CREDITS_EXHAUSTED,
      "session-timeout": CloseCode.SESSION_TIMEOUT,
      "concurrency-limit": CloseCode.CONCURRENCY_LIMIT,
      "auth-failed": CloseCode.AUTH_FAILED,
      "upstream-unavailable": CloseCode.UPSTREAM_UNAVAILABLE,
    });
    sim.inject({ type: "credits-exhausted", after: "handshake" });
    const client = await TestClient.open(sessionUrl(sim));
    client.send(configure());
    expect(serverError(await client.nextMessage())).toMatchObject({ code: 4001, message: "credits exhausted" });
  });

  it("refuses a close-code fault at an unknown point", () => {
    expect(() => sim.inject({ type: "auth-failed", after: "upgrade" } as never)).toThrow(/unknown trigger/);
  });
});

describe("maxConcurrentSessionsPerApp", () => {
  it("refuses the handshake over the limit with ServerError 4003 and close 4003, and frees a slot on close", async () => {
    await sim.close();
    sim = await startSimulator({ maxConcurrentSessionsPerApp: 2 });
    const a = await openSession(sim);
    await openSession(sim);
    const third = await TestClient.open(sessionUrl(sim));
    third.send(configure());
    expect(serverError(await third.nextMessage())).toMatchObject({ code: 4003, message: "concurrency limit reached: too many concurrent sessions for this app" });
    expect((await third.closed).code).toBe(4003);
    const closed = sim.waitFor("close");
    a.client.ws.close();
    await closed;
    const { connectionId } = await openSession(sim);
    expect(connectionId).toMatch(/^conn_/);
  });
});
