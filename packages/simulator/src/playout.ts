/**
 * The output of one session: which request's frames go out when, pause and
 * resume, interrupts, and the playback states that report them
 * (PROTOCOL.md §8).
 *
 * Over the WebSocket, requests are answered one after the other, each with
 * all its frames, as fast as the socket drains (or one per `frameIntervalMs`).
 * In egress mode the simulated room plays each frame for its real duration
 * (40 ms at 25 fps), and a newer request preempts one still playing.
 *
 * The output has one pause, held by the current request (the most recent
 * one): while it holds, nothing is written; audio is still ingested, and a
 * request that starts meanwhile starts paused. Resuming the current request
 * lifts it; it lifts by itself when the current request's output ends or is
 * interrupted, and after `pauseTimeoutMs` every request it held is
 * interrupted with reason `pause_timeout`.
 *
 * @module
 */
import type { SimulatorContext } from "./context";
import { fillFlame, FLAME_FLOATS } from "./flame";
import { utf8, writeFrame } from "./frames";
import { ServerPlaybackState_State as State } from "./gen/message/message_pb";
import type { InterruptReason } from "./records";
import type { AudioRequest } from "./request";
import { TimerEntry, type Runnable, type TimerOwner } from "./scheduler";

/** What sending a frame came to: sent, sent but the socket is over its high-water mark, or not sent (closed). */
export type SendResult = "sent" | "full" | "closed";

/** @internal What a {@link Playout} needs from its connection. */
export interface PlayoutHost {
  /** Sends one frame and records it. After `full`, {@link Playout.drained} is called once the socket drains. */
  sendFrame(bytes: Uint8Array, request: AudioRequest, index: number, end: boolean, keyframes: boolean): SendResult;
  /** Sends one `ServerPlaybackState` and records it; `about` is the request it reports on. */
  sendState(
    reqId: string,
    state: State,
    playedMs: number,
    reason: "" | InterruptReason,
    answers: "pause" | "resume" | undefined,
    about: AudioRequest | undefined,
  ): void;
  /** A request's output is over (written, refused or interrupted). */
  settle(request: AudioRequest): void;
}

/** Frames one session sends per turn of the event loop before letting others (and incoming messages) run. */
const BATCH = 64;
const PUMP = 0;
const PAUSE = 1;
const EMPTY = new Uint8Array(0);
/** The keyframe being serialized (one at a time: frames are built synchronously). */
const flame = new Float32Array(FLAME_FLOATS);

/** @internal The output state machine of one session. */
export class Playout implements TimerOwner, Runnable {
  /** Managed by the run queue. */
  queued = false;
  readonly #host: PlayoutHost;
  readonly #ctx: SimulatorContext;
  readonly #egress: boolean;
  readonly #legacy: boolean;
  readonly #states: boolean;
  readonly #control: boolean;
  readonly #everyControlFrame: boolean;
  readonly #frameMs: number;
  readonly #intervalMs: number;
  readonly #connectionId: Uint8Array;
  readonly #avatarId: Uint8Array;
  /** Requests whose output is not over, in order (the head is being written). */
  readonly #queue: AudioRequest[] = [];
  readonly #pumpEntry = new TimerEntry(this, PUMP);
  readonly #pauseEntry = new TimerEntry(this, PAUSE);
  /** The most recent request. */
  #current: AudioRequest | undefined;
  /** When the output paused; -1 while it is not paused. */
  #pausedAt = -1;
  /** Over the WebSocket: the earliest time of the next paced frame. In egress mode: when the frame playing ends. */
  #nextAt = 0;
  /** Egress mode, while paused: what was left of the frame playing. */
  #remaining = -1;
  #waitingDrain = false;
  #stopped = false;

  constructor(host: PlayoutHost, ctx: SimulatorContext, egress: boolean, connectionId: string, avatarId: string) {
    const o = ctx.options;
    this.#host = host;
    this.#ctx = ctx;
    this.#egress = egress;
    this.#legacy = o.legacy;
    this.#states = o.playbackState && !o.legacy;
    this.#control = o.playbackControl && !o.legacy;
    this.#everyControlFrame = o.egressControlFrames === "every-frame";
    this.#frameMs = 1000 / o.framesPerSecond;
    this.#intervalMs = o.frameIntervalMs;
    this.#connectionId = utf8(connectionId);
    this.#avatarId = o.legacy ? EMPTY : utf8(avatarId);
  }

  /** True while the output is paused. */
  get paused(): boolean {
    return this.#pausedAt >= 0;
  }

  /** A new request's first chunk arrived: it becomes the current request (in egress mode preempting the one playing). */
  started(request: AudioRequest): void {
    const previous = this.#current;
    this.#current = request;
    if (this.#egress && !this.#legacy && previous && previous.outcome === "active") this.#interrupt(previous, "preempted");
    this.#queue.push(request);
    this.#wake();
  }

  /** More of a request's frames are available, or its total is now known. */
  progressed(): void {
    this.#wake();
  }

  /** A request's audio was refused at its end: its output stops here. */
  refused(request: AudioRequest): void {
    if (request.outcome !== "active") return;
    request.outcome = "refused";
    this.#remove(request);
    if (request.announced) this.#state(request.record.reqId, request, State.ENDED, "", undefined);
    this.#over(request);
  }

  /** A client interrupt: false if the request's output was already over. */
  interrupt(request: AudioRequest): boolean {
    return this.#interrupt(request, "explicit");
  }

  /** A `ClientPause`, answered with the state after it. */
  pause(reqId: string): void {
    if (!this.#control) return;
    const current = this.#current;
    if (current && current.record.reqId === reqId && current.outcome === "active" && !this.paused) {
      const scheduler = this.#ctx.scheduler;
      const now = scheduler.now();
      this.#pausedAt = now;
      const limit = this.#ctx.options.pauseTimeoutMs;
      if (limit > 0) scheduler.schedule(this.#pauseEntry, now + limit);
      if (this.#egress && this.#pumpEntry.scheduled) {
        this.#remaining = Math.max(0, this.#nextAt - now);
        scheduler.cancel(this.#pumpEntry);
      }
    }
    this.#answer(reqId, "pause");
  }

  /** A `ClientResume`, answered with the state after it. */
  resume(reqId: string): void {
    if (!this.#control) return;
    const current = this.#current;
    if (current && current.record.reqId === reqId && current.outcome === "active") {
      this.#unpause();
      current.announced = true; // the answer is its PLAYING
    }
    this.#answer(reqId, "resume");
  }

  /** The socket drained after a `full` send. */
  drained(): void {
    this.#waitingDrain = false;
    this.#wake();
  }

  /** Writes nothing more (the session closed). */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
    this.#ctx.scheduler.cancel(this.#pumpEntry);
    this.#ctx.scheduler.cancel(this.#pauseEntry);
  }

  /** @internal The run queue's turn. */
  run(): void {
    if (this.#egress) this.#startPlayout();
    else this.#pump();
  }

  /** @internal A deadline of this session is due. */
  onTimer(entry: TimerEntry): void {
    if (this.#stopped) return;
    if (entry.slot === PAUSE) this.#pauseTimedOut();
    else if (this.#egress) this.#playTick();
    else this.#pump();
  }

  #wake(): void {
    if (!this.#stopped) this.#ctx.runQueue.add(this);
  }

  /** Over the WebSocket: sends the head request's available frames, a batch per turn. */
  #pump(): void {
    if (this.#waitingDrain || this.paused || this.#stopped) return;
    const interval = this.#intervalMs;
    const scheduler = this.#ctx.scheduler;
    for (let budget = BATCH; ; ) {
      const head = this.#queue[0];
      if (!head || head.written >= head.available) return;
      if (interval > 0) {
        const now = scheduler.now();
        if (now + 0.5 < this.#nextAt) return scheduler.schedule(this.#pumpEntry, this.#nextAt);
        this.#nextAt = now + interval;
      } else if (budget-- === 0) {
        return this.#ctx.runQueue.add(this);
      }
      if (!head.announced) this.#announce(head);
      const index = head.written;
      const end = head.isLast(index);
      const bytes = this.#keyframeFrame(head, index, end);
      this.#wrote(head, index + 1);
      const sent = this.#host.sendFrame(bytes, head, index, end, !this.#legacy);
      if (sent === "closed") return;
      if (end) this.#finish(head);
      if (sent === "full") {
        this.#waitingDrain = true;
        return;
      }
    }
  }

  /** Egress mode: starts playing the head request's next frame, if it has one. */
  #startPlayout(): void {
    if (this.paused || this.#stopped || this.#pumpEntry.scheduled) return;
    const head = this.#queue[0];
    if (!head || head.written >= head.available) return;
    if (!head.announced) this.#announce(head);
    const scheduler = this.#ctx.scheduler;
    this.#nextAt = scheduler.now() + (this.#remaining >= 0 ? this.#remaining : this.#frameMs);
    this.#remaining = -1;
    scheduler.schedule(this.#pumpEntry, this.#nextAt);
  }

  /** Egress mode: a frame finished playing. */
  #playTick(): void {
    const head = this.#queue[0];
    if (!head || this.paused) return;
    this.#wrote(head, head.written + 1);
    const end = head.written === head.total;
    if (!this.#legacy && (end || this.#everyControlFrame)) {
      const bytes = writeFrame(this.#connectionId, head.reqIdBytes, end, undefined, this.#avatarId, undefined);
      if (this.#host.sendFrame(bytes, head, head.record.framesSent, end, false) === "closed") return;
    }
    if (end) return this.#finish(head);
    if (head.written < head.available) {
      this.#nextAt += this.#frameMs;
      this.#ctx.scheduler.schedule(this.#pumpEntry, this.#nextAt);
    }
    // Otherwise the room waits for audio; progressed() starts the next frame.
  }

  #keyframeFrame(request: AudioRequest, index: number, end: boolean): Uint8Array {
    if (this.#legacy) return writeFrame(this.#connectionId, request.reqIdBytes, end, undefined, EMPTY, this.#ctx.noise);
    fillFlame(flame, request.jaw(index), index);
    return writeFrame(this.#connectionId, request.reqIdBytes, end, flame, this.#avatarId, this.#ctx.noise);
  }

  #wrote(request: AudioRequest, written: number): void {
    request.written = written;
    request.record.playedMs = this.#played(request);
  }

  #played(request: AudioRequest): number {
    return Math.round(request.written * this.#frameMs);
  }

  #announce(request: AudioRequest): void {
    request.announced = true;
    this.#state(request.record.reqId, request, State.PLAYING, "", undefined);
  }

  /** All of the head request's output was written. */
  #finish(request: AudioRequest): void {
    request.outcome = "ended";
    this.#remove(request);
    this.#state(request.record.reqId, request, State.ENDED, "", undefined);
    this.#over(request);
  }

  #interrupt(request: AudioRequest, reason: InterruptReason): boolean {
    if (request.outcome !== "active") return false;
    request.outcome = "interrupted";
    request.record.interrupted = true;
    request.record.interruptReason = reason;
    this.#remove(request);
    this.#state(request.record.reqId, request, State.INTERRUPTED, reason, undefined);
    this.#over(request);
    return true;
  }

  /** A request's output is over: the pause it held lifts, the next request may go. */
  #over(request: AudioRequest): void {
    if (request === this.#current) this.#unpause();
    this.#host.settle(request);
    this.#wake();
  }

  #remove(request: AudioRequest): void {
    const i = this.#queue.indexOf(request);
    if (i < 0) return;
    this.#queue.splice(i, 1);
    if (i === 0 && this.#egress) {
      this.#ctx.scheduler.cancel(this.#pumpEntry);
      this.#remaining = -1;
    }
  }

  #unpause(): void {
    if (!this.paused) return;
    this.#pausedAt = -1;
    this.#ctx.scheduler.cancel(this.#pauseEntry);
    this.#wake();
  }

  #pauseTimedOut(): void {
    if (!this.paused) return;
    this.#pausedAt = -1;
    this.#remaining = -1;
    for (const request of [...this.#queue]) this.#interrupt(request, "pause_timeout");
  }

  /** Answers a pause or resume with the current request's state after it. */
  #answer(reqId: string, answers: "pause" | "resume"): void {
    const current = this.#current;
    let state: State;
    let reason: "" | InterruptReason = "";
    if (!current) state = State.ENDED;
    else if (current.outcome === "interrupted") {
      state = State.INTERRUPTED;
      reason = current.record.interruptReason ?? "explicit";
    } else if (current.outcome !== "active") state = State.ENDED;
    else state = this.paused ? State.PAUSED : State.PLAYING;
    this.#state(reqId, current, state, reason, answers);
  }

  #state(reqId: string, about: AudioRequest | undefined, state: State, reason: "" | InterruptReason, answers: "pause" | "resume" | undefined): void {
    if (!this.#states) return;
    this.#host.sendState(reqId, state, about ? this.#played(about) : 0, reason, answers, about);
  }
}

