/**
 * The browser example (examples/browser) clicked through in Chromium: its
 * server mints the token, the page streams the built-in sample and shows
 * what came back. Screenshots land in e2e/screenshots/ (not committed).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { startDemoServer, type DemoServer } from "@avatarkit/example-browser";
import { DEMO_CREDENTIALS, startSimulator, type Simulator } from "@avatarkit/simulator";
import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useChromium } from "./support/chromium";

const SCREENSHOTS = new URL("./screenshots/", import.meta.url);
const browser = useChromium();

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe("examples/browser", () => {
  let sim: Simulator;
  let demo: DemoServer;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeEach(async () => {
    // Paced a little, so the counter moves as a person would see it.
    sim = await startSimulator({ frameIntervalMs: 5 });
    demo = await startDemoServer({ ...DEMO_CREDENTIALS, consoleEndpointUrl: sim.consoleEndpointUrl, ingressEndpointUrl: sim.ingressEndpointUrl });
    page = await browser().newPage({ viewport: { width: 1000, height: 900 } });
    requests.length = 0;
    problems.length = 0;
    page.on("request", (request) => requests.push(`${request.url()} ${JSON.stringify(request.headers())}`));
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(demo.url);
    await page.waitForSelector("body[data-ready=true]");
  });

  afterEach(async () => {
    await page.context().close();
    await demo.close();
    await sim.close();
  });

  it("streams the built-in sample when clicked and shows the connection id, the frames and the request", async () => {
    await page.getByRole("button", { name: "Stream the built-in sample" }).click();
    await page.locator("#requests tbody tr td", { hasText: "complete" }).waitFor({ timeout: 20_000 });

    const connection = sim.connections[0]!;
    expect(await page.locator("#connection-id").textContent()).toBe(connection.id);
    expect(Number(await page.locator("#frames").textContent())).toBe(connection.framesSent.length);
    expect(connection.framesSent.length).toBeGreaterThan(300);
    expect(await page.locator("#progress-text").textContent()).toBe("100 %");
    expect(await page.locator("#state").textContent()).toBe("open");
    const row = page.locator("#requests tbody tr").first();
    expect(await row.locator("code").textContent()).toBe(connection.requests[0]!.reqId);
    expect(await row.locator("td").nth(1).textContent()).toBe(String(connection.framesSent.length));
    expect(await page.locator("#error").isHidden()).toBe(true);

    // The pre-minted flow: the token came from the page's server; the API key never reached the page.
    expect(connection).toMatchObject({ auth: "query", apiKeySeen: false });
    expect(sim.tokenRequests).toHaveLength(1);
    expect(sim.tokenRequests[0]!.headers["origin"]).toBeUndefined();
    for (const request of requests) expect(request).not.toContain(DEMO_CREDENTIALS.apiKey);
    expect(await page.content()).not.toContain(DEMO_CREDENTIALS.apiKey);
    expect(problems).toEqual([]); // no CSP violation or exception under the page's strict policy

    mkdirSync(SCREENSHOTS, { recursive: true });
    const file = new URL("example-page.png", SCREENSHOTS);
    await page.screenshot({ path: file.pathname, fullPage: true });
    const png = readFileSync(file);
    expect(png.length).toBeGreaterThan(20_000);
    expect(pngSize(png).width).toBe(1000);
    expect(await page.getByRole("heading", { name: "Avatar SDK · browser demo" }).isVisible()).toBe(true);
  });

  it("shows an error with its code and details", async () => {
    sim.inject({ type: "refuse-upgrade", status: 400, body: '{"message":"Invalid session token"}' });
    await page.getByRole("button", { name: "Stream the built-in sample" }).click();
    await page.locator("#error").waitFor({ state: "visible" });
    expect(await page.locator("#error-code").textContent()).toBe("connectionFailed");
    expect(await page.locator("#error-message").textContent()).toMatch(/code 1006/);
    const details = await page.locator("#error-detail").innerText();
    expect(details).toMatch(/phase\s+websocket_connect/);
    expect(details).toMatch(/closeCode\s+1006/);
    expect(await page.locator("#state").textContent()).toBe("closed");
    await page.screenshot({ path: new URL("example-page-error.png", SCREENSHOTS).pathname, fullPage: true });
  });
});
