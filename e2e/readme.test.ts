/**
 * packages/browser/README.md's two halves of the pre-minted token flow, run
 * as written: the backend snippet in Node, the page snippet in Chromium, both
 * against the simulator.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { DEMO_CREDENTIALS, startSimulator, type Simulator } from "@avatarkit/simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useChromium } from "./support/chromium";
import { startStaticServer, type StaticServer } from "./support/static-server";

const readme = readFileSync(new URL("../packages/browser/README.md", import.meta.url), "utf8");
const speech = readFileSync(new URL("../examples/assets/speech-16k.pcm", import.meta.url));

/** The code block that follows `<!-- readme-snippet: name -->`. */
function snippet(name: string): string {
  const match = new RegExp(`<!-- readme-snippet: ${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match?.[1]) throw new Error(`packages/browser/README.md has no snippet ${name}`);
  return match[1];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const browser = useChromium();

describe("packages/browser/README.md", () => {
  let sim: Simulator;
  let pages: StaticServer;
  let backend: ChildProcess | undefined;
  // Written inside e2e/ so that `@avatarkit/node` resolves to the built package.
  const backendFile = fileURLToPath(new URL("./.readme-backend.mjs", import.meta.url));

  beforeEach(async () => {
    sim = await startSimulator();
    // The page snippet, with its bare import mapped to the built bundle.
    pages = await startStaticServer({
      "/readme.html": { type: "text/html", body: '<!doctype html><link rel="icon" href="data:,"><script type="module" src="/readme-page.js"></script>' },
      "/readme-page.js": { type: "text/javascript", body: snippet("page").replace('"@avatarkit/browser"', '"/sdk/avatarkit.browser.min.js"') },
      "/speech-16k.pcm": { type: "application/octet-stream", body: speech },
    });
  });

  afterEach(async () => {
    backend?.kill();
    rmSync(backendFile, { force: true });
    await pages.close();
    await sim.close();
  });

  it("the backend and page snippets stream a clip with a pre-minted token", async () => {
    const port = await freePort();
    writeFileSync(backendFile, snippet("backend"));
    backend = spawn(process.execPath, [backendFile], {
      env: {
        ...process.env,
        PORT: String(port),
        AVATAR_API_KEY: DEMO_CREDENTIALS.apiKey,
        AVATAR_APP_ID: DEMO_CREDENTIALS.appId,
        AVATAR_SESSION_AVATAR_ID: DEMO_CREDENTIALS.avatarId,
        AVATAR_CONSOLE_ENDPOINT: sim.consoleEndpointUrl,
        AVATAR_INGRESS_ENDPOINT: sim.ingressEndpointUrl,
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const backendUrl = `http://127.0.0.1:${port}/api/avatar-session`;
    for (let tries = 0; ; tries++) {
      const answer = await fetch(backendUrl, { method: "GET" }).catch(() => undefined);
      if (answer?.status === 404) break; // listening (GET is not the token route)
      if (tries > 100) throw new Error("the backend snippet did not start");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const page = await browser().newPage();
    const logs: string[] = [];
    page.on("console", (message) => logs.push(`${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => logs.push(`pageerror: ${error.message}`));
    // Same origin for the page; the request goes on to the backend snippet.
    await page.route("**/api/avatar-session", async (route) => route.fulfill({ response: await route.fetch({ url: backendUrl }) }));

    await page.goto(`${pages.origin}/readme.html`);
    await page.waitForEvent("console", { predicate: (m) => m.text() === "last frame", timeout: 15_000 }).catch((error: Error) => {
      throw new Error(`${error.message}\npage said: ${JSON.stringify(logs)}`);
    });
    await page.close();

    const connection = sim.connections[0]!;
    expect(logs).toEqual([`log: connection ${connection.id}`, `log: request ${connection.requests[0]!.reqId}`, "log: last frame"]);
    expect(connection).toMatchObject({ auth: "query", apiKeySeen: false });
    expect(connection.requests[0]).toMatchObject({ ended: true, bytes: speech.length });
    // The only token request came from the backend, in Node.
    expect(sim.tokenRequests).toHaveLength(1);
    expect(sim.tokenRequests[0]!.headers["origin"]).toBeUndefined();
    expect(new URL(connection.url, "ws://x").searchParams.get("sessionKey")).toBe(sim.tokenRequests[0]!.token);
  });
});
