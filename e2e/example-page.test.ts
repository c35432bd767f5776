/**
 * The browser example (examples/browser) clicked through in Chromium: its
 * server mints the token, the page plays the built-in sample while it
 * streams it and draws the face the frames describe, in step with the
 * audio. Screenshots land in test-results/ (not committed).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDemoServer, type DemoServer } from "@avatarkit/example-browser";
import { DEMO_CREDENTIALS, flamesForPcmRequest, startSimulator, type Simulator } from "@avatarkit/simulator";
import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useChromium, useChromiumWith } from "./support/chromium";
import { fakeMicrophoneArgs } from "./support/media-chromium";

const SCREENSHOTS = new URL("../test-results/", import.meta.url);
const browser = useChromium();

/** The simulator's mouth opening for each frame of the sample (the page must draw frame i at i / 25 s). */
const SAMPLE_JAWS = flamesForPcmRequest(readFileSync(new URL("../examples/assets/speech-16k.pcm", import.meta.url)), 16000).map((k) => k.jawPose[0]!);

interface FaceState {
  jaw: number;
  eyeLid: number[];
  reqId?: string;
  index?: number;
  history: Array<{ index: number; jaw: number }>;
}

declare global {
  interface Window {
    __face: FaceState;
  }
}

const faceState = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__face)) as FaceState);

/** Waits until the face draws keyframe `index` or a later one. */
const faceReaches = (page: Page, index: number, timeout = 20_000) =>
  page.waitForFunction((i) => (window.__face.index ?? -1) >= i, index, { timeout, polling: 20 });

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
    expect(await page.locator("#face").getAttribute("data-jaw")).toBe("0.0000"); // closed before anything plays
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
    expect(await row.locator("td").nth(3).textContent()).toMatch(/^\d+ ms$/); // first frame
    expect(await row.locator("td").nth(4).textContent()).toMatch(/^\d+ ms$/); // last frame
    expect(await page.locator("#playback").getAttribute("data-state")).toMatch(/playing|ended/);

    // The face follows the heard audio: keyframe i at i / 25 s after the clip started playing.
    await faceReaches(page, 60);
    const face = await faceState(page);
    expect(face.reqId).toBe(connection.requests[0]!.reqId);
    expect(face.history.length).toBeGreaterThan(30);
    for (const { index, jaw } of face.history) expect({ index, jaw }).toEqual({ index, jaw: SAMPLE_JAWS[index] });
    // The mouth opens during speech (frames 0–13, 24–60) and is closed in the pause (14–23).
    const drawn = new Map(face.history.map(({ index, jaw }) => [index, jaw]));
    expect(Math.max(...[...drawn].filter(([i]) => i < 14 || i > 23).map(([, jaw]) => jaw))).toBeGreaterThan(0.2);
    const pause = [...drawn].filter(([i]) => i >= 14 && i <= 23);
    expect(pause.length).toBeGreaterThanOrEqual(3);
    for (const [, jaw] of pause) expect(jaw).toBeLessThan(0.02);
    const both = await page.evaluate(() => ({ attribute: document.getElementById("face")!.dataset["jaw"], jaw: window.__face.jaw }));
    expect(Number(both.attribute)).toBeCloseTo(both.jaw, 4); // the canvas's data-jaw is what is drawn

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

  it("stops the face when interrupted", async () => {
    await page.getByRole("button", { name: "Stream the built-in sample" }).click();
    await faceReaches(page, 30);
    const interrupted = sim.waitFor("interrupt");
    await page.getByRole("button", { name: "Interrupt" }).click();
    const [reqId] = await interrupted;
    const row = page.locator("#requests tbody tr").first();
    await row.locator("td", { hasText: "interrupted" }).first().waitFor();
    expect(await row.locator("code").textContent()).toBe(reqId);
    // No motion afterwards: the mouth is closed and no keyframe is drawn, for a second.
    const seen = await page.evaluate(async () => {
      const out: Array<{ jaw: string | null; index: string | null }> = [];
      for (let i = 0; i < 25; i++) {
        const canvas = document.getElementById("face")!;
        out.push({ jaw: canvas.getAttribute("data-jaw"), index: canvas.getAttribute("data-index") });
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      return out;
    });
    expect(new Set(seen.map((s) => JSON.stringify(s)))).toEqual(new Set([JSON.stringify({ jaw: "0.0000", index: "" })]));
    await page.screenshot({ path: new URL("example-page-interrupted.png", SCREENSHOTS).pathname, fullPage: true });
  });

  it("pauses and resumes the audio and the face together, showing the playback states", async () => {
    await page.getByRole("button", { name: "Stream the built-in sample" }).click();
    await faceReaches(page, 10);
    const paused = sim.waitFor("pause");
    await page.getByRole("button", { name: "Pause" }).click();
    await paused;
    await page.waitForFunction(() => /paused|ended/.test(document.getElementById("playback")!.dataset["state"] ?? ""));
    const held = (await faceState(page)).index!;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await faceState(page)).index).toBe(held); // the clock is the AudioContext's, suspended
    const resumed = sim.waitFor("resume");
    await page.getByRole("button", { name: "Resume" }).click();
    await resumed;
    await faceReaches(page, held + 5);
    const states = sim.connections[0]!.statesSent.map((s) => s.name);
    expect(states[0]).toBe("PLAYING");
    expect(states.length).toBeGreaterThanOrEqual(3);
  });

  it("streams a file the user picks, of any rate and channel count, decoded by the browser", async () => {
    // The sample as 44.1 kHz stereo WAV: the page decodes it with decodeAudioData and sends floats, the SDK mixes down and resamples.
    const wav = join(mkdtempSync(join(tmpdir(), "avatarkit-page-file-")), "speech-44k-stereo.wav");
    const pcm = new URL("../examples/assets/speech-16k.pcm", import.meta.url).pathname;
    execFileSync("sox", ["-t", "raw", "-r", "16000", "-e", "signed-integer", "-b", "16", "-c", "1", "-L", pcm, "-r", "44100", "-c", "2", wav]);
    await page.locator("#file").setInputFiles(wav);
    await page.getByRole("button", { name: "Stream the clip" }).click();
    await page.locator("#requests tbody tr td", { hasText: "complete" }).waitFor({ timeout: 20_000 });
    expect(await page.locator("#clip").textContent()).toMatch(/^speech-44k-stereo\.wav: 12\.3 s at \d+ Hz, 2 channels$/);
    const request = sim.connections[0]!.requests[0]!;
    expect(request.sampleRate).toBe(16000);
    expect(Math.abs(request.durationMs - 12_309)).toBeLessThan(30);
    await faceReaches(page, 30);
    expect(problems).toEqual([]);
  });

  it("shows an error with its code and details", async () => {
    sim.inject({ type: "refuse-upgrade", status: 400, body: '{"message":"Invalid session token"}' });
    await page.getByRole("button", { name: "Stream the built-in sample" }).click();
    await page.locator("#error").waitFor({ state: "visible" });
    expect(await page.locator("#error-code").textContent()).toBe("connectionFailed");
    expect(await page.locator("#error-message").textContent()).toMatch(/code 1006/);
    expect(await page.locator("#error-retryable").textContent()).toBe("retryable");
    const details = await page.locator("#error-detail").innerText();
    expect(details).toMatch(/phase\s+websocket_connect/);
    expect(details).toMatch(/closeCode\s+1006/);
    expect(await page.locator("#state").textContent()).toBe("closed");
    await page.screenshot({ path: new URL("example-page-error.png", SCREENSHOTS).pathname, fullPage: true });
  });
});

describe("examples/browser with a microphone", () => {
  // Chromium's fake capture device plays the sample (as a WAV, looped).
  const wav = join(mkdtempSync(join(tmpdir(), "avatarkit-page-mic-")), "speech.wav");
  const micBrowser = useChromiumWith(() => {
    const pcm = new URL("../examples/assets/speech-16k.pcm", import.meta.url).pathname;
    execFileSync("sox", ["-t", "raw", "-r", "16000", "-e", "signed-integer", "-b", "16", "-c", "1", "-L", pcm, wav]);
    return fakeMicrophoneArgs(wav);
  });

  it("streams the microphone, the face follows its frames, and stopping it ends the request", async () => {
    const sim = await startSimulator({ frameIntervalMs: 0 });
    const demo = await startDemoServer({ ...DEMO_CREDENTIALS, consoleEndpointUrl: sim.consoleEndpointUrl, ingressEndpointUrl: sim.ingressEndpointUrl });
    const context = await micBrowser().newContext({ viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    try {
      await page.goto(demo.url);
      await page.waitForSelector("body[data-ready=true]");
      await page.locator("#stop-on-silence").uncheck();
      await page.getByRole("button", { name: "Use the microphone" }).click();
      await page.locator("#requests tbody tr td", { hasText: "streaming" }).waitFor({ timeout: 10_000 });
      // The face shows the newest keyframe as it comes: it opens with the speech.
      await page.waitForFunction(() => window.__face.history.some((h) => h.jaw > 0.1), undefined, { timeout: 10_000, polling: 20 });
      expect(Number(await page.locator("#level-text").textContent())).toBeGreaterThanOrEqual(0);
      await page.getByRole("button", { name: "Stop the microphone" }).click();
      await page.locator("#requests tbody tr td", { hasText: "complete" }).waitFor({ timeout: 10_000 });
      const request = sim.connections[0]!.requests[0]!;
      expect(request.ended).toBe(true);
      expect(await page.locator("#requests tbody tr code").first().textContent()).toBe(request.reqId);
      expect(await page.locator("#face").getAttribute("data-jaw")).toBe("0.0000"); // at rest once the request is over
      expect(await page.getByRole("button", { name: "Use the microphone" }).isEnabled()).toBe(true);
      expect(problems).toEqual([]); // the worklet loaded under the page's strict policy
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: new URL("example-page-microphone.png", SCREENSHOTS).pathname, fullPage: true });
    } finally {
      await context.close();
      await demo.close();
      await sim.close();
    }
  });
});
