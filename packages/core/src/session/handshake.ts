import type { SessionConfig } from "../config/options";
import { encodeConfigureSession } from "../codec/index";
import { receiveFrame } from "./receiving";
import { AvatarSDKError } from "../errors/avatar-sdk-error";
import { closedByServer, sdkError, serverErrorReceived, upgradeRefused } from "../errors/create";
import type { TransportFailure, WebSocketConnection } from "../transport";
import { deferred, startDeadline, type Deadline } from "./deadline";

/** The first message of the session, from its configuration. */
function configureMessage(config: SessionConfig): Uint8Array {
  const fields: Parameters<typeof encodeConfigureSession>[0] = {
    sampleRate: config.sampleRate,
    bitrate: config.bitrate,
    audioFormat: config.audioFormat,
  };
  if (config.livekitEgress !== undefined) fields.livekitEgress = config.livekitEgress;
  if (config.agoraEgress !== undefined) fields.agoraEgress = config.agoraEgress;
  return encodeConfigureSession(fields);
}

/** Turns a failed connection attempt into the error the session reports. @internal */
export function connectError(failure: unknown, timedOut: boolean, timeoutMs: number): AvatarSDKError {
  if (failure instanceof AvatarSDKError) return failure;
  if (timedOut) {
    return sdkError("connectionFailed", "websocket_connect", `Failed to open the WebSocket: no answer within ${timeoutMs} ms (timeouts.connectMs)`);
  }
  const f = failure as TransportFailure;
  if (f?.kind === "refused") return upgradeRefused(f.status, f.body);
  const details: ConstructorParameters<typeof AvatarSDKError>[2] = { cause: f?.kind === "failed" ? (f.cause ?? failure) : failure };
  if (f?.kind === "failed" && f.closeCode !== undefined) details.closeCode = f.closeCode;
  if (f?.kind === "failed" && f.closeReason) details.closeReason = f.closeReason;
  const why = f?.kind === "failed" ? f.message : String(failure);
  return sdkError("connectionFailed", "websocket_connect", `Failed to open the WebSocket: ${why}`, details);
}

/** What the server confirmed: the connection id and its capabilities (empty on old servers). @internal */
export interface Confirmation {
  readonly connectionId: string;
  readonly capabilities: readonly string[];
}

/**
 * What a frame received while handshaking means: the confirmation, an error
 * that ends the handshake at once (a ServerError; a text, undecodable or
 * out-of-place frame is a `protocolError`), or nothing (a message type this
 * SDK does not know: keep waiting).
 */
function handshakeStep(data: Uint8Array | string): { confirmed: Confirmation } | { error: AvatarSDKError } | undefined {
  const received = receiveFrame(data, "websocket_handshake", undefined);
  if (!received.ok) return { error: received.error };
  const message = received.message;
  switch (message.kind) {
    case "confirm":
      if (message.connectionId !== "") return { confirmed: { connectionId: message.connectionId, capabilities: message.capabilities } };
      return { error: sdkError("protocolError", "websocket_handshake", "Session handshake failed: the server confirmed with an empty connection id") };
    case "error":
      return { error: serverErrorReceived("websocket_handshake", message) };
    case "other":
      return undefined;
    default:
      return {
        error: sdkError("protocolError", "websocket_handshake", `Session handshake failed: the server sent ${ARTICLE[message.kind]} before confirming the session`),
      };
  }
}

const ARTICLE = { animation: "an animation frame", playbackState: "a playback state" } as const;

/** The error for a server that never confirms the session. */
function handshakeTimeout(ms: number): AvatarSDKError {
  return sdkError("connectionFailed", "websocket_handshake", `Session handshake failed: no confirmation within ${ms} ms (timeouts.handshakeMs)`);
}

/**
 * One handshake over an open connection: sends the session configuration,
 * then settles with the server's confirmation or with the error that ends it
 * (a ServerError, a bad frame, a close, the time limit, the session closing).
 * @internal
 */
export class Handshake {
  readonly #result = deferred<Confirmation>();
  readonly #deadline: Deadline;

  constructor(connection: WebSocketConnection, config: SessionConfig) {
    const ms = config.timeouts.handshakeMs;
    this.#deadline = startDeadline(ms);
    this.#deadline.signal.addEventListener("abort", () => this.#result.reject(handshakeTimeout(ms)));
    connection.send(configureMessage(config));
  }

  /** The confirmation, or the error that ended the handshake. */
  get confirmed(): Promise<Confirmation> {
    return this.#result.promise;
  }

  /** Takes a frame received while handshaking; returns the confirmation when it is one. */
  receive(data: Uint8Array | string): Confirmation | undefined {
    const step = handshakeStep(data);
    if (step === undefined) return undefined;
    if ("error" in step) return void this.fail(step.error);
    this.#deadline.dispose();
    this.#result.resolve(step.confirmed);
    return step.confirmed;
  }

  /** The connection closed before the confirmation. */
  closed(code: number, reason: string): void {
    this.fail(closedByServer("websocket_handshake", code, reason));
  }

  /** Ends the handshake with `error`; without one, as the client's own close (1000). */
  fail(error: AvatarSDKError = closedByServer("websocket_handshake", 1000, "client closed")): void {
    this.#deadline.dispose();
    this.#result.reject(error);
  }
}
