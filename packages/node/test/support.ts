import { readFileSync } from "node:fs";
import { DEMO_CREDENTIALS, startSimulator, type Simulator, type SimulatorOptions } from "@avatarkit/simulator";
import { afterEach, beforeEach } from "vitest";
import { newAvatarSession, type AvatarSDKError, type AvatarSession, type SessionOptions } from "../src/index";

/** 12.3 s of speech, 16 kHz mono s16le (examples/assets). */
export const SPEECH = new Uint8Array(readFileSync(new URL("../../../examples/assets/speech-16k.pcm", import.meta.url)));

/** `seconds` of a 16 kHz tone as s16le. */
export function tone(seconds: number, rate = 16000): Uint8Array {
  const samples = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  return new Uint8Array(samples.buffer);
}

/**
 * True when the suite runs against a 0.1.7-era simulator (`AVATARKIT_TEST_LEGACY=1`,
 * `pnpm test:legacy`): no capabilities, no playback states, gRPC-style codes.
 * The SDK must behave the same against it, except for what only a current server offers.
 */
export const LEGACY = process.env["AVATARKIT_TEST_LEGACY"] === "1";

/** A fresh simulator for every test of the calling file (a legacy one under {@link LEGACY}, unless `options.legacy` says). */
export function useSimulator(options: SimulatorOptions = {}): () => Simulator {
  let sim: Simulator | undefined;
  beforeEach(async () => {
    sim = await startSimulator({ legacy: LEGACY, ...options });
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });
  return () => {
    if (sim === undefined) throw new Error("simulator not started");
    return sim;
  };
}

/** Records what a session reports through its callbacks. */
export interface Recorder {
  frames: Array<{ bytes: Uint8Array; isLast: boolean }>;
  errors: AvatarSDKError[];
  closes: number;
  /** Resolves when `n` frames with isLast=true have arrived. */
  lastFrames(n?: number, timeoutMs?: number): Promise<void>;
  callbacks: Pick<SessionOptions, "transportFrames" | "onError" | "onClose">;
}

export function recorder(): Recorder {
  const rec: Recorder = {
    frames: [],
    errors: [],
    closes: 0,
    lastFrames: (n = 1, timeoutMs = 5000) => waitFor(() => rec.frames.filter((f) => f.isLast).length >= n, timeoutMs, `${n} last frame(s)`),
    callbacks: {
      transportFrames: (bytes, isLast) => rec.frames.push({ bytes, isLast }),
      onError: (error) => rec.errors.push(error),
      onClose: () => {
        rec.closes++;
      },
    },
  };
  return rec;
}

/** Options for a session against `sim` with the demo credentials and the API key. */
export function optionsFor(sim: Simulator, extra: Partial<SessionOptions> = {}): SessionOptions {
  return {
    apiKey: DEMO_CREDENTIALS.apiKey,
    appId: DEMO_CREDENTIALS.appId,
    avatarId: DEMO_CREDENTIALS.avatarId,
    consoleEndpointUrl: sim.consoleEndpointUrl,
    ingressEndpointUrl: sim.ingressEndpointUrl,
    expireAt: new Date(Date.now() + 5 * 60_000),
    logger: { warn: () => {} },
    ...extra,
  };
}

/**
 * Options for a session against a bare `ws` server on loopback (one that
 * sends crafted bytes): a pre-minted token, no simulator. `extra` overrides.
 */
export function rawServerOptions(server: { address(): unknown }, extra: Partial<SessionOptions> = {}): SessionOptions {
  return {
    appId: "a",
    avatarId: "b",
    sessionToken: "t",
    ingressEndpointUrl: `ws://127.0.0.1:${(server.address() as { port: number }).port}/`,
    logger: { warn: () => {} },
    ...extra,
  };
}

/**
 * A session against `sim` (demo credentials, the API key), initialized and
 * started, with its callbacks recorded. `extra` overrides options.
 */
export async function openSession(
  sim: Simulator,
  extra: Partial<SessionOptions> = {},
): Promise<{ session: AvatarSession; rec: Recorder; connectionId: string }> {
  const rec = recorder();
  const session = newAvatarSession(optionsFor(sim, { ...extra, ...rec.callbacks }));
  await session.init();
  const connectionId = await session.start();
  return { session, rec, connectionId };
}

/** Polls `condition` until it holds; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves with what `promise` rejected with; fails if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<AvatarSDKError> {
  try {
    await promise;
  } catch (error) {
    return error as AvatarSDKError;
  }
  throw new Error("expected a rejection");
}

/** Lets pending socket events run. */
export const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));
