/**
 * The bytes of animation frames, written directly (this is the simulator's
 * hot path) with field numbers read from the generated descriptors. A frame
 * is `Message{type=5, server_response_animation=6}` whose
 * `ServerResponseAnimation` holds, in field order:
 *
 * - `connection_id`, `req_id`, `end` (when true);
 * - `animation`: a `FlameAnimation` with exactly one `Flame` keyframe
 *   (absent in legacy frames and egress control frames);
 * - `avatar_id` (absent in legacy frames);
 * - an undeclared length-delimited field {@link EXTRA_FIELD_NUMBER} of 32–200
 *   pseudo-random bytes, as the live service's frames carry renderer data the
 *   schema does not describe (absent in egress control frames).
 *
 * The bytes are exactly what the generated schema would serialize for the
 * same content (proto3: default values omitted, fields in number order,
 * unknown fields last), so a decode and re-encode gives them back unchanged.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { FLAME_FLOATS, FLAME_LAYOUT } from "./flame";
import {
  FlameAnimationSchema,
  MessageSchema,
  MessageType,
  ServerResponseAnimationSchema,
} from "./gen/message/message_pb";

/** Field number, inside `ServerResponseAnimation`, of the undeclared payload every keyframe frame carries. */
export const EXTRA_FIELD_NUMBER = 15;
const EXTRA_MIN = 32;
const EXTRA_MAX = 200;

const VARINT = 0;
const LEN = 2;
const tag = (field: number, wireType: number): number => (field << 3) | wireType;

const MESSAGE_TYPE_TAG = tag(MessageSchema.field.type!.number, VARINT);
const ANIMATION_MESSAGE_TAG = tag(MessageSchema.field.serverResponseAnimation!.number, LEN);
const SRA = ServerResponseAnimationSchema.field;
const CONNECTION_ID_TAG = tag(SRA.connectionId!.number, LEN);
const REQ_ID_TAG = tag(SRA.reqId!.number, LEN);
const END_TAG = tag(SRA.end!.number, VARINT);
const ANIMATION_TAG = tag(SRA.animation!.number, LEN);
const AVATAR_ID_TAG = tag(SRA.avatarId!.number, LEN);
const EXTRA_TAG = tag(EXTRA_FIELD_NUMBER, LEN);
const KEYFRAMES_TAG = tag(FlameAnimationSchema.field.keyframes!.number, LEN);
const FLAME_TAGS = FLAME_LAYOUT.map((f) => tag(f.number, LEN));
const ANIMATION_TYPE = MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION;
// The writer below puts every tag, and the message type, in one byte.
for (const t of [MESSAGE_TYPE_TAG, ANIMATION_MESSAGE_TAG, CONNECTION_ID_TAG, REQ_ID_TAG, END_TAG, ANIMATION_TAG, AVATAR_ID_TAG, EXTRA_TAG, KEYFRAMES_TAG, ANIMATION_TYPE, ...FLAME_TAGS]) {
  if (t >= 0x80) throw new Error("frame writer: a field number or the message type no longer fits in one byte");
}

/** Bytes of a varint. */
function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes a varint at `at`; returns the position after it. */
function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** Size of a length-delimited field whose tag fits in one byte. */
const lenFieldSize = (length: number): number => 1 + varintSize(length) + length;

/** Body size of one serialized `Flame` (every array packed). */
const FLAME_BODY = FLAME_LAYOUT.reduce((n, f) => n + lenFieldSize(f.length * 4), 0);
/** Body size of a `FlameAnimation` holding one keyframe. */
const ANIMATION_BODY = lenFieldSize(FLAME_BODY);
/** The whole `animation` field. */
const ANIMATION_FIELD = lenFieldSize(ANIMATION_BODY);

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const floatScratch = new Float32Array(FLAME_FLOATS);
const floatBytes = new Uint8Array(floatScratch.buffer);

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

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** @internal UTF-8 bytes of a string field (encoded once per request or session, not per frame). */
export function utf8(text: string): Uint8Array {
  return text ? encoder.encode(text) : EMPTY;
}

/**
 * @internal Serializes one animation frame.
 *
 * @param flame - the keyframe ({@link FLAME_FLOATS} floats), or undefined for no `animation` field
 * @param avatarId - empty for no `avatar_id` field
 * @param noise - the source of the undeclared bytes, or undefined for none
 */
export function writeFrame(
  connectionId: Uint8Array,
  reqId: Uint8Array,
  end: boolean,
  flame: Float32Array | undefined,
  avatarId: Uint8Array,
  noise: Noise | undefined,
): Uint8Array {
  const extra = noise ? EXTRA_MIN + (noise.next() % (EXTRA_MAX - EXTRA_MIN + 1)) : 0;
  let body = 0;
  if (connectionId.length > 0) body += lenFieldSize(connectionId.length);
  if (reqId.length > 0) body += lenFieldSize(reqId.length);
  if (end) body += 2;
  if (flame) body += ANIMATION_FIELD;
  if (avatarId.length > 0) body += lenFieldSize(avatarId.length);
  if (noise) body += lenFieldSize(extra);
  const out = new Uint8Array(2 + lenFieldSize(body));
  let at = 0;
  out[at++] = MESSAGE_TYPE_TAG;
  out[at++] = ANIMATION_TYPE;
  out[at++] = ANIMATION_MESSAGE_TAG;
  at = writeVarint(out, at, body);
  if (connectionId.length > 0) at = writeBytes(out, at, CONNECTION_ID_TAG, connectionId);
  if (reqId.length > 0) at = writeBytes(out, at, REQ_ID_TAG, reqId);
  if (end) {
    out[at++] = END_TAG;
    out[at++] = 1;
  }
  if (flame) at = writeAnimation(out, at, flame);
  if (avatarId.length > 0) at = writeBytes(out, at, AVATAR_ID_TAG, avatarId);
  if (noise) {
    out[at++] = EXTRA_TAG;
    at = writeVarint(out, at, extra);
    for (const stop = at + extra; at < stop; at += 4) {
      const bits = noise.next();
      for (let b = 0; b < 4 && at + b < stop; b++) out[at + b] = (bits >>> (b * 8)) & 0xff;
    }
  }
  return out;
}

function writeBytes(out: Uint8Array, at: number, fieldTag: number, bytes: Uint8Array): number {
  out[at++] = fieldTag;
  at = writeVarint(out, at, bytes.length);
  out.set(bytes, at);
  return at + bytes.length;
}

function writeAnimation(out: Uint8Array, at: number, flame: Float32Array): number {
  out[at++] = ANIMATION_TAG;
  at = writeVarint(out, at, ANIMATION_BODY);
  out[at++] = KEYFRAMES_TAG;
  at = writeVarint(out, at, FLAME_BODY);
  if (LITTLE_ENDIAN) floatScratch.set(flame);
  for (let f = 0; f < FLAME_LAYOUT.length; f++) {
    const { offset, length } = FLAME_LAYOUT[f]!;
    out[at++] = FLAME_TAGS[f]!;
    at = writeVarint(out, at, length * 4);
    if (LITTLE_ENDIAN) {
      out.set(floatBytes.subarray(offset * 4, (offset + length) * 4), at);
    } else {
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      for (let k = 0; k < length; k++) view.setFloat32(at + k * 4, flame[offset + k]!, true);
    }
    at += length * 4;
  }
  return at;
}
