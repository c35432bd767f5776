import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HttpRequest } from "@avatarkit/core/platform";
import { browserHttpClient } from "../src/platform";

describe("browserHttpClient", () => {
  let server: Server;
  let url: string;
  beforeEach(async () => {
    server = createServer((req, res) => {
      if (req.url === "/hang") return; // never answers
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const status = Number(new URL(req.url ?? "/", "http://x").searchParams.get("status") ?? 200);
        res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify({ method: req.method, key: req.headers["x-api-key"], body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const request = (path: string, signal = new AbortController().signal): HttpRequest => ({
    url: `${url}${path}`,
    method: "POST",
    headers: { "X-Api-Key": "k", "Content-Type": "application/json" },
    body: '{"expireAt":1}',
    signal,
  });

  it("sends the method, headers and body, and returns the body as text (not parsed)", async () => {
    const response = await browserHttpClient(request("/session-tokens"));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ method: "POST", key: "k", body: '{"expireAt":1}' });
  });

  it.each([400, 401, 404, 500, 503])("answers HTTP %i as a response, without retrying", async (status) => {
    const response = await browserHttpClient(request(`/x?status=${status}`));
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body).method).toBe("POST");
  });

  it("rejects as failed when no response arrives", async () => {
    const port = (server.address() as AddressInfo).port;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await expect(browserHttpClient({ ...request("/"), url: `http://127.0.0.1:${port}/` })).rejects.toMatchObject({
      kind: "failed",
      message: expect.stringMatching(/^no response/),
    });
    server = createServer().listen(0); // for afterEach
  });

  it("rejects as aborted with the signal's reason", async () => {
    const controller = new AbortController();
    const pending = browserHttpClient(request("/hang", controller.signal));
    const reason = new Error("stop");
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toMatchObject({ kind: "aborted", cause: reason });
  });
});
