/**
 * Opt-in end-to-end tests against the real avatar service, mirroring the
 * reference Python SDK's e2e suite. Skipped unless `AVATARKIT_RUN_E2E=1`:
 *
 * - invalid WebSocket credentials → `sessionTokenInvalid` (needs only an
 *   ingress endpoint: `AVATARKIT_E2E_INGRESS_ENDPOINT`, default the public
 *   us-west one);
 * - a missing avatar → `avatarNotFound` (`AVATARKIT_E2E_API_KEY`, `_APP_ID`,
 *   `_CONSOLE_ENDPOINT`, `_INGRESS_ENDPOINT`; `_MISSING_AVATAR_ID`, default
 *   `avatarkit-e2e-missing-avatar-404`);
 * - a real request that waits for its last frame (also `_AVATAR_ID`).
 *   `AVATARKIT_E2E_AUDIO_FORMAT` (`pcm_s16le` | `ogg_opus`) and
 *   `AVATARKIT_E2E_USE_INTERNAL_OGG_OPUS_ENCODER=1` pick one request
 *   configured as in the Python suite (`_AUDIO_PATH`, `_SAMPLE_RATE`,
 *   `_BITRATE`, `_CHUNK_SIZE`, `_TIMEOUT_SECONDS`). With neither set, three
 *   requests run: PCM, Ogg Opus passed through (the bundled clip encoded with
 *   `opusenc`) and the SDK's built-in encoder.
 *
 * The cases are functions of a target, so the last `describe` runs them
 * against the simulator on every `pnpm test`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { DEMO_CREDENTIALS, startSimulator, type Simulator } from "@avatarkit/simulator";
import { MessageSchema, MessageType } from "@avatarkit/simulator/gen";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AvatarSDKError, newAvatarSession, type AudioFormat, type PlaybackStateEvent } from "../src/index";
import { nodePlatform } from "../src/platform";
import { waitFor } from "./support";

// ---------------------------------------------------------------- targets and cases

/** Where the cases connect. */
interface Target {
  ingressEndpointUrl: string;
  appId: string;
  apiKey?: string;
  consoleEndpointUrl?: string;
  avatarId?: string;
  missingAvatarId: string;
}

/** One request: format, audio and how it is sent. */
interface RequestSpec {
  audioFormat: AudioFormat;
  /** PCM in, Ogg Opus on the wire, encoded by the SDK. */
  useEncoder: boolean;
  /** The bytes sent: PCM, or a whole Ogg Opus stream. */
  audio: Uint8Array;
  /** Where the audio came from, for titles. */
  audioName: string;
  sampleRate: number;
  bitrate: number;
  chunkSize: number;
  timeoutMs: number;
}

const silent = { warn: () => {} };
const BOGUS_TOKEN = "avatarkit-e2e-invalid-session-token";

/** Records a session's callbacks. */
function callbacks() {
  const seen = { errors: [] as AvatarSDKError[], closes: 0 };
  return { seen, onError: (error: AvatarSDKError) => void seen.errors.push(error), onClose: () => void seen.closes++ };
}

/** A made-up session token against the ingress: `start()` must fail with `sessionTokenInvalid`. */
async function invalidCredentialsCase(target: Target): Promise<AvatarSDKError> {
  const { seen, ...handlers } = callbacks();
  const session = newAvatarSession({
    sessionToken: BOGUS_TOKEN,
    appId: target.appId,
    avatarId: target.avatarId ?? target.missingAvatarId,
    ingressEndpointUrl: target.ingressEndpointUrl,
    logger: silent,
    ...handlers,
  });
  const error = await session.start().then(
    () => Promise.reject(new Error("start() resolved with a bogus session token")),
    (reason: unknown) => reason,
  );
  await session.close();
  expect(error).toBeInstanceOf(AvatarSDKError);
  const sdkError = error as AvatarSDKError;
  expect(sdkError, JSON.stringify(sdkError)).toMatchObject({ code: "sessionTokenInvalid", phase: "websocket_connect" });
  expect(sdkError.message).not.toContain(BOGUS_TOKEN);
  expect(seen.errors).toEqual([sdkError]);
  expect(seen.closes).toBe(1);
  return sdkError;
}

/** Valid credentials and an avatar that does not exist: `start()` must fail with `avatarNotFound`. */
async function missingAvatarCase(target: Target): Promise<AvatarSDKError> {
  const { seen, ...handlers } = callbacks();
  const session = newAvatarSession({
    apiKey: target.apiKey,
    appId: target.appId,
    avatarId: target.missingAvatarId,
    consoleEndpointUrl: target.consoleEndpointUrl,
    ingressEndpointUrl: target.ingressEndpointUrl,
    expireAt: new Date(Date.now() + 5 * 60_000),
    logger: silent,
    ...handlers,
  });
  await session.init();
  const error = await session.start().then(
    () => Promise.reject(new Error(`start() resolved for the missing avatar "${target.missingAvatarId}"`)),
    (reason: unknown) => reason,
  );
  await session.close();
  expect(error).toBeInstanceOf(AvatarSDKError);
  expect(error as AvatarSDKError, JSON.stringify(error)).toMatchObject({ code: "avatarNotFound", phase: "websocket_connect", httpStatus: 404 });
  expect(seen.closes).toBe(1);
  return error as AvatarSDKError;
}

/** What a request produced. */
interface RequestOutcome {
  connectionId: string;
  reqId: string;
  frames: Uint8Array[];
  encoded: Array<{ reqId: string; bytes: Uint8Array }>;
}

/** Streams one request and waits for its last frame; checks every frame names the request. */
async function requestCase(target: Target, spec: RequestSpec): Promise<RequestOutcome> {
  const { seen, ...handlers } = callbacks();
  const frames: Uint8Array[] = [];
  const encoded: RequestOutcome["encoded"] = [];
  let onLast = () => {};
  const last = new Promise<void>((resolve) => (onLast = resolve));
  const session = newAvatarSession({
    apiKey: target.apiKey,
    appId: target.appId,
    avatarId: target.avatarId ?? "",
    consoleEndpointUrl: target.consoleEndpointUrl,
    ingressEndpointUrl: target.ingressEndpointUrl,
    expireAt: new Date(Date.now() + 5 * 60_000),
    audioFormat: spec.audioFormat,
    sampleRate: spec.sampleRate,
    bitrate: spec.bitrate,
    ...(spec.useEncoder ? { oggOpusEncoder: { frameDurationMs: 20 as const }, onEncodedAudio: (reqId: string, bytes: Uint8Array) => void encoded.push({ reqId, bytes }) } : {}),
    transportFrames: (frame, isLast) => {
      frames.push(frame);
      if (isLast) onLast();
    },
    logger: silent,
    ...handlers,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await session.init();
    const connectionId = await session.start();
    expect(connectionId).not.toBe("");
    const passThrough = spec.audioFormat === "ogg_opus" && !spec.useEncoder;
    const chunk = passThrough ? spec.chunkSize : spec.chunkSize - (spec.chunkSize % 2); // PCM chunks hold whole samples
    let reqId = "";
    for (let offset = 0; offset < spec.audio.length; offset += chunk) {
      const end = !passThrough && offset + chunk >= spec.audio.length;
      reqId = await session.sendAudio(spec.audio.subarray(offset, offset + chunk), end);
    }
    if (passThrough) reqId = await session.sendAudio(new Uint8Array(0), true); // as the Python suite: an empty final chunk
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no last frame within ${spec.timeoutMs} ms (${frames.length} frames so far)`)), spec.timeoutMs);
    });
    await Promise.race([last, timedOut]);

    expect(seen.errors).toEqual([]);
    expect(frames.length).toBeGreaterThan(0);
    for (const [i, frame] of frames.entries()) {
      const message = fromBinary(MessageSchema, frame);
      expect(message.type).toBe(MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION);
      if (message.data.case !== "serverResponseAnimation") throw new Error(`frame ${i} carries ${message.data.case}`);
      expect(message.data.value.reqId).toBe(reqId);
      expect(message.data.value.end).toBe(i === frames.length - 1);
    }
    if (spec.useEncoder) {
      expect(encoded).toHaveLength(1);
      expect(encoded[0]!.reqId).toBe(reqId);
      expect(Buffer.from(encoded[0]!.bytes.subarray(0, 4)).toString("latin1")).toBe("OggS");
    }
    return { connectionId, reqId, frames, encoded };
  } finally {
    clearTimeout(timer);
    await session.close();
    expect(seen.closes).toBe(1);
  }
}

// ---------------------------------------------------------------- configuration from the environment

const SPEECH_PATH = new URL("../../../examples/assets/speech-16k.pcm", import.meta.url);
const DEFAULT_INGRESS = "wss://api.us-west.spatialwalk.cloud/v2/driveningress";
const DEFAULT_MISSING_AVATAR = "avatarkit-e2e-missing-avatar-404";
const CREDENTIALS = ["AVATARKIT_E2E_API_KEY", "AVATARKIT_E2E_APP_ID", "AVATARKIT_E2E_CONSOLE_ENDPOINT", "AVATARKIT_E2E_INGRESS_ENDPOINT"];

type Env = Record<string, string | undefined>;
const truthy = (value: string | undefined) => /^(1|true|yes|on)$/i.test(value ?? "");
const missing = (env: Env, names: string[]) => names.filter((name) => !env[name]);

function numberVar(env: Env, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${text}"`);
  return value;
}

/** The bundled clip encoded to Ogg Opus with `opusenc`, or why that is not possible. */
function opusencClip(): { audio: Uint8Array } | { unavailable: string } {
  const dir = mkdtempSync(join(tmpdir(), "avatarkit-e2e-"));
  const out = join(dir, "speech-16k.ogg");
  const run = spawnSync("opusenc", ["--quiet", "--raw", "--raw-rate", "16000", "--raw-chan", "1", "--bitrate", "32", fileURLToPath(SPEECH_PATH), out]);
  if (run.error || run.status !== 0) return { unavailable: "opusenc (opus-tools) is not installed and AVATARKIT_E2E_AUDIO_PATH is unset" };
  return { audio: new Uint8Array(readFileSync(out)) };
}

/** Whether the Node entry binds the built-in encoder. */
const encoderUnavailable = nodePlatform.loadOpusEncoder === undefined ? "the Node entry binds no built-in encoder (nodePlatform.loadOpusEncoder)" : undefined;

/** A request variant: its title and either a spec or why it cannot run here. */
/**
 * The confirm's capabilities, and pause/resume: each answered by one
 * playback state where the service announces `playback_state`; a service
 * that announces nothing must still accept the session and the calls.
 */
async function playbackCase(target: Target): Promise<{ capabilities: readonly string[]; states: PlaybackStateEvent[] }> {
  const states: PlaybackStateEvent[] = [];
  const { seen, ...handlers } = callbacks();
  let lastFrame!: () => void;
  const ended = new Promise<void>((resolve) => (lastFrame = resolve));
  const session = newAvatarSession({
    apiKey: target.apiKey!, appId: target.appId, avatarId: target.avatarId!, consoleEndpointUrl: target.consoleEndpointUrl!,
    ingressEndpointUrl: target.ingressEndpointUrl, expireAt: new Date(Date.now() + 5 * 60_000), logger: silent, ...handlers,
    onPlaybackState: (event) => states.push(event),
    onFrame: ({ isLast }) => isLast && lastFrame(),
  });
  await session.init();
  await session.start();
  const capabilities = session.capabilities;
  const reqId = await session.sendAudio(new Uint8Array(readFileSync(SPEECH_PATH)).subarray(0, 64000)); // 2 s, no end yet
  expect(await session.pause()).toBe(reqId);
  expect(await session.resume()).toBe(reqId);
  await session.sendAudio(new Uint8Array(0), true);
  await ended;
  if (capabilities.includes("playback_state")) {
    await waitFor(() => states.some((st) => st.reqId === reqId && st.state === "ended"), 10_000, "the ended state");
    const answers = states.filter((st) => st.reqId === reqId).map((st) => st.state);
    expect(answers).toContain("paused");
    expect(answers.lastIndexOf("playing")).toBeGreaterThan(answers.indexOf("paused"));
  }
  expect(seen.errors).toEqual([]);
  await session.close();
  return { capabilities, states };
}

type Variant = { title: string } & ({ spec: () => RequestSpec } | { unavailable: string });

/**
 * The requests to make. With `AVATARKIT_E2E_AUDIO_FORMAT` or
 * `AVATARKIT_E2E_USE_INTERNAL_OGG_OPUS_ENCODER` set: one, with the Python
 * suite's defaults (PCM or encoder: 16 kHz PCM; Ogg Opus passed through:
 * 24 kHz, `AVATARKIT_E2E_AUDIO_PATH` required as we ship no .ogg clip).
 * Otherwise PCM, Ogg Opus pass-through and the built-in encoder.
 */
function requestVariants(env: Env): Variant[] {
  const bitrateFor = (format: AudioFormat) => numberVar(env, "AVATARKIT_E2E_BITRATE", format === "ogg_opus" ? 32000 : 0);
  const common = {
    chunkSize: Math.floor(numberVar(env, "AVATARKIT_E2E_CHUNK_SIZE", 4096)),
    timeoutMs: numberVar(env, "AVATARKIT_E2E_TIMEOUT_SECONDS", 45) * 1000,
  };
  const speech = () => new Uint8Array(readFileSync(SPEECH_PATH));
  const format = env["AVATARKIT_E2E_AUDIO_FORMAT"];
  const useEncoder = truthy(env["AVATARKIT_E2E_USE_INTERNAL_OGG_OPUS_ENCODER"]);

  if (format !== undefined || useEncoder) {
    const audioFormat = (format ?? "ogg_opus") as AudioFormat;
    if (audioFormat !== "pcm_s16le" && audioFormat !== "ogg_opus") throw new Error(`AVATARKIT_E2E_AUDIO_FORMAT must be pcm_s16le or ogg_opus, got "${format}"`);
    if (useEncoder && audioFormat !== "ogg_opus") throw new Error("AVATARKIT_E2E_USE_INTERNAL_OGG_OPUS_ENCODER=1 needs AVATARKIT_E2E_AUDIO_FORMAT=ogg_opus");
    const pcmIn = audioFormat === "pcm_s16le" || useEncoder;
    const path = env["AVATARKIT_E2E_AUDIO_PATH"];
    const sampleRate = numberVar(env, "AVATARKIT_E2E_SAMPLE_RATE", pcmIn ? 16000 : 24000);
    const kind = useEncoder ? "built-in encoder" : audioFormat === "ogg_opus" ? "Ogg Opus pass-through" : "PCM";
    const title = `${kind} request, ${path ?? "bundled clip"} at ${sampleRate} Hz`;
    if (!pcmIn && path === undefined) return [{ title, unavailable: "set AVATARKIT_E2E_AUDIO_PATH to an Ogg Opus file" }];
    return [
      {
        title,
        spec: () => ({
          audioFormat,
          useEncoder,
          audio: path === undefined ? speech() : new Uint8Array(readFileSync(path)),
          audioName: path ?? "speech-16k.pcm",
          sampleRate,
          bitrate: bitrateFor(audioFormat),
          ...common,
        }),
      },
    ];
  }

  const ogg = opusencClip();
  return [
    {
      title: "PCM request, bundled clip at 16000 Hz",
      spec: () => ({ audioFormat: "pcm_s16le", useEncoder: false, audio: speech(), audioName: "speech-16k.pcm", sampleRate: 16000, bitrate: bitrateFor("pcm_s16le"), ...common }),
    },
    "unavailable" in ogg
      ? { title: "Ogg Opus pass-through request", unavailable: ogg.unavailable }
      : {
          title: "Ogg Opus pass-through request, bundled clip encoded by opusenc at 16000 Hz",
          spec: () => ({ audioFormat: "ogg_opus", useEncoder: false, audio: ogg.audio, audioName: "speech-16k.ogg", sampleRate: 16000, bitrate: bitrateFor("ogg_opus"), ...common }),
        },
    encoderUnavailable !== undefined
      ? { title: "built-in encoder request", unavailable: encoderUnavailable }
      : {
          title: "built-in encoder request, bundled clip at 16000 Hz",
          spec: () => ({ audioFormat: "ogg_opus", useEncoder: true, audio: speech(), audioName: "speech-16k.pcm", sampleRate: 16000, bitrate: bitrateFor("ogg_opus"), ...common }),
        },
  ];
}

/** A test title that says why the test is skipped, if it is. */
const titled = (title: string, skip: string | undefined) => (skip ? `${title} — skipped: ${skip}` : title);

// ---------------------------------------------------------------- the real service (opt-in)

describe("real service (opt-in e2e)", () => {
  const env: Env = process.env;
  const enabled = truthy(env["AVATARKIT_RUN_E2E"]);
  const notEnabled = enabled ? undefined : "set AVATARKIT_RUN_E2E=1";
  const realTarget = (): Target => ({
    ingressEndpointUrl: env["AVATARKIT_E2E_INGRESS_ENDPOINT"] || DEFAULT_INGRESS,
    appId: env["AVATARKIT_E2E_APP_ID"] || "avatarkit-e2e-app",
    apiKey: env["AVATARKIT_E2E_API_KEY"],
    consoleEndpointUrl: env["AVATARKIT_E2E_CONSOLE_ENDPOINT"],
    avatarId: env["AVATARKIT_E2E_AVATAR_ID"],
    missingAvatarId: env["AVATARKIT_E2E_MISSING_AVATAR_ID"] || DEFAULT_MISSING_AVATAR,
  });
  const needs = (names: string[]) => notEnabled ?? (missing(env, names).length > 0 ? `set ${missing(env, names).join(", ")}` : undefined);

  it.skipIf(notEnabled)(titled("invalid WebSocket credentials → sessionTokenInvalid", notEnabled), async () => {
    await invalidCredentialsCase(realTarget());
  }, 30_000);

  const avatarSkip = needs(CREDENTIALS);
  it.skipIf(avatarSkip)(titled("valid credentials, missing avatar → avatarNotFound", avatarSkip), async () => {
    await missingAvatarCase(realTarget());
  }, 30_000);

  const requestNeeds = needs([...CREDENTIALS, "AVATARKIT_E2E_AVATAR_ID"]);
  it.skipIf(requestNeeds)(titled("capabilities, and pause/resume answered by playback states", requestNeeds), async () => {
    const { capabilities, states } = await playbackCase(realTarget());
    console.log(`e2e capabilities: [${capabilities.join(", ")}], ${states.length} playback states`);
  }, 60_000);
  const variants: Variant[] = enabled ? requestVariants(env) : [{ title: "real request", unavailable: "" }];
  for (const variant of variants) {
    const skip = requestNeeds ?? ("unavailable" in variant ? variant.unavailable : undefined);
    const timeoutMs = numberVar(env, "AVATARKIT_E2E_TIMEOUT_SECONDS", 45) * 1000 + 15_000;
    it.skipIf(skip)(titled(`${variant.title} → last frame`, skip), async () => {
      if (!("spec" in variant)) throw new Error("unreachable");
      const outcome = await requestCase(realTarget(), variant.spec());
      console.log(`e2e ${variant.title}: connection ${outcome.connectionId}, request ${outcome.reqId}, ${outcome.frames.length} frames`);
    }, timeoutMs);
  }
});

// ---------------------------------------------------------------- the same cases against the simulator

describe("real-service cases, run against the simulator", () => {
  let sim: Simulator;
  let target: Target;
  beforeAll(async () => {
    sim = await startSimulator();
    target = {
      ...DEMO_CREDENTIALS,
      consoleEndpointUrl: sim.consoleEndpointUrl,
      ingressEndpointUrl: sim.ingressEndpointUrl,
      missingAvatarId: DEFAULT_MISSING_AVATAR,
    };
  });
  afterAll(() => sim?.close());

  const lastConnection = () => sim.connections[sim.connections.length - 1]!;
  const frameCount = (ms: number) => Math.ceil((ms / 1000) * 25 - 1e-9);

  it("invalid WebSocket credentials → sessionTokenInvalid", async () => {
    const error = await invalidCredentialsCase(target);
    expect(error.httpStatus).toBe(400);
    expect(lastConnection()).toMatchObject({ upgradeStatus: 400, auth: "header" });
  });

  it("valid credentials, missing avatar → avatarNotFound", async () => {
    await missingAvatarCase(target);
    expect(lastConnection()).toMatchObject({ upgradeStatus: 404, avatarId: DEFAULT_MISSING_AVATAR });
  });

  const variants = requestVariants({});
  for (const variant of variants) {
    const skip = "unavailable" in variant ? variant.unavailable : undefined;
    it.skipIf(skip)(titled(`${variant.title} → last frame`, skip), async () => {
      if (!("spec" in variant)) throw new Error("unreachable");
      const spec = variant.spec();
      const outcome = await requestCase(target, spec);
      const request = lastConnection().requests[0]!;
      expect(request).toMatchObject({ reqId: outcome.reqId, ended: true, format: spec.audioFormat });
      expect(request.oggError).toBeUndefined();
      if (!spec.useEncoder) expect(Buffer.from(request.audio).equals(Buffer.from(spec.audio))).toBe(true);
      else expect(Buffer.from(request.audio).equals(Buffer.from(outcome.encoded[0]!.bytes))).toBe(true);
      expect(outcome.frames).toHaveLength(frameCount(request.durationMs));
    });
  }

  it("capabilities, and pause/resume answered by playback states", async () => {
    const { capabilities, states } = await playbackCase(target);
    expect(capabilities).toEqual(["playback_control", "playback_state"]);
    expect(states.map((st) => st.state)).toEqual(lastConnection().statesSent.map((st) => st.name.toLowerCase()));
  });

  it("reads the request configuration like the Python suite", () => {
    const [pcm] = requestVariants({ AVATARKIT_E2E_AUDIO_FORMAT: "pcm_s16le" });
    expect(pcm && "spec" in pcm && pcm.spec()).toMatchObject({ audioFormat: "pcm_s16le", useEncoder: false, sampleRate: 16000, bitrate: 0, chunkSize: 4096, timeoutMs: 45_000 });
    const [encoder] = requestVariants({ AVATARKIT_E2E_AUDIO_FORMAT: "ogg_opus", AVATARKIT_E2E_USE_INTERNAL_OGG_OPUS_ENCODER: "1", AVATARKIT_E2E_BITRATE: "24000" });
    expect(encoder && "spec" in encoder && encoder.spec()).toMatchObject({ audioFormat: "ogg_opus", useEncoder: true, sampleRate: 16000, bitrate: 24000 });
    const [passThrough] = requestVariants({ AVATARKIT_E2E_AUDIO_FORMAT: "ogg_opus" });
    expect(passThrough).toMatchObject({ unavailable: expect.stringContaining("AVATARKIT_E2E_AUDIO_PATH") });
    expect(passThrough?.title).toContain("24000 Hz");
    expect(() => requestVariants({ AVATARKIT_E2E_AUDIO_FORMAT: "mp3" })).toThrow(/pcm_s16le or ogg_opus/);
    expect(() => requestVariants({ AVATARKIT_E2E_TIMEOUT_SECONDS: "soon" })).toThrow(/positive number/);
  });
});
