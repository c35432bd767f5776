import { afterEach, describe, expect, it } from "vitest";
import { DEMO_CREDENTIALS } from "./options";
import { pruneRecords } from "./records";
import { startSimulator, type Simulator } from "./server";
import { openSession, pcm } from "./test-support";

describe("pruneRecords", () => {
  it("drops the oldest finished records first and never one in use", () => {
    const records = [
      { id: 1, done: true },
      { id: 2, done: false },
      { id: 3, done: true },
      { id: 4, done: true },
    ];
    pruneRecords(records, 2, (r) => r.done);
    expect(records.map((r) => r.id)).toEqual([2, 4]);
    pruneRecords(records, 0.5, (r) => r.done);
    expect(records.map((r) => r.id)).toEqual([2]);
  });
});

describe("maxRecords", () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it("keeps only the most recent connection and token records", async () => {
    sim = await startSimulator({ maxRecords: 2 });
    const live = await openSession(sim);
    for (let i = 0; i < 3; i++) {
      const { client } = await openSession(sim);
      client.ws.close();
      await client.closed;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    const ids = sim.connections.map((c) => c.id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(live.connectionId); // still open: kept

    for (let i = 0; i < 3; i++) {
      await fetch(`${sim.consoleEndpointUrl}/session-tokens`, {
        method: "POST",
        headers: { "X-Api-Key": DEMO_CREDENTIALS.apiKey, "Content-Type": "application/json" },
        body: JSON.stringify({ expireAt: Math.floor(Date.now() / 1000) + 60 }),
      });
    }
    expect(sim.tokenRequests).toHaveLength(2);
    live.client.ws.close();
  });
});

describe("events and waitFor", () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });

  it("report confirm, every client message, frames, states, errors and the request, in order", async () => {
    sim = await startSimulator();
    const seen: string[] = [];
    for (const name of ["confirm", "message", "frame", "state", "serverError", "request"] as const) sim.events.on(name, () => seen.push(name));
    const { client } = await openSession(sim);
    client.sendAudio("", new Uint8Array(2));
    await sim.waitFor("serverError");
    const done = sim.waitFor("request", (r) => r.reqId === "r");
    client.sendAudio("r", pcm(0.08), true);
    const [request, connection] = await done;
    expect(request).toBe(connection.requests[0]);
    expect(seen).toEqual(["message", "confirm", "message", "serverError", "message", "state", "frame", "frame", "state", "request"]);
  });

  it("frame events carry the request id, index, end flag and exact bytes", async () => {
    sim = await startSimulator();
    const frames: Array<[string, number, boolean]> = [];
    sim.events.on("frame", (f: import("./records").FrameSent) => {
      expect(f.bytes).toBe(f.connection.framesSent.at(-1));
      frames.push([f.reqId, f.index, f.end]);
    });
    const { client } = await openSession(sim);
    client.sendAudio("r", pcm(0.1), true);
    await client.framesUntilEnd();
    expect(frames).toEqual([
      ["r", 0, false],
      ["r", 1, false],
      ["r", 2, true],
    ]);
  });

  it("waitFor rejects after its time limit", async () => {
    sim = await startSimulator();
    await expect(sim.waitFor("frame", undefined, { timeoutMs: 30 })).rejects.toThrow(/no matching "frame" event within 30 ms/);
    expect(sim.events.listenerCount("frame")).toBe(0);
  });
});
