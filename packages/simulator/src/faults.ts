/**
 * Named faults: how a test makes the simulator misbehave on purpose.
 *
 * A test injects faults into a queue; the next token request or connection
 * that matches takes them. A connection's faults become a {@link FaultPlan}
 * that the connection consults at fixed points (the upgrade, the confirm, the
 * first audio chunk, a request's end) and that executes each fault through
 * the small {@link FaultTarget} interface.
 *
 * @module
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { CloseCode, MessageSchema, type MessageType } from "./gen/message/message_pb";
import type { ServiceCloseCode } from "./wording";

/** When a session fault fires: right after the confirm, on the first audio chunk, or on the first request's end. */
export type FaultTrigger = "confirm" | "audio" | "end";

/**
 * The named faults of the current service's close codes (PROTOCOL.md §8), and
 * the code each reports: a `ServerError` with the code, then a close with it.
 */
export const CLOSE_CODE_FAULTS = {
  "credits-exhausted": CloseCode.CREDITS_EXHAUSTED,
  "session-timeout": CloseCode.SESSION_TIMEOUT,
  "concurrency-limit": CloseCode.CONCURRENCY_LIMIT,
  "auth-failed": CloseCode.AUTH_FAILED,
  "upstream-unavailable": CloseCode.UPSTREAM_UNAVAILABLE,
} as const satisfies Record<string, ServiceCloseCode>;

/** The name of a close-code fault. */
export type CloseCodeFaultType = keyof typeof CLOSE_CODE_FAULTS;

/**
 * A close-code fault: at the handshake (instead of the confirm) or at a
 * trigger, a `ServerError` whose code is the close code, then a WebSocket
 * close with the same code; `bare` closes with the code and sends no
 * `ServerError`. The text is the service's unless `message` is given. A
 * legacy simulator reports the same failure with a gRPC-style code and text
 * instead, then closes 1008 (handshake) or 1011 (in session).
 */
export interface CloseCodeFault {
  /** Which close code. */
  type: CloseCodeFaultType;
  /** `handshake`: instead of the confirm; otherwise at this trigger. */
  after: "handshake" | FaultTrigger;
  /** Close with the code and send no `ServerError` (default false). */
  bare?: boolean;
  /** The `ServerError` text and close reason, instead of the service's. */
  message?: string;
}

/** A fault the simulator can be told to commit. */
export type Fault =
  /** The console answers the token request with this status and body. */
  | { type: "token-response"; status: number; body: string; contentType?: string }
  /** The console never answers the token request. */
  | { type: "token-hang" }
  /** The upgrade is answered with this raw HTTP response. */
  | { type: "refuse-upgrade"; status: number; body: string; contentType?: string }
  /** The upgrade is never answered. */
  | { type: "hang-upgrade" }
  /** A `ServerError` instead of the confirm, then close 1008. */
  | { type: "reject-handshake"; code: number; message: string }
  /** The confirm is never sent. */
  | { type: "withhold-confirm" }
  /** The confirm is sent `ms` late. */
  | { type: "delay-confirm"; ms: number }
  /** The confirm carries an empty connection id. */
  | { type: "empty-connection-id" }
  /** A runtime `ServerError`, optionally followed by a close. */
  | { type: "runtime-error"; after: FaultTrigger; code: number; message: string; close?: { code: number; reason: string } }
  /** A close frame with this code and reason. */
  | { type: "close"; after: FaultTrigger; code: number; reason: string }
  /** The TCP socket is destroyed without a close frame. */
  | { type: "drop"; after: FaultTrigger | "upgrade" }
  /** An undecodable binary frame, then the session carries on. */
  | { type: "garbage-frame"; after: FaultTrigger; data?: Uint8Array }
  /** A text frame, then the session carries on. */
  | { type: "text-frame"; after: FaultTrigger; text?: string }
  /** A valid `Message` of type 99 with no payload, then the session carries on. */
  | { type: "unknown-message"; after: FaultTrigger }
  /** The server stops reading, so the client's send buffer fills. */
  | { type: "stop-reading"; after: FaultTrigger }
  /** A close code (4001, 4002, 4003, 4010, 4503): see {@link CloseCodeFault}. */
  | CloseCodeFault;

/** Options of {@link Simulator.inject}. */
export interface InjectOptions {
  /** How many matching token requests or connections take the fault (default 1). */
  times?: number;
}

/** Faults that apply to a token request. */
export type TokenFault = Extract<Fault, { type: "token-response" | "token-hang" }>;
/** Faults that replace the answer to an upgrade. */
export type UpgradeFault = Extract<Fault, { type: "refuse-upgrade" | "hang-upgrade" }>;
/** Faults that apply to an upgraded session. */
export type SessionFault = Exclude<Fault, TokenFault | UpgradeFault>;
/** Session faults that fire at a trigger. */
export type TriggeredFault = Extract<SessionFault, { after: unknown }>;

const isCloseCodeFault = (f: Fault): f is CloseCodeFault => Object.hasOwn(CLOSE_CODE_FAULTS, f.type);

const FAULT_TYPES: ReadonlySet<string> = new Set<Fault["type"]>([
  "token-response",
  "token-hang",
  "refuse-upgrade",
  "hang-upgrade",
  "reject-handshake",
  "withhold-confirm",
  "delay-confirm",
  "empty-connection-id",
  "runtime-error",
  "close",
  "drop",
  "garbage-frame",
  "text-frame",
  "unknown-message",
  "stop-reading",
  ...(Object.keys(CLOSE_CODE_FAULTS) as CloseCodeFaultType[]),
]);
const TRIGGERS: ReadonlySet<string> = new Set<FaultTrigger>(["confirm", "audio", "end"]);
const TOKEN_TYPES: ReadonlySet<Fault["type"]> = new Set(["token-response", "token-hang"]);
const UPGRADE_TYPES: ReadonlySet<Fault["type"]> = new Set(["refuse-upgrade", "hang-upgrade"]);

const isTokenFault = (f: Fault): f is TokenFault => TOKEN_TYPES.has(f.type);
const isUpgradeFault = (f: Fault): f is UpgradeFault => UPGRADE_TYPES.has(f.type);
const isSessionFault = (f: Fault): f is SessionFault => !isTokenFault(f) && !isUpgradeFault(f);

/** @internal True for a close code `ws` may send (as RFC 6455 allows). */
export function isSendableCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/** Throws a `TypeError` when a fault could not be committed as described. */
function assertValid(fault: Fault): void {
  const fail = (why: string): never => {
    throw new TypeError(`Invalid ${fault.type} fault: ${why}`);
  };
  if (!FAULT_TYPES.has(fault.type)) fail("unknown fault type");
  if (
    "after" in fault &&
    !TRIGGERS.has(fault.after) &&
    !(fault.type === "drop" && fault.after === "upgrade") &&
    !(isCloseCodeFault(fault) && fault.after === "handshake")
  ) {
    fail(`unknown trigger "${String(fault.after)}"`);
  }
  switch (fault.type) {
    case "token-response":
    case "refuse-upgrade":
      if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599) fail("status must be 200..599");
      if (fault.type === "refuse-upgrade" && fault.status === 101) fail("status must not be 101");
      break;
    case "delay-confirm":
      if (!(fault.ms >= 0)) fail("ms must be >= 0");
      break;
    case "close":
      if (!isSendableCloseCode(fault.code)) fail(`close code ${fault.code} cannot be sent (use a drop fault for 1006)`);
      break;
    case "runtime-error":
      if (fault.close && !isSendableCloseCode(fault.close.code)) fail(`close code ${fault.close.code} cannot be sent`);
      break;
    default:
      break;
  }
  if ("reason" in fault && Buffer.byteLength(fault.reason) > 123) fail("close reason is over 123 bytes");
}

interface Pending {
  readonly fault: Fault;
  remaining: number;
}

/** @internal Injected faults waiting for the token requests and connections they match. */
export class FaultQueue {
  #pending: Pending[] = [];

  /** Queues `fault` for the next `times` matching token requests or connections. */
  add(fault: Fault, times = 1): void {
    if (!Number.isInteger(times) || times < 1) throw new TypeError("times must be a positive integer");
    assertValid(fault);
    this.#pending.push({ fault, remaining: times });
  }

  /** Forgets every queued fault. */
  clear(): void {
    this.#pending = [];
  }

  /** The fault a token request takes: the oldest queued token fault. */
  takeToken(): TokenFault | undefined {
    return this.#takeFirst(isTokenFault);
  }

  /** The fault an upgrade attempt takes: the oldest queued upgrade fault. */
  takeUpgrade(): UpgradeFault | undefined {
    return this.#takeFirst(isUpgradeFault);
  }

  /** The faults an upgraded connection takes: one use of every queued session fault. */
  takeSession(): FaultPlan {
    const taken: SessionFault[] = [];
    for (const entry of this.#pending) if (isSessionFault(entry.fault)) taken.push(this.#use(entry) as SessionFault);
    this.#prune();
    return new FaultPlan(taken);
  }

  #takeFirst<T extends Fault>(match: (f: Fault) => f is T): T | undefined {
    const entry = this.#pending.find((e) => match(e.fault));
    if (!entry) return undefined;
    const fault = this.#use(entry) as T;
    this.#prune();
    return fault;
  }

  #use(entry: Pending): Fault {
    entry.remaining -= 1;
    return entry.fault;
  }

  #prune(): void {
    this.#pending = this.#pending.filter((e) => e.remaining > 0);
  }
}

/** What a connection does instead of a plain confirm. */
export interface ConfirmPlan {
  /** Send this `ServerError` instead of the confirm, then close 1008. */
  reject?: { code: number; message: string };
  /** Report this close code instead of the confirm. */
  closeCode?: { code: ServiceCloseCode; bare: boolean; message?: string };
  /** Never send the confirm. */
  withhold: boolean;
  /** Send the confirm this late. */
  delayMs: number;
  /** Send an empty connection id. */
  emptyId: boolean;
}

/** @internal What a faulty connection can be made to do. */
export interface FaultTarget {
  /** Sends a runtime `ServerError` (about the current request, if any). */
  sendError(code: number, message: string): void;
  /** Closes with a close frame. */
  close(code: number, reason: string): void;
  /** Reports a close code the way the server does (a `ServerError` then the close, or a bare close). */
  closeWithCode(code: ServiceCloseCode, bare: boolean, message: string | undefined): void;
  /** Destroys the socket without a close frame. */
  drop(): void;
  /** Sends a raw WebSocket frame. */
  sendRaw(data: Uint8Array | string): void;
  /** Stops reading from the socket. */
  stopReading(): void;
}

/** Bytes that no `Message` decoder accepts: a varint longer than 10 bytes. */
const GARBAGE = Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);

/** A valid `Message` of a type no client knows (99), with no payload. */
const unknownMessage = (): Uint8Array =>
  toBinary(MessageSchema, create(MessageSchema, { type: 99 as MessageType }));

/** @internal The faults one connection took, consulted at fixed points of its life. */
export class FaultPlan {
  readonly #faults: readonly SessionFault[];
  readonly #fired = new Set<FaultTrigger>();

  constructor(faults: readonly SessionFault[]) {
    this.#faults = faults;
  }

  /** True when the socket must be destroyed right after the 101. */
  get dropOnUpgrade(): boolean {
    return this.#faults.some((f) => f.type === "drop" && f.after === "upgrade");
  }

  /** How to answer a valid configure message. */
  confirm(): ConfirmPlan {
    const plan: ConfirmPlan = { withhold: false, delayMs: 0, emptyId: false };
    for (const f of this.#faults) {
      if (f.type === "reject-handshake") plan.reject ??= { code: f.code, message: f.message };
      else if (f.type === "withhold-confirm") plan.withhold = true;
      else if (f.type === "delay-confirm") plan.delayMs = Math.max(plan.delayMs, f.ms);
      else if (f.type === "empty-connection-id") plan.emptyId = true;
      else if (isCloseCodeFault(f) && f.after === "handshake" && !plan.closeCode) {
        plan.closeCode = { code: CLOSE_CODE_FAULTS[f.type], bare: f.bare ?? false, message: f.message };
      }
    }
    return plan;
  }

  /** Commits, once per connection, every fault waiting for `trigger`. */
  fire(trigger: FaultTrigger, target: FaultTarget): void {
    if (this.#fired.has(trigger)) return;
    this.#fired.add(trigger);
    for (const f of this.#faults) {
      if ("after" in f && f.after === trigger) commit(f as TriggeredFault, target);
    }
  }
}

/** Executes one triggered fault. */
function commit(fault: TriggeredFault, target: FaultTarget): void {
  switch (fault.type) {
    case "runtime-error":
      target.sendError(fault.code, fault.message);
      if (fault.close) target.close(fault.close.code, fault.close.reason);
      return;
    case "close":
      target.close(fault.code, fault.reason);
      return;
    case "drop":
      target.drop();
      return;
    case "garbage-frame":
      target.sendRaw(fault.data ?? GARBAGE);
      return;
    case "text-frame":
      target.sendRaw(fault.text ?? "unexpected text frame");
      return;
    case "unknown-message":
      target.sendRaw(unknownMessage());
      return;
    case "stop-reading":
      target.stopReading();
      return;
    default:
      target.closeWithCode(CLOSE_CODE_FAULTS[fault.type], fault.bare ?? false, fault.message);
      return;
  }
}
