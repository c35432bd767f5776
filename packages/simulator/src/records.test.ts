import { afterEach, describe, expect, it } from "vitest";
import { DEMO_CREDENTIALS } from "./options";
import { pruneRecords } from "./records";
import { startSimulator, type Simulator } from "./server";
import { openSession } from "./test-support";

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
