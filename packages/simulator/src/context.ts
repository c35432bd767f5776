/**
 * The state one simulator shares between its console, its ingress and its
 * connections.
 *
 * @module
 */
import type { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import type { FaultQueue } from "./faults";
import type { ResolvedOptions } from "./options";
import type { ConnectionRecord, RequestRecord, TokenRequestRecord } from "./records";
import type { TokenStore } from "./tokens";

/**
 * Events of {@link Simulator.events}, by name: what each listener receives.
 */
export interface SimulatorEvents {
  /** A token request was answered (or, with a `token-hang` fault, will never be). */
  token: [TokenRequestRecord];
  /** An upgrade attempt at the ingress path was answered (or hangs). */
  connection: [ConnectionRecord];
  /** A request ended and all its frames were sent, or it was interrupted. */
  request: [RequestRecord, ConnectionRecord];
  /** A session's WebSocket closed. */
  close: [ConnectionRecord];
}

/** @internal Something the simulator must end when it closes. */
export interface Terminable {
  terminate(): void;
}

/** @internal Shared state of one simulator. */
export interface SimulatorContext {
  readonly options: ResolvedOptions;
  readonly tokens: TokenStore;
  readonly faults: FaultQueue;
  readonly tokenRequests: TokenRequestRecord[];
  readonly connections: ConnectionRecord[];
  readonly events: EventEmitter;
  /** Open sessions. */
  readonly live: Set<Terminable>;
  /** Upgrade sockets left unanswered on purpose. */
  readonly hanging: Set<Duplex>;
}

/** @internal Emits a typed simulator event. */
export function emit<K extends keyof SimulatorEvents>(ctx: SimulatorContext, name: K, ...args: SimulatorEvents[K]): void {
  ctx.events.emit(name, ...args);
}
