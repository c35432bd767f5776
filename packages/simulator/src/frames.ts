/**
 * Animation frames: building their bytes and pacing them out.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { MessageSchema, MessageType, ServerResponseAnimationSchema } from "./gen/message/message_pb";
import type { AudioRequest } from "./request";

/** Field number of the undeclared payload appended to every frame. */
export const EXTRA_FIELD_NUMBER = 15;
const EXTRA_TAG = (EXTRA_FIELD_NUMBER << 3) | 2;
const EXTRA_MIN = 32;
const EXTRA_MAX = 200;

/** @internal A small xorshift generator: cheap bytes that differ from frame to frame. */
export class Noise {
  #state: number;

  constructor(seed = randomBytes(4).readUInt32LE(0)) {
    this.#state = seed >>> 0 || 0x9e3779b9;
  }

  /** The next 32 pseudo-random bits. */
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state;
  }
}

/** Serializes `Message{type=5, server_response_animation{connection_id, req_id, end}}`. */
export function encodeAnimation(connectionId: string, reqId: string, end: boolean): Uint8Array {
  return toBinary(
    MessageSchema,
    create(MessageSchema, {
      type: MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION,
      data: { case: "serverResponseAnimation", value: create(ServerResponseAnimationSchema, { connectionId, reqId, end }) },
    }),
  );
}

/**
 * Appends to a serialized animation message a length-delimited field the
 * schema does not declare (field 15, 32–200 pseudo-random bytes): the live
 * service's frames carry renderer data the schema does not describe.
 */
export function withExtraField(declared: Uint8Array, noise: Noise): Uint8Array {
  const extra = EXTRA_MIN + (noise.next() % (EXTRA_MAX - EXTRA_MIN + 1));
  const lengthBytes = extra < 128 ? 1 : 2;
  const frame = new Uint8Array(declared.length + 1 + lengthBytes + extra);
  frame.set(declared);
  let at = declared.length;
  frame[at++] = EXTRA_TAG;
  if (lengthBytes === 1) frame[at++] = extra;
  else {
    frame[at++] = (extra & 0x7f) | 0x80;
    frame[at++] = extra >>> 7;
  }
  for (; at < frame.length; at += 4) {
    const bits = noise.next();
    for (let b = 0; b < 4 && at + b < frame.length; b++) frame[at + b] = (bits >>> (b * 8)) & 0xff;
  }
  return frame;
}

/** One complete animation frame, as the live service would send it. */
export function buildFrame(connectionId: string, reqId: string, end: boolean, noise: Noise): Uint8Array {
  return withExtraField(encodeAnimation(connectionId, reqId, end), noise);
}

/** @internal What a {@link FramePump} needs from its connection. */
export interface FrameSink {
  /** The connection id frames carry. */
  connectionId(): string;
  /** Sends one frame of `request`; a returned promise means "wait before sending more". */
  send(frame: Uint8Array, request: AudioRequest): Promise<void> | undefined;
  /** A request's frames are all sent, or it was interrupted. */
  finished(request: AudioRequest): void;
}

/**
 * @internal Sends each ended request's frames in order, one request after the
 * other, yielding to the event loop between frames so an interrupt can land.
 */
export class FramePump {
  readonly #sink: FrameSink;
  readonly #intervalMs: number;
  readonly #noise = new Noise();
  readonly #queue: Array<{ request: AudioRequest; count: number }> = [];
  #running = false;
  #stopped = false;
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  #wake: (() => void) | undefined;

  constructor(sink: FrameSink, intervalMs: number) {
    this.#sink = sink;
    this.#intervalMs = intervalMs;
  }

  /** Queues `count` frames for an ended request. */
  enqueue(request: AudioRequest, count: number): void {
    if (this.#stopped) return;
    this.#queue.push({ request, count });
    if (!this.#running) void this.#run();
  }

  /** Sends nothing more. */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
    if (this.#timer) {
      clearTimeout(this.#timer as NodeJS.Timeout);
      clearImmediate(this.#timer as NodeJS.Immediate);
    }
    this.#wake?.();
  }

  async #run(): Promise<void> {
    this.#running = true;
    let first = true;
    for (let job = this.#queue[0]; job && !this.#stopped; job = this.#queue[0]) {
      const { request, count } = job;
      const connectionId = this.#sink.connectionId();
      const middle = encodeAnimation(connectionId, request.record.reqId, false);
      const last = encodeAnimation(connectionId, request.record.reqId, true);
      for (let i = 0; i < count; i++) {
        if (!first) await this.#pause();
        first = false;
        if (this.#stopped || request.record.interrupted) break;
        const frame = withExtraField(i === count - 1 ? last : middle, this.#noise);
        const backpressure = this.#sink.send(frame, request);
        if (backpressure) await backpressure;
      }
      this.#queue.shift();
      if (!this.#stopped) this.#sink.finished(request);
    }
    this.#running = false;
  }

  #pause(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = this.#intervalMs > 0 ? setTimeout(resolve, this.#intervalMs) : setImmediate(resolve);
    });
  }
}
