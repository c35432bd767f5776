/**
 * The state one simulator shares between its console, its ingress and its
 * connections.
 *
 * @module
 */
import type { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import type { FaultQueue } from "./faults";
import type { Noise } from "./frames";
import type { Message, ServerError } from "./gen/message/message_pb";
import type { ResolvedOptions } from "./options";
import type { ConnectionRecord, FrameSent, PlaybackStateRecord, RequestRecord, TokenRequestRecord } from "./records";
import type { RunQueue, Scheduler } from "./scheduler";
import type { TokenStore } from "./tokens";

/**
 * Events of {@link Simulator.events}, by name: what each listener receives.
 * Every event fires after the records it concerns are updated.
 */
export interface SimulatorEvents {
  /** A token request was answered (or, with a `token-hang` fault, will never be). */
  token: [TokenRequestRecord];
  /** An upgrade attempt at the ingress path was answered (or hangs). */
  connection: [ConnectionRecord];
  /** The confirm was sent (its connection id and capabilities are in the record). */
  confirm: [ConnectionRecord];
  /** A client message was decoded (it is also in `received`). */
  message: [Message, ConnectionRecord];
  /** A `ClientInterrupt` arrived, naming this request id. */
  interrupt: [string, ConnectionRecord];
  /** A `ClientPause` arrived, naming this request id. */
  pause: [string, ConnectionRecord];
  /** A `ClientResume` arrived, naming this request id. */
  resume: [string, ConnectionRecord];
  /** An animation frame was sent. */
  frame: [FrameSent];
  /** A `ServerPlaybackState` was sent. */
  state: [PlaybackStateRecord, ConnectionRecord];
  /** A `ServerError` was sent. */
  serverError: [ServerError, ConnectionRecord];
  /**
   * A request is over: all its output was written (its `end=true` frame sent,
   * or in egress mode its playout drained), its audio was refused, or it was
   * interrupted.
   */
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
  /** Every deadline of every session, behind one timer. */
  readonly scheduler: Scheduler;
  /** Sessions with frames to send on the next turn. */
  readonly runQueue: RunQueue;
  /** The source of every frame's undeclared bytes. */
  readonly noise: Noise;
  /** Confirmed, still open sessions per app id. */
  readonly sessionsByApp: Map<string, number>;
}

/** @internal Emits a typed simulator event. */
export function emit<K extends keyof SimulatorEvents>(ctx: SimulatorContext, name: K, ...args: SimulatorEvents[K]): void {
  ctx.events.emit(name, ...args);
}

/** @internal True when someone listens to `name` (so that an event's object is built only then). */
export function listening(ctx: SimulatorContext, name: keyof SimulatorEvents): boolean {
  return ctx.events.listenerCount(name) > 0;
}
