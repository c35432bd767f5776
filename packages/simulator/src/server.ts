/**
 * The simulator: one loopback HTTP server carrying the console and the
 * ingress.
 *
 * @module
 */
import { EventEmitter } from "node:events";
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { WebSocketServer } from "ws";
import { CONSOLE_PATH, handleConsoleRequest } from "./console";
import type { SimulatorContext, SimulatorEvents } from "./context";
import { FaultQueue, type Fault, type InjectOptions } from "./faults";
import { Noise } from "./frames";
import { handleUpgrade, INGRESS_PATH } from "./ingress";
import { resolveOptions, type SimulatorOptions } from "./options";
import type { ConnectionRecord, TokenRequestRecord } from "./records";
import { RunQueue, Scheduler } from "./scheduler";
import { TokenStore } from "./tokens";

/** Options of {@link Simulator.waitFor}. */
export interface WaitForOptions {
  /** Reject after this long (default 5000 ms). */
  timeoutMs?: number;
}

/** A running simulator. */
export interface Simulator {
  /** The port it listens on. */
  readonly port: number;
  /** Console URL to configure the SDK with, e.g. `http://127.0.0.1:4000/v1/console`. */
  readonly consoleEndpointUrl: string;
  /** Ingress URL to configure the SDK with, e.g. `ws://127.0.0.1:4000/v2/driveningress`. */
  readonly ingressEndpointUrl: string;
  /** Every token request, in arrival order. */
  readonly tokenRequests: TokenRequestRecord[];
  /** One record per upgrade attempt at the ingress path, in arrival order. */
  readonly connections: ConnectionRecord[];
  /**
   * Emits, among others, `token`, `connection`, `confirm`, `message`,
   * `frame`, `state`, `serverError`, `interrupt`, `pause`, `resume`,
   * `request` and `close`. See {@link SimulatorEvents} for what each carries.
   */
  readonly events: EventEmitter;
  /**
   * Resolves with the arguments of the next `name` event for which `match`
   * (default: any) returns true; rejects after `timeoutMs`. Call it before
   * the action that causes the event.
   */
  waitFor<K extends keyof SimulatorEvents>(
    name: K,
    match?: (...args: SimulatorEvents[K]) => boolean,
    options?: WaitForOptions,
  ): Promise<SimulatorEvents[K]>;
  /** Makes the next `times` (default 1) matching token requests or connections commit `fault`. */
  inject(fault: Fault, options?: InjectOptions): void;
  /** Forgets every fault not yet taken. */
  clearFaults(): void;
  /** Mints a session token without going through the console. */
  mintToken(appId: string, expireAt: Date): string;
  /** Terminates every connection and closes the server. */
  close(): Promise<void>;
}

/** Starts a simulator; resolves once it listens. */
export async function startSimulator(options?: SimulatorOptions): Promise<Simulator> {
  const resolved = resolveOptions(options);
  const ctx: SimulatorContext = {
    options: resolved,
    tokens: new TokenStore(),
    faults: new FaultQueue(),
    tokenRequests: [],
    connections: [],
    events: new EventEmitter(),
    live: new Set(),
    hanging: new Set(),
    scheduler: new Scheduler(),
    runQueue: new RunQueue(),
    noise: new Noise(),
    sessionsByApp: new Map(),
  };
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
  const sockets = new Set<Socket>();
  const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => handleConsoleRequest(req, res, ctx));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (req, socket, head) => handleUpgrade(req, socket, head, ctx, wss));
  server.on("clientError", (_error, socket) => socket.destroy());

  await listen(server, resolved.port, resolved.host);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : resolved.port;
  const origin = `${hostForUrl(resolved.host)}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    port,
    consoleEndpointUrl: `http://${origin}${CONSOLE_PATH}`,
    ingressEndpointUrl: `ws://${origin}${INGRESS_PATH}`,
    tokenRequests: ctx.tokenRequests,
    connections: ctx.connections,
    events: ctx.events,
    waitFor: (name, match, waitOptions) => waitFor(ctx.events, name, match, waitOptions?.timeoutMs ?? 5000),
    inject: (fault, injectOptions) => ctx.faults.add(fault, injectOptions?.times),
    clearFaults: () => ctx.faults.clear(),
    mintToken: (appId, expireAt) => ctx.tokens.mint(appId, expireAt.getTime()),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const connection of [...ctx.live]) connection.terminate();
        for (const socket of [...ctx.hanging, ...sockets]) socket.destroy();
        ctx.scheduler.close();
        ctx.runQueue.close();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

function waitFor<K extends keyof SimulatorEvents>(
  events: EventEmitter,
  name: K,
  match: ((...args: SimulatorEvents[K]) => boolean) | undefined,
  timeoutMs: number,
): Promise<SimulatorEvents[K]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: SimulatorEvents[K]): void => {
      if (match && !match(...args)) return;
      clearTimeout(timer);
      events.off(name, listener as (...a: unknown[]) => void);
      resolve(args);
    };
    const timer = setTimeout(() => {
      events.off(name, listener as (...a: unknown[]) => void);
      reject(new Error(`no matching "${name}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    events.on(name, listener as (...a: unknown[]) => void);
  });
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, backlog: 1024 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The host as it appears in a URL (IPv6 in brackets). */
function hostForUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
