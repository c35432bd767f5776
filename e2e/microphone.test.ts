/**
 * `captureMicrophone()` in Chromium, against the simulator: a fake capture
 * device plays a speech WAV (made here from examples/assets/speech-16k.pcm
 * with sox; Chromium loops it), the page captures it through the SDK's
 * AudioWorklet (served as its own file under a strict CSP) and streams it.
 * The simulator must receive the same speech, as long as the capture ran;
 * `stop()` ends the request and frames follow. A second browser, whose
 * permission prompt is never answered, gets the documented error, and no
 * track is left running after any failure.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSessionToken } from "@avatarkit/node";
import { DEMO_CREDENTIALS, startSimulator, type Simulator } from "@avatarkit/simulator";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useChromiumWith } from "./support/chromium";
import { fakeMicrophoneArgs } from "./support/media-chromium";
import { BROWSER_DIST, startStaticServer, type StaticServer } from "./support/static-server";

const SPEECH = new URL("../examples/assets/speech-16k.pcm", import.meta.url);
const RATE = 16000;

const MIC_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>microphone</title><link rel="icon" href="data:,">
<script type="module" src="/mic.js"></script></head><body><p>captureMicrophone()</p></body></html>`;

const MIC_SCRIPT = `
import * as sdk from "/sdk/avatarkit.browser.min.js";

// Every stream the page was given, to check later that no track stayed live.
const opened = [];
const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (constraints) => {
  const stream = await getUserMedia(constraints);
  opened.push(stream);
  return stream;
};
const FIELDS = ["name", "code", "message", "phase", "field", "retryable", "reqId"];
const plain = (error) => {
  const out = { isAvatarSDKError: error instanceof sdk.AvatarSDKError, causeName: error?.cause?.name };
  for (const key of FIELDS) if (error?.[key] !== undefined) out[key] = error[key];
  return out;
};
const record = { frames: 0, lastFrames: 0, errors: [], captureErrors: [] };
let session;
let capture;
window.mic = {
  async open({ slowSendMs = 0, ...options }) {
    record.sends = [];
    session = new sdk.AvatarSession({
      ...options,
      onFrame: ({ isLast }) => {
        record.frames++;
        if (isLast) record.lastFrames++;
      },
      onError: (error) => record.errors.push(plain(error)),
    });
    const connectionId = await session.start();
    // Every send, recorded; with slowSendMs, each takes that much longer (a slow network).
    const send = session.sendAudio.bind(session);
    session.sendAudio = async (audio, end) => {
      record.sends.push({ samples: audio.samples.length, sampleRate: audio.sampleRate, end });
      if (slowSendMs > 0) await new Promise((resolve) => setTimeout(resolve, slowSendMs));
      return send(audio, end);
    };
    return connectionId;
  },
  async capture({ suspendedContext = false, ...options } = {}) {
    if (suspendedContext) {
      // A context the browser will not start (no user gesture): resume() never settles.
      const context = new AudioContext();
      await context.suspend();
      context.resume = () => new Promise(() => {});
      options.audioContext = context;
    }
    try {
      capture = await sdk.captureMicrophone(session, { ...options, onError: (error) => record.captureErrors.push(plain(error)) });
      record.startedAt = performance.now();
      return { reqId: await capture.reqId };
    } catch (error) {
      return { error: plain(error) };
    }
  },
  async stop() {
    const stoppedAt = performance.now();
    try {
      const reqId = await capture.stop();
      return { reqId, capturedMs: stoppedAt - record.startedAt, reqIdAfter: capture.reqId };
    } catch (error) {
      return { error: plain(error) };
    }
  },
  level: () => capture.level,
  reqId: () => capture.reqId,
  interrupt: () => session.interrupt(),
  closeSession: () => session.close(),
  tracks: () => opened.flatMap((stream) => stream.getTracks().map((track) => track.readyState)),
  state: () => record,
};
window.micReady = true;
`;

interface PageError {
  isAvatarSDKError: boolean;
  causeName?: string;
  name?: string;
  code?: string;
  message?: string;
  field?: string;
  retryable?: boolean;
}

declare global {
  interface Window {
    mic: {
      open(options: Record<string, unknown>): Promise<string>;
      capture(options?: Record<string, unknown>): Promise<{ reqId?: string; error?: PageError }>;
      stop(): Promise<{ reqId?: string; capturedMs?: number; reqIdAfter?: unknown; error?: PageError }>;
      level(): number;
      reqId(): string | Promise<string>;
      interrupt(): Promise<string>;
      closeSession(): Promise<void>;
      tracks(): string[];
      state(): { frames: number; lastFrames: number; errors: PageError[]; captureErrors: PageError[]; sends: Array<{ samples: number; sampleRate: number; end: boolean }> };
    };
    micReady?: boolean;
  }
}

/** RMS envelope of 16-bit samples in windows of `window` samples, one every `hop`. */
function envelope(samples: Int16Array, window: number, hop = window): number[] {
  const out: number[] = [];
  for (let at = 0; at + window <= samples.length; at += hop) {
    let sum = 0;
    for (let i = at; i < at + window; i++) sum += samples[i]! * samples[i]!;
    out.push(Math.sqrt(sum / window));
  }
  return out;
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) (ma += a[i]!), (mb += b[i]!);
  ma /= n;
  mb /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

/**
 * The best correlation of `received` (one value per window) with the looped
 * `reference` (`step` values per window), over every lag of the reference's
 * resolution (the fake device loops the file and starts anywhere in it).
 */
function bestCorrelation(received: number[], reference: number[], step: number): { r: number; lag: number } {
  const looped = [...reference, ...reference, ...reference, ...reference];
  let best = { r: -1, lag: 0 };
  for (let lag = 0; lag < reference.length; lag++) {
    const r = pearson(received, received.map((_, k) => looped[lag + k * step] ?? 0));
    if (r > best.r) best = { r, lag };
  }
  return best;
}

const int16 = (bytes: Uint8Array) => new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

/** A session token minted as a page's backend would. */
const tokenFor = (sim: Simulator) =>
  createSessionToken({ apiKey: DEMO_CREDENTIALS.apiKey, consoleEndpointUrl: sim.consoleEndpointUrl, expireAt: new Date(Date.now() + 300_000) });

async function serveMicPage(): Promise<StaticServer> {
  return startStaticServer({
    "/mic.html": { type: "text/html; charset=utf-8", body: MIC_PAGE },
    "/mic.js": { type: "text/javascript; charset=utf-8", body: MIC_SCRIPT },
    "/sdk/capture-worklet.js": { type: "text/javascript; charset=utf-8", body: readFileSync(new URL("capture-worklet.js", BROWSER_DIST)) },
  });
}

async function openPage(browser: Browser, origin: string, problems: string[]): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  await page.goto(`${origin}/mic.html`);
  await page.waitForFunction(() => window.micReady === true);
  return page;
}

const scratch = mkdtempSync(join(tmpdir(), "avatarkit-mic-"));
const wav = join(scratch, "speech.wav");
execFileSync("sox", ["-t", "raw", "-r", String(RATE), "-e", "signed-integer", "-b", "16", "-c", "1", "-L", SPEECH.pathname, wav]);

describe("captureMicrophone() with a fake microphone", () => {
  const browser = useChromiumWith(() => fakeMicrophoneArgs(wav));
  let sim: Simulator;
  let server: StaticServer;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ frameIntervalMs: 0 });
    server = await serveMicPage();
  });
  afterAll(async () => {
    await page?.context().close();
    await server?.close();
    await sim?.close();
  });

  it("streams the speech it hears, as long as it ran, and stop() ends the request", async () => {
    page = await openPage(browser(), server.origin, problems);
    const options = { ...DEMO_CREDENTIALS, ingressEndpointUrl: sim.ingressEndpointUrl };
    const token = { sessionToken: await tokenFor(sim) };
    await page.evaluate((o) => window.mic.open(o), {
      sessionToken: token.sessionToken,
      appId: options.appId,
      avatarId: options.avatarId,
      ingressEndpointUrl: options.ingressEndpointUrl,
      sampleRate: RATE,
    });
    const started = await page.evaluate(() => window.mic.capture());
    expect(started.error).toBeUndefined();
    expect(started.reqId).toMatch(/^\d{14}_/);
    expect(await page.evaluate(() => window.mic.tracks())).toEqual(["live"]);

    // `level` follows the speech: loud in words, low in pauses, always within 0..1.
    const levels = await page.evaluate(async () => {
      const out: number[] = [];
      for (let i = 0; i < 110; i++) {
        out.push(window.mic.level());
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      return out;
    });
    expect(Math.max(...levels)).toBeGreaterThan(0.02);
    expect(Math.min(...levels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...levels)).toBeLessThanOrEqual(1);

    const ended = sim.waitFor("request", (r) => r.reqId === started.reqId, { timeoutMs: 10_000 });
    const stopped = await page.evaluate(() => window.mic.stop());
    expect(stopped.error).toBeUndefined();
    expect(stopped.reqId).toBe(started.reqId);
    expect(stopped.reqIdAfter).toBe(started.reqId);
    const [request] = await ended;
    expect(request.ended).toBe(true);
    expect(request.sampleRate).toBe(RATE);

    // As long as the capture ran (within 5 %).
    const received = int16(request.audio);
    const receivedMs = (received.length / RATE) * 1000;
    expect(Math.abs(receivedMs - stopped.capturedMs!) / stopped.capturedMs!).toBeLessThan(0.05);

    // The speech the device played: the envelopes (40 ms RMS, a frame's span) correlate at the best lag (1 ms steps).
    const span = RATE / 25;
    const reference = envelope(int16(readFileSync(SPEECH)), span, span / 40);
    const heard = envelope(received, span);
    const { r } = bestCorrelation(heard, reference, 40);
    expect(r, `envelope correlation ${r.toFixed(3)}`).toBeGreaterThanOrEqual(0.9);

    // Frames follow: every frame of the request, the last one marked.
    await page.waitForFunction(() => window.mic.state().lastFrames === 1, undefined, { timeout: 10_000 });
    const state = await page.evaluate(() => window.mic.state());
    expect(state.frames).toBe(request.frameCount);
    expect(state.frames).toBe(Math.ceil((received.length / RATE) * 25));
    expect(state.errors).toEqual([]);
    expect(state.captureErrors).toEqual([]);
    // The device is released: the recording indicator is off.
    expect(await page.evaluate(() => window.mic.tracks())).toEqual(["ended"]);
    // A second stop() answers the same.
    expect((await page.evaluate(() => window.mic.stop())).reqId).toBe(started.reqId);
    expect(problems).toEqual([]); // the worklet loaded under the strict CSP
  }, 30_000);

  it("sends that fall behind are coalesced, and nothing is dropped", async () => {
    const context = page.context();
    page = await openPage(browser(), server.origin, problems);
    await context.close();
    await page.evaluate((o) => window.mic.open(o), { sessionToken: await tokenFor(sim), appId: DEMO_CREDENTIALS.appId, avatarId: DEMO_CREDENTIALS.avatarId, ingressEndpointUrl: sim.ingressEndpointUrl, sampleRate: RATE, slowSendMs: 150 });
    const started = await page.evaluate(() => window.mic.capture({ chunkMs: 40 }));
    expect(started.error).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const ended = sim.waitFor("request", (r) => r.reqId === started.reqId, { timeoutMs: 10_000 });
    const stopped = await page.evaluate(() => window.mic.stop());
    expect(stopped.reqId).toBe(started.reqId);
    const [request] = await ended;
    const { sends } = await page.evaluate(() => window.mic.state());
    const rate = sends[0]!.sampleRate;
    const chunk = Math.round((rate * 40) / 1000);
    // Each send waited 150 ms, so 40 ms chunks piled up: they went out several at a time, whole chunks but the last.
    expect(sends.length).toBeLessThan(stopped.capturedMs! / 40 / 2);
    expect(sends.slice(0, -1).every((s) => s.samples % chunk === 0 && !s.end)).toBe(true);
    expect(Math.max(...sends.map((s) => s.samples))).toBeGreaterThanOrEqual(3 * chunk);
    expect(sends.at(-1)!.end).toBe(true);
    // Nothing dropped: the request is as long as the capture ran, within 5 %.
    const sentMs = (sends.reduce((n, s) => n + s.samples, 0) / rate) * 1000;
    expect(Math.abs(sentMs - stopped.capturedMs!) / stopped.capturedMs!).toBeLessThan(0.05);
    expect(Math.abs(request.durationMs - sentMs)).toBeLessThan(5);
  });

  it("an interrupt mid-capture ends its request; the capture goes on in a new one, and reqId follows", async () => {
    const context = page.context();
    page = await openPage(browser(), server.origin, problems);
    await context.close();
    await page.evaluate((o) => window.mic.open(o), { sessionToken: await tokenFor(sim), appId: DEMO_CREDENTIALS.appId, avatarId: DEMO_CREDENTIALS.avatarId, ingressEndpointUrl: sim.ingressEndpointUrl, sampleRate: RATE });
    const started = await page.evaluate(() => window.mic.capture({ chunkMs: 100 }));
    expect(started.error).toBeUndefined();
    const first = started.reqId!;
    const interrupted = sim.waitFor("interrupt", (reqId) => reqId === first, { timeoutMs: 5000 });
    const nextAudio = sim.waitFor("message", (m) => m.data.case === "clientAudioInput" && m.data.value.reqId !== first, { timeoutMs: 5000 });
    expect(await page.evaluate(() => window.mic.interrupt())).toBe(first);
    await interrupted;
    const [message] = await nextAudio;
    const second = message.data.case === "clientAudioInput" ? message.data.value.reqId : "";
    expect(second).toMatch(/^\d{14}_/);
    await page.waitForFunction((id) => window.mic.reqId() === id, second, { timeout: 5000 });

    const ended = sim.waitFor("request", (r) => r.reqId === second, { timeoutMs: 10_000 });
    const stopped = await page.evaluate(() => window.mic.stop());
    expect(stopped).toMatchObject({ reqId: second, reqIdAfter: second });
    expect((await ended)[0].ended).toBe(true);
    const state = await page.evaluate(() => window.mic.state());
    expect(state.captureErrors).toEqual([]);
    expect(state.errors).toEqual([]);
  });

  it("a session that closes mid-capture fails the capture and releases the device", async () => {
    const context = page.context();
    page = await openPage(browser(), server.origin, problems);
    await context.close();
    const token = { sessionToken: await tokenFor(sim) };
    await page.evaluate((o) => window.mic.open(o), { sessionToken: token.sessionToken, appId: DEMO_CREDENTIALS.appId, avatarId: DEMO_CREDENTIALS.avatarId, ingressEndpointUrl: sim.ingressEndpointUrl, sampleRate: RATE });
    const started = await page.evaluate(() => window.mic.capture({ chunkMs: 100 }));
    expect(started.error).toBeUndefined();
    await page.evaluate(() => window.mic.closeSession());
    await page.waitForFunction(() => window.mic.state().captureErrors.length === 1, undefined, { timeout: 5000 });
    await page.waitForFunction(() => window.mic.tracks().every((t) => t === "ended"), undefined, { timeout: 5000 });
    const [error] = (await page.evaluate(() => window.mic.state())).captureErrors;
    expect(error).toMatchObject({ isAvatarSDKError: true });
    const stopped = await page.evaluate(() => window.mic.stop());
    expect(stopped.error?.code).toBe(error!.code);
  });

  it("an AudioContext that stays suspended is a ConfigurationError (field audioContext), and the opened microphone is released", async () => {
    const context = page.context();
    page = await openPage(browser(), server.origin, problems);
    await context.close();
    await page.evaluate((o) => window.mic.open(o), { sessionToken: await tokenFor(sim), appId: DEMO_CREDENTIALS.appId, avatarId: DEMO_CREDENTIALS.avatarId, ingressEndpointUrl: sim.ingressEndpointUrl, sampleRate: RATE });
    const result = await page.evaluate(() => window.mic.capture({ suspendedContext: true, resumeTimeoutMs: 200 }));
    expect(result.error).toMatchObject({ isAvatarSDKError: true, name: "ConfigurationError", code: "invalidRequest", field: "audioContext", retryable: false });
    expect(result.error!.message).toMatch(/^The AudioContext stays suspended: browsers start audio only after a user gesture/);
    expect(await page.evaluate(() => window.mic.tracks())).toEqual(["ended"]);
  });

  it("a worklet that does not load is a ConfigurationError, and the opened microphone is released", async () => {
    const context = page.context();
    page = await openPage(browser(), server.origin, problems);
    await context.close();
    problems.length = 0;
    const token = { sessionToken: await tokenFor(sim) };
    await page.evaluate((o) => window.mic.open(o), { sessionToken: token.sessionToken, appId: DEMO_CREDENTIALS.appId, avatarId: DEMO_CREDENTIALS.avatarId, ingressEndpointUrl: sim.ingressEndpointUrl, sampleRate: RATE });
    const result = await page.evaluate(() => window.mic.capture({ processorUrl: "/missing-worklet.js" }));
    expect(result.error).toMatchObject({ isAvatarSDKError: true, name: "ConfigurationError", code: "invalidRequest", field: "processorUrl", retryable: false });
    expect(await page.evaluate(() => window.mic.tracks())).toEqual(["ended"]);
  });
});

describe("captureMicrophone() when the permission is not granted", () => {
  const browser = useChromiumWith(() => fakeMicrophoneArgs(wav, { grant: false }));
  let sim: Simulator;
  let server: StaticServer;

  beforeAll(async () => {
    sim = await startSimulator({ frameIntervalMs: 0 });
    server = await serveMicPage();
  });
  afterAll(async () => {
    await server?.close();
    await sim?.close();
  });

  it("rejects with a ConfigurationError (field microphone, cause NotAllowedError) and leaves no track running", async () => {
    const problems: string[] = [];
    const page = await openPage(browser(), server.origin, problems);
    try {
      const token = { sessionToken: await tokenFor(sim) };
      await page.evaluate((o) => window.mic.open(o), { sessionToken: token.sessionToken, appId: DEMO_CREDENTIALS.appId, avatarId: DEMO_CREDENTIALS.avatarId, ingressEndpointUrl: sim.ingressEndpointUrl, sampleRate: RATE });
      const result = await page.evaluate(() => window.mic.capture());
      expect(result.error).toMatchObject({
        isAvatarSDKError: true,
        name: "ConfigurationError",
        code: "invalidRequest",
        field: "microphone",
        retryable: false,
        causeName: "NotAllowedError",
      });
      expect(result.error!.message).toMatch(/denied/);
      expect(await page.evaluate(() => window.mic.tracks())).toEqual([]);
      // Nothing was sent: the session has no request.
      expect(sim.connections.at(-1)!.requests).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
