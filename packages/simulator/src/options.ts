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
}

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
}

const DEFAULTS = {
  port: 0,
  host: "127.0.0.1",
  idleTimeoutMs: 60_000,
  frameIntervalMs: 0,
  framesPerSecond: 25,
  maxTokenTtlSeconds: 24 * 3600,
  maxRecords: Number.POSITIVE_INFINITY,
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
  ] as const) {
    if (!(value >= 0)) throw new TypeError(`${name} must be >= 0`);
  }
  if (!(o.framesPerSecond > 0)) throw new TypeError("framesPerSecond must be > 0");
  if (!(o.maxTokenTtlSeconds > 0)) throw new TypeError("maxTokenTtlSeconds must be > 0");
  if (!(o.maxRecords >= 1)) throw new TypeError("maxRecords must be >= 1");
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
  };
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
