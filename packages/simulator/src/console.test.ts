import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO_CREDENTIALS } from "./options";
import { startSimulator, type Simulator } from "./server";

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(() => sim.close());

const tokensUrl = (): string => `${sim.consoleEndpointUrl}/session-tokens`;
const inAnHour = (): number => Math.floor(Date.now() / 1000) + 3600;

function requestToken(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(tokensUrl(), {
    method: "POST",
    headers: { "X-Api-Key": DEMO_CREDENTIALS.apiKey, "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function jsonApiError(status: number, detail: string): unknown {
  const [id, code, title] =
    status === 401
      ? ["unauthenticated", "UNAUTHENTICATED", "Unauthenticated"]
      : ["invalid_argument", "INVALID_ARGUMENT", "Invalid Argument"];
  return { errors: [{ id, status: String(status), code, title, detail }] };
}

describe("POST /v1/console/session-tokens", () => {
  it("mints an opaque token for a known API key and a future expireAt", async () => {
    const res = await requestToken({ expireAt: inAnHour() });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as { sessionToken: string };
    expect(body.sessionToken).toMatch(/^[\w-]{20,}$/);
    expect(sim.tokenRequests).toHaveLength(1);
    expect(sim.tokenRequests[0]).toMatchObject({ status: 200, appId: "demo-app", token: body.sessionToken });
  });

  it("mints a different token each time", async () => {
    const a = (await (await requestToken({ expireAt: inAnHour() })).json()) as { sessionToken: string };
    const b = (await (await requestToken({ expireAt: inAnHour() })).json()) as { sessionToken: string };
    expect(a.sessionToken).not.toBe(b.sessionToken);
  });

  it("records the headers lower-cased and the raw body", async () => {
    const body = JSON.stringify({ expireAt: inAnHour() });
    await requestToken(body, { "X-Extra": "yes" });
    expect(sim.tokenRequests[0]?.headers).toMatchObject({ "x-api-key": "demo-api-key", "x-extra": "yes" });
    expect(sim.tokenRequests[0]?.body).toBe(body);
  });

  it("emits a token event once answered", async () => {
    const seen = new Promise((resolve) => sim.events.once("token", resolve));
    await requestToken({ expireAt: inAnHour() });
    await expect(seen).resolves.toMatchObject({ status: 200 });
  });

  it("answers 401 JSON:API to an unknown API key", async () => {
    const res = await requestToken({ expireAt: inAnHour() }, { "X-Api-Key": "wrong" });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(jsonApiError(401, "invalid api key"));
    expect(sim.tokenRequests[0]).toMatchObject({ status: 401 });
    expect(sim.tokenRequests[0]?.appId).toBeUndefined();
  });

  it("answers 401 when the API key header is missing", async () => {
    const res = await fetch(tokensUrl(), { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
  });

  it("answers 400 to an expireAt in the past", async () => {
    const res = await requestToken({ expireAt: Math.floor(Date.now() / 1000) - 1 });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(jsonApiError(400, "expire_at must be in the future"));
  });

  it.each([
    ["missing", {}, "expire_at is required"],
    ["a string", { expireAt: String(inAnHour()) }, "expire_at must be an integer Unix timestamp in seconds"],
    ["fractional", { expireAt: inAnHour() + 0.5 }, "expire_at must be an integer Unix timestamp in seconds"],
    ["beyond the longest lifetime (milliseconds by mistake)", { expireAt: Date.now() + 3600_000 }, "expire_at must be at most 86400 seconds in the future"],
    ["not a JSON object", "[1]", "request body must be a JSON object"],
    ["not JSON", "expireAt=1", "request body must be a JSON object"],
  ])("answers 400 when expireAt is %s", async (_name, body, detail) => {
    const res = await requestToken(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(jsonApiError(400, detail));
  });

  it("answers 400 when the body is not declared as JSON", async () => {
    const res = await requestToken({ expireAt: inAnHour() }, { "Content-Type": "text/plain" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(jsonApiError(400, "content type must be application/json"));
  });

  it("honours maxTokenTtlSeconds", async () => {
    await sim.close();
    sim = await startSimulator({ maxTokenTtlSeconds: 60 });
    expect((await requestToken({ expireAt: Math.floor(Date.now() / 1000) + 30 })).status).toBe(200);
    expect((await requestToken({ expireAt: inAnHour() })).status).toBe(400);
  });

  it("knows every configured app", async () => {
    await sim.close();
    sim = await startSimulator({ apps: [{ appId: "app-b", apiKey: "key-b" }] });
    expect((await requestToken({ expireAt: inAnHour() }, { "X-Api-Key": "key-b" })).status).toBe(200);
    expect(sim.tokenRequests[0]?.appId).toBe("app-b");
    expect((await requestToken({ expireAt: inAnHour() })).status).toBe(401);
  });
});

describe("CORS", () => {
  it("answers a preflight with the allowed methods and headers", async () => {
    const res = await fetch(tokensUrl(), {
      method: "OPTIONS",
      headers: { Origin: "http://127.0.0.1:5173", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key,content-type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("X-Api-Key, Content-Type");
    expect(sim.tokenRequests).toHaveLength(0);
  });

  it("allows any origin on answers, errors included", async () => {
    expect((await requestToken({ expireAt: inAnHour() })).headers.get("access-control-allow-origin")).toBe("*");
    expect((await requestToken({}, { "X-Api-Key": "x" })).headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("other paths and methods", () => {
  it("answers 404 to an unknown path", async () => {
    expect((await fetch(`${sim.consoleEndpointUrl}/nope`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${sim.port}/`)).status).toBe(404);
  });

  it("answers 405 to GET on the token endpoint", async () => {
    const res = await fetch(tokensUrl());
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST, OPTIONS");
  });
});

describe("POST /v1/auth/session-token", () => {
  it("answers like the console's token endpoint", async () => {
    const origin = new URL(sim.consoleEndpointUrl).origin;
    const res = await fetch(`${origin}/v1/auth/session-token`, {
      method: "POST",
      headers: { "X-Api-Key": DEMO_CREDENTIALS.apiKey, "Content-Type": "application/json" },
      body: JSON.stringify({ expireAt: inAnHour() }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { sessionToken: string };
    expect(sim.tokenRequests[0]).toMatchObject({ status: 200, token: body.sessionToken });
  });
});

describe("sessionTokenField", () => {
  it("session_token: the reply names the token as the newest client reads it", async () => {
    await sim.close();
    sim = await startSimulator({ sessionTokenField: "session_token" });
    const body = (await (await requestToken({ expireAt: inAnHour() })).json()) as Record<string, string>;
    expect(Object.keys(body)).toEqual(["session_token"]);
    expect(body.session_token).toBe(sim.tokenRequests[0]!.token);
  });
});
