import { DEMO_CREDENTIALS, startSimulator, type Simulator, type SimulatorOptions } from "@avatarkit/simulator";
import { afterEach, beforeEach } from "vitest";
import type { AvatarSDKError, SessionOptions } from "../src/index";

/** `seconds` of a 440 Hz tone as 16 kHz s16le. */
export function tone(seconds: number, rate = 16000): Uint8Array {
  const samples = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  return new Uint8Array(samples.buffer);
}

/** A fresh simulator for every test of the calling file. */
export function useSimulator(options: SimulatorOptions = {}): () => Simulator {
  let sim: Simulator | undefined;
  beforeEach(async () => {
    sim = await startSimulator(options);
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

/** What a session reported through its callbacks. */
export interface Recorder {
  frames: Array<{ bytes: Uint8Array; isLast: boolean }>;
  errors: AvatarSDKError[];
  closes: number;
  callbacks: Pick<SessionOptions, "transportFrames" | "onError" | "onClose">;
}

export function recorder(): Recorder {
  const rec: Recorder = {
    frames: [],
    errors: [],
    closes: 0,
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

/** Options for a session against `sim` with a token minted by the simulator and no API key: the browser's recommended path. */
export function tokenOptions(sim: Simulator, extra: Partial<SessionOptions> = {}): SessionOptions {
  return {
    sessionToken: sim.mintToken(DEMO_CREDENTIALS.appId, new Date(Date.now() + 5 * 60_000)),
    appId: DEMO_CREDENTIALS.appId,
    avatarId: DEMO_CREDENTIALS.avatarId,
    ingressEndpointUrl: sim.ingressEndpointUrl,
    logger: { warn: () => {} },
    ...extra,
  };
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
