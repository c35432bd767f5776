import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "./server";
import { TestClient, demoToken, rawUpgrade, sessionUrl } from "./test-support";

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({
    apps: [
      { appId: "demo-app", apiKey: "demo-api-key" },
      { appId: "other-app", apiKey: "other-api-key" },
    ],
  });
});
afterEach(() => sim.close());

const path = (query: Record<string, string>): string => `/v2/driveningress/websocket?${new URLSearchParams(query)}`;

describe("upgrade refusals", () => {
  it.each<[string, () => { query: Record<string, string>; headers?: Record<string, string> }, number, string]>([
    ["no token at all", () => ({ query: { id: "demo-avatar" } }), 400, "Invalid session token"],
    ["an unknown token", () => ({ query: { id: "demo-avatar", appId: "demo-app", sessionKey: "forged" } }), 400, "Invalid session token"],
    [
      "an expired token",
      () => ({ query: { id: "demo-avatar", appId: "demo-app", sessionKey: sim.mintToken("demo-app", new Date(Date.now() - 1000)) } }),
      401,
      "Token is expired",
    ],
    [
      "a token minted for another app",
      () => ({ query: { id: "demo-avatar", appId: "demo-app", sessionKey: demoToken(sim, "other-app") } }),
      400,
      "App ID mismatch",
    ],
    ["an unknown app id", () => ({ query: { id: "demo-avatar", appId: "ghost-app", sessionKey: demoToken(sim) } }), 404, "app id unrecognized"],
    ["an unknown avatar", () => ({ query: { id: "ghost", appId: "demo-app", sessionKey: demoToken(sim) } }), 404, "Avatar not found"],
    ["no avatar id", () => ({ query: { appId: "demo-app", sessionKey: demoToken(sim) } }), 404, "Avatar not found"],
    [
      "a header-auth token for another app",
      () => ({ query: { id: "demo-avatar" }, headers: { "X-App-ID": "other-app", "X-Session-Key": demoToken(sim) } }),
      400,
      "App ID mismatch",
    ],
  ])("refuses %s with a plain HTTP answer", async (_name, make, status, message) => {
    const { query, headers } = make();
    const res = await rawUpgrade(sim.port, path(query), headers);
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.body).toBe(`${JSON.stringify({ message })}\n`); // a JSON body and a newline, as the service sends
    expect(sim.connections).toHaveLength(1);
    expect(sim.connections[0]?.upgradeStatus).toBe(status);
    expect(sim.connections[0]?.closed).toBeUndefined();
  });

  it("answers 404 to another path without recording a connection", async () => {
    const res = await rawUpgrade(sim.port, "/v2/other/websocket?id=demo-avatar");
    expect(res.status).toBe(404);
    expect(sim.connections).toHaveLength(0);
  });

  it("records the 400 that answers a malformed handshake", async () => {
    const token = demoToken(sim);
    const res = await rawUpgrade(sim.port, path({ id: "demo-avatar", appId: "demo-app", sessionKey: token }), { "Sec-WebSocket-Version": "99" });
    expect(res.status).toBe(400);
    await expect.poll(() => sim.connections[0]?.upgradeStatus).toBe(400);
  });

  it("lets the ws client see the refusal status", async () => {
    const url = `${sim.ingressEndpointUrl}/websocket?id=demo-avatar&appId=demo-app&sessionKey=forged`;
    await expect(TestClient.open(url)).rejects.toThrow(/400/);
  });

  it("emits a connection event for a refused upgrade", async () => {
    const seen = new Promise((resolve) => sim.events.once("connection", resolve));
    await rawUpgrade(sim.port, path({ id: "demo-avatar" }));
    await expect(seen).resolves.toMatchObject({ upgradeStatus: 400, auth: "none" });
  });
});

describe("authentication modes", () => {
  it("accepts header auth and records it", async () => {
    const token = demoToken(sim);
    const client = await TestClient.open(`${sim.ingressEndpointUrl}/websocket?id=demo-avatar`, {
      "X-App-ID": "demo-app",
      "X-Session-Key": token,
    });
    const record = sim.connections[0]!;
    expect(record).toMatchObject({ auth: "header", appId: "demo-app", avatarId: "demo-avatar", upgradeStatus: 101, apiKeySeen: false });
    expect(record.headers["x-session-key"]).toBe(token);
    expect(record.url).toBe("/v2/driveningress/websocket?id=demo-avatar");
    client.ws.close();
  });

  it("accepts query auth and records it", async () => {
    const client = await TestClient.open(sessionUrl(sim));
    expect(sim.connections[0]).toMatchObject({ auth: "query", appId: "demo-app", avatarId: "demo-avatar", upgradeStatus: 101 });
    expect(sim.connections[0]?.headers["x-session-key"]).toBeUndefined();
    client.ws.close();
  });

  it("keeps other query parameters of the URL", async () => {
    const client = await TestClient.open(`${sessionUrl(sim)}&region=us-west`);
    expect(sim.connections[0]?.url).toContain("region=us-west");
    client.ws.close();
  });

  it.each([
    ["in the query", (url: string) => ({ url: `${url}&key=demo-api-key`, headers: {} })],
    ["URL-encoded in the query", (url: string) => ({ url: `${url}&k=${encodeURIComponent("demo-api-key")}`, headers: {} })],
    ["in a header", (url: string) => ({ url, headers: { "X-Api-Key": "demo-api-key" } })],
    ["inside another header value", (url: string) => ({ url, headers: { Authorization: "Bearer other-api-key" } })],
  ])("notices an API key leaked %s", async (_name, make) => {
    const { url, headers } = make(sessionUrl(sim));
    const client = await TestClient.open(url, headers);
    expect(sim.connections[0]?.apiKeySeen).toBe(true);
    client.ws.close();
  });

  it("records the connections in arrival order", async () => {
    await rawUpgrade(sim.port, path({ id: "a" }));
    const client = await TestClient.open(sessionUrl(sim));
    expect(sim.connections.map((c) => c.upgradeStatus)).toEqual([400, 101]);
    client.ws.close();
  });
});
