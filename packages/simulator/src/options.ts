/**
 * Simulator options, their defaults, and the demo credentials.
 *
 * @module
 */
import { isIP } from "node:net";

/** The app, API key and avatar a default simulator knows. */
export const DEMO_CREDENTIALS = { apiKey: "demo-api-key", appId: "demo-app", avatarId: "demo-avatar" } as const;

/** An app the console and the ingress recognize. */
export interface SimulatorApp {
  /** The app id. */
  appId: string;
  /** The API key that mints tokens for it. */
  apiKey: string;
}

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Loopback address to listen on (default `127.0.0.1`); other addresses are refused. */
  host?: string;
  /** Known apps (default: the demo app). */
  apps?: Array<{ appId: string; apiKey: string }>;
  /** Known avatar ids (default: `["demo-avatar"]`). */
  avatars?: string[];
  /** Close a session after this long without audio input (default 60 000; 0 disables). */
  idleTimeoutMs?: number;
  /** Pause between animation frames (default 0: as fast as the event loop allows). */
  frameIntervalMs?: number;
  /** Animation frames per second of audio (default 25). */
  framesPerSecond?: number;
  /** Longest token lifetime the console grants (default 24 h). */
  maxTokenTtlSeconds?: number;
  /**
   * Keep at most this many connection records and as many token records,
   * dropping the oldest finished ones (default: keep all, as tests want). A
   * long-running simulator should set it: records hold every byte received
   * and sent.
   */
  maxRecords?: number;
  /**
   * Behave like a server of the reference SDK 0.1.7's era (PROTOCOL.md §8:
   * an old server never sends the additions): no capabilities in the
   * confirm, no playback states, pause and resume ignored, frames without
   * `animation` and `avatar_id` (the undeclared bytes still inside), no
   * control frames in egress mode, and failures reported with gRPC-style
   * codes and text instead of close codes. Default false.
   */
  legacy?: boolean;
  /**
   * What the confirm lists (default `["playback_control", "playback_state"]`;
   * none in legacy mode). Without `playback_control` pause and resume are
   * ignored; without `playback_state` no playback state is sent.
   */
  capabilities?: string[];
  /** A pause held this long interrupts the request with reason `pause_timeout` (default 30 000; 0 never). */
  pauseTimeoutMs?: number;
  /**
   * Open sessions one app may hold; the next handshake is refused with close
   * code 4003 (default: no limit).
   */
  maxConcurrentSessionsPerApp?: number;
  /**
   * LiveKit `api_token`s and Agora `token`s the room refuses: a configure
   * message carrying one is answered with `ServerError` code 16
   * `failed to connect to room: invalid token`, then a close.
   */
  refusedEgressTokens?: string[];
  /** The token reply's field: `sessionToken` (the console's, default) or `session_token`. */
  sessionTokenField?: "sessionToken" | "session_token";
  /**
   * Keyframe-less control frames in egress mode: `end` (default) sends one
   * `end=true` frame per request when its playout has drained; `every-frame`
   * sends one per frame played out (40 ms at 25 fps), the last with `end=true`.
   */
  egressControlFrames?: "end" | "every-frame";
}

/** Capabilities a current server lists in its confirm. */
export const CURRENT_CAPABILITIES = ["playback_control", "playback_state"] as const;

/** @internal Options with every default applied. */
export interface ResolvedOptions {
  readonly port: number;
  readonly host: string;
  /** API key → app id. */
  readonly appsByKey: ReadonlyMap<string, string>;
  readonly appIds: ReadonlySet<string>;
  readonly avatars: ReadonlySet<string>;
  readonly idleTimeoutMs: number;
  readonly frameIntervalMs: number;
  readonly framesPerSecond: number;
  readonly maxTokenTtlSeconds: number;
  readonly maxRecords: number;
  readonly legacy: boolean;
  readonly capabilities: readonly string[];
  /** The confirm lists `playback_control`. */
  readonly playbackControl: boolean;
  /** The confirm lists `playback_state`. */
  readonly playbackState: boolean;
  readonly pauseTimeoutMs: number;
  readonly maxConcurrentSessionsPerApp: number;
  readonly refusedEgressTokens: ReadonlySet<string>;
  readonly sessionTokenField: "sessionToken" | "session_token";
  readonly egressControlFrames: "end" | "every-frame";
}

const DEFAULTS = {
  port: 0,
  host: "127.0.0.1",
  idleTimeoutMs: 60_000,
  frameIntervalMs: 0,
  framesPerSecond: 25,
  maxTokenTtlSeconds: 24 * 3600,
  maxRecords: Number.POSITIVE_INFINITY,
  legacy: false,
  pauseTimeoutMs: 30_000,
  maxConcurrentSessionsPerApp: Number.POSITIVE_INFINITY,
  sessionTokenField: "sessionToken",
  egressControlFrames: "end",
} as const;

/** True for `localhost` and the IPv4/IPv6 loopback addresses. */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

/** @internal Applies defaults and checks every option; throws a `TypeError` on a bad one. */
export function resolveOptions(options: SimulatorOptions = {}): ResolvedOptions {
  const o = { ...DEFAULTS, ...withoutUndefined(options) };
  if (!isLoopback(o.host)) throw new TypeError(`The simulator listens on loopback only; got host "${o.host}"`);
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new TypeError(`Invalid port: ${o.port}`);
  for (const [name, value] of [
    ["idleTimeoutMs", o.idleTimeoutMs],
    ["frameIntervalMs", o.frameIntervalMs],
    ["pauseTimeoutMs", o.pauseTimeoutMs],
  ] as const) {
    if (!(value >= 0)) throw new TypeError(`${name} must be >= 0`);
  }
  if (!(o.framesPerSecond > 0)) throw new TypeError("framesPerSecond must be > 0");
  if (!(o.maxTokenTtlSeconds > 0)) throw new TypeError("maxTokenTtlSeconds must be > 0");
  if (!(o.maxRecords >= 1)) throw new TypeError("maxRecords must be >= 1");
  const limit = o.maxConcurrentSessionsPerApp;
  if (!(limit === Number.POSITIVE_INFINITY || (Number.isInteger(limit) && limit >= 1))) {
    throw new TypeError("maxConcurrentSessionsPerApp must be a positive integer");
  }
  if (o.sessionTokenField !== "sessionToken" && o.sessionTokenField !== "session_token") {
    throw new TypeError('sessionTokenField must be "sessionToken" or "session_token"');
  }
  if (o.egressControlFrames !== "end" && o.egressControlFrames !== "every-frame") {
    throw new TypeError('egressControlFrames must be "end" or "every-frame"');
  }
  if (o.legacy && options.capabilities?.length) throw new TypeError("a legacy simulator lists no capabilities");
  const capabilities = options.capabilities ?? (o.legacy ? [] : [...CURRENT_CAPABILITIES]);
  const apps = options.apps ?? [{ appId: DEMO_CREDENTIALS.appId, apiKey: DEMO_CREDENTIALS.apiKey }];
  return {
    port: o.port,
    host: o.host,
    appsByKey: new Map(apps.map((a) => [a.apiKey, a.appId])),
    appIds: new Set(apps.map((a) => a.appId)),
    avatars: new Set(options.avatars ?? [DEMO_CREDENTIALS.avatarId]),
    idleTimeoutMs: o.idleTimeoutMs,
    frameIntervalMs: o.frameIntervalMs,
    framesPerSecond: o.framesPerSecond,
    maxTokenTtlSeconds: o.maxTokenTtlSeconds,
    maxRecords: o.maxRecords,
    legacy: Boolean(o.legacy),
    capabilities,
    playbackControl: capabilities.includes("playback_control"),
    playbackState: capabilities.includes("playback_state"),
    pauseTimeoutMs: o.pauseTimeoutMs,
    maxConcurrentSessionsPerApp: limit,
    refusedEgressTokens: new Set(options.refusedEgressTokens ?? []),
    sessionTokenField: o.sessionTokenField,
    egressControlFrames: o.egressControlFrames,
  };
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
