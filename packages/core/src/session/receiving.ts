import { decodeServerMessage, peekAnimationEnd, type ServerMessage } from "../codec/index";
import type { SessionConfig } from "../config/options";
import type { AvatarSDKError } from "../errors/avatar-sdk-error";
import { closedByServer, sdkError, serverErrorReceived } from "../errors/create";
import type { ErrorPhase } from "../errors/codes";
import { isServiceCloseCode } from "../errors/retry";
import { invokeCallback } from "./callbacks";

/** A received frame, decoded, or the protocol error it amounts to. @internal */
export type Received =
  | { readonly ok: true; readonly message: ServerMessage; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly error: AvatarSDKError };

/**
 * Decodes one WebSocket frame. Text frames and undecodable bytes become a
 * `protocolError`.
 * @internal
 */
export function receiveFrame(data: Uint8Array | string, phase: ErrorPhase, connectionId: string | undefined): Received {
  if (typeof data === "string") return { ok: false, error: textFrame(data, phase, connectionId) };
  try {
    return { ok: true, message: decodeServerMessage(data), bytes: data };
  } catch (error) {
    return { ok: false, error: undecodable(data, phase, connectionId, error) };
  }
}

function textFrame(data: string, phase: ErrorPhase, connectionId: string | undefined): AvatarSDKError {
  const details = connectionId ? { connectionId } : {};
  return sdkError("protocolError", phase, `Unexpected text frame (${data.length} characters); the protocol uses binary frames only`, details);
}

function undecodable(data: Uint8Array, phase: ErrorPhase, connectionId: string | undefined, error: unknown): AvatarSDKError {
  const details = connectionId ? { connectionId } : {};
  return sdkError("protocolError", phase, `Undecodable frame of ${data.length} bytes: ${(error as Error).message}`, { ...details, cause: error });
}

/** What a {@link Receiver} tells its session. @internal */
export interface ReceiverEvents {
  /** An error to pass to `onError`; the session goes on. */
  report(error: AvatarSDKError): void;
  /** An error that ends the session (a close code of PROTOCOL.md §8). */
  fail(error: AvatarSDKError): void;
}

/**
 * The open session's inbound side: classifies every message and hands it to
 * the callbacks that asked for it (`transportFrames`, `onFrame`,
 * `onPlaybackState`), or reports what went wrong. Unknown message types are
 * ignored (forward compatibility).
 *
 * Without `onFrame`, an animation frame is only peeked at (its type and
 * `end`, see {@link peekAnimationEnd}): nothing else of it is decoded, so
 * its strings are not checked for valid UTF-8 (the bytes go to
 * `transportFrames` unchanged, as the service asks). Every other message,
 * and every frame when `onFrame` is set, is decoded (keyframes aside).
 * @internal
 */
export class Receiver {
  readonly #config: SessionConfig;
  readonly #connectionId: string;
  readonly #events: ReceiverEvents;
  /** A runtime ServerError that was the last thing received: a close right after it is its consequence. */
  #lastServerError: AvatarSDKError | undefined;

  constructor(config: SessionConfig, connectionId: string, events: ReceiverEvents) {
    this.#config = config;
    this.#connectionId = connectionId;
    this.#events = events;
  }

  /**
   * Handles one frame received while the session is open. The per-frame
   * path: an animation frame for `transportFrames` alone is peeked at, not
   * decoded, no object is made for it, and the callback is called straight
   * from here.
   */
  receive(data: Uint8Array | string): void {
    this.#lastServerError = undefined;
    if (typeof data === "string") return this.#events.report(textFrame(data, "websocket_runtime", this.#connectionId));
    const config = this.#config;
    if (config.onFrame === undefined) {
      let end: boolean | undefined;
      try {
        end = peekAnimationEnd(data);
      } catch (error) {
        return this.#events.report(undecodable(data, "websocket_runtime", this.#connectionId, error));
      }
      if (end !== undefined) return invokeCallback(config.logger, "transportFrames", config.transportFrames, data, end);
    }
    let message: ServerMessage;
    try {
      message = decodeServerMessage(data);
    } catch (error) {
      return this.#events.report(undecodable(data, "websocket_runtime", this.#connectionId, error));
    }
    if (message.kind === "animation") this.#frame(data, message);
    else if (message.kind === "playbackState") this.#playbackState(message);
    else if (message.kind === "error") this.#serverError(message);
  }

  /**
   * The error a close the client did not ask for amounts to: the ServerError
   * it follows (already reported), or one of its own.
   */
  closed(code: number, reason: string): { error: AvatarSDKError; reported: boolean } {
    const last = this.#lastServerError;
    return last === undefined ? { error: closedByServer("websocket_runtime", code, reason, this.#connectionId), reported: false } : { error: last, reported: true };
  }

  #frame(bytes: Uint8Array, message: Extract<ServerMessage, { kind: "animation" }>): void {
    const { logger, transportFrames, onFrame } = this.#config;
    invokeCallback(logger, "transportFrames", transportFrames, bytes, message.end);
    if (onFrame === undefined) return;
    const frame = message.avatarId === "" ? { bytes, reqId: message.reqId, isLast: message.end } : { bytes, reqId: message.reqId, isLast: message.end, avatarId: message.avatarId };
    invokeCallback(logger, "onFrame", onFrame, frame);
  }

  #playbackState(message: Extract<ServerMessage, { kind: "playbackState" }>): void {
    const { logger, onPlaybackState } = this.#config;
    if (onPlaybackState === undefined || message.state === "unspecified") return;
    const event = {
      reqId: message.reqId,
      state: message.state,
      playedMs: message.playedMs,
      ...(message.reason === "" ? {} : { reason: message.reason }),
      ...(message.connectionId === "" ? {} : { connectionId: message.connectionId }),
    };
    invokeCallback(logger, "onPlaybackState", onPlaybackState, event);
  }

  #serverError(message: Extract<ServerMessage, { kind: "error" }>): void {
    const error = serverErrorReceived("websocket_runtime", message, this.#connectionId);
    // §8: a close code in a ServerError ends the session; the close that follows is the same failure.
    if (isServiceCloseCode(message.code)) return this.#events.fail(error);
    this.#lastServerError = error;
    this.#events.report(error);
  }
}
