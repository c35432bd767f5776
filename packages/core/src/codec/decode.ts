/**
 * What the server sends, over the generated codec (`../gen`, from proto/),
 * reduced to what the SDK acts on. No field numbers or enum values here:
 * they come from the generated code.
 * @internal
 */
import {
  decodeServerMessage as decodeWire,
  decodeServerMessageShallow,
  peekServerMessage,
  MessageType,
  ServerMessageType,
  ServerPlaybackState_State as State,
  type Flame,
  type ServerMessage as WireServerMessage,
  type ServerMessagePeek,
  type ServerPlaybackState_State,
} from "../gen/message/message_codec";

/** A message that cannot be decoded. */
export class DecodeError extends Error {
  override name = "DecodeError";
}

/** A message from the server, reduced to the fields the SDK acts on. */
export type ServerMessage =
  | { readonly kind: "confirm"; readonly connectionId: string; readonly capabilities: readonly string[] }
  | { readonly kind: "error"; readonly connectionId: string; readonly reqId: string; readonly code: number; readonly message: string }
  /** An animation frame; its keyframes are not decoded (see {@link decodeAnimationFrame}). */
  | { readonly kind: "animation"; readonly connectionId: string; readonly reqId: string; readonly end: boolean; readonly avatarId: string }
  | {
      readonly kind: "playbackState";
      readonly connectionId: string;
      readonly reqId: string;
      readonly state: "playing" | "paused" | "ended" | "interrupted" | "unspecified";
      readonly playedMs: number;
      readonly reason: string;
    }
  /** A type this SDK does not know (or a client type): ignored, for forward compatibility. */
  | { readonly kind: "other"; readonly type: number };

/** An animation message with its keyframes. */
export interface DecodedAnimationFrame {
  readonly reqId: string;
  readonly connectionId: string;
  readonly end: boolean;
  readonly avatarId: string;
  /** FLAME parameters per keyframe; each array is empty when absent. */
  readonly keyframes: Flame[];
}

/** What a generated decoder threw, as a {@link DecodeError}. */
function decodeError(error: unknown): DecodeError {
  const reason = error instanceof TypeError ? "invalid UTF-8 in a string field" : error instanceof Error ? error.message : String(error);
  return new DecodeError(reason, { cause: error });
}

/** Runs a generated decoder; whatever it throws becomes a {@link DecodeError}. */
function decodeWith(decode: (bytes: Uint8Array) => WireServerMessage, bytes: Uint8Array): WireServerMessage {
  try {
    return decode(bytes);
  } catch (error) {
    throw decodeError(error);
  }
}

/** The message's type: as sent, or, when absent, that of the server payload present. */
function typeOf(message: WireServerMessage): number {
  if (message.type !== MessageType.MESSAGE_UNSPECIFIED || message.data.case === undefined) return message.type;
  return ServerMessageType[message.data.case];
}

function stateName(state: ServerPlaybackState_State): "playing" | "paused" | "ended" | "interrupted" | "unspecified" {
  switch (state) {
    case State.PLAYING:
      return "playing";
    case State.PAUSED:
      return "paused";
    case State.ENDED:
      return "ended";
    case State.INTERRUPTED:
      return "interrupted";
    default:
      return "unspecified";
  }
}

/**
 * Decodes a server `Message` without its keyframes: what the session does
 * with every message but the animation frames of a session without
 * `onFrame` (those go through {@link peekAnimationEnd}).
 * Unknown fields are skipped; a type without a known server payload is
 * `other`; a payload that does not match the type is read as empty.
 * Throws {@link DecodeError} on malformed bytes, never anything else.
 */
export function decodeServerMessage(bytes: Uint8Array): ServerMessage {
  const message = decodeWith(decodeServerMessageShallow, bytes);
  const { data } = message;
  const type = typeOf(message);
  switch (type) {
    case MessageType.MESSAGE_SERVER_CONFIRM_SESSION: {
      const v = data.case === "serverConfirmSession" ? data.value : undefined;
      return { kind: "confirm", connectionId: v?.connectionId ?? "", capabilities: v?.capabilities ?? [] };
    }
    case MessageType.MESSAGE_SERVER_ERROR: {
      const v = data.case === "serverError" ? data.value : undefined;
      return { kind: "error", connectionId: v?.connectionId ?? "", reqId: v?.reqId ?? "", code: v?.code ?? 0, message: v?.message ?? "" };
    }
    case MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION: {
      const v = data.case === "serverResponseAnimation" ? data.value : undefined;
      return { kind: "animation", connectionId: v?.connectionId ?? "", reqId: v?.reqId ?? "", end: v?.end ?? false, avatarId: v?.avatarId ?? "" };
    }
    case MessageType.MESSAGE_SERVER_PLAYBACK_STATE: {
      const v = data.case === "serverPlaybackState" ? data.value : undefined;
      return {
        kind: "playbackState",
        connectionId: v?.connectionId ?? "",
        reqId: v?.reqId ?? "",
        state: stateName(v?.state ?? State.STATE_UNSPECIFIED),
        playedMs: v?.playedMs ?? 0,
        reason: v?.reason ?? "",
      };
    }
    default:
      return { kind: "other", type };
  }
}

/**
 * The per-frame fast path: the `end` flag of an animation message, or
 * `undefined` for any other kind of message. Only the type and `end` are
 * read (the generated `peekServerMessage`): no string is decoded, no object
 * made but the reader. It throws {@link DecodeError} on the malformed bytes that
 * {@link decodeServerMessage} rejects (truncated fields, bad tags, lengths
 * past the end), except on what only decoding the fields it skips finds:
 * invalid UTF-8 in a string and an int64 beyond the safe integer range,
 * in the payload present. A frame with an invalid UTF-8 `req_id` is
 * therefore an animation frame here and a DecodeError there.
 */
export function peekAnimationEnd(bytes: Uint8Array): boolean | undefined {
  let peek: ServerMessagePeek;
  try {
    peek = peekServerMessage(bytes);
  } catch (error) {
    throw decodeError(error);
  }
  // The type as sent or inferred from the payload, as typeOf() does; `end` is false unless the payload is an animation.
  return peek.type === MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION ? peek.serverResponseAnimation.end : undefined;
}

/**
 * Decodes an animation message with its keyframes (for renderers). Throws
 * {@link DecodeError} on malformed bytes and on any other kind of message.
 */
export function decodeAnimationFrame(bytes: Uint8Array): DecodedAnimationFrame {
  const message = decodeWith(decodeWire, bytes);
  const type = typeOf(message);
  if (type !== MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION) throw new DecodeError(`not an animation message (type ${type})`);
  const v = message.data.case === "serverResponseAnimation" ? message.data.value : undefined;
  return { reqId: v?.reqId ?? "", connectionId: v?.connectionId ?? "", end: v?.end ?? false, avatarId: v?.avatarId ?? "", keyframes: v?.animation?.keyframes ?? [] };
}
