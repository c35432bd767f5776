import { decodeServerMessage, type ServerMessage } from "../codec/decode";
import type { AvatarSDKError } from "../errors/avatar-sdk-error";
import { sdkError } from "../errors/create";
import type { ErrorPhase } from "../errors/codes";

/** A received frame, decoded, or the protocol error it amounts to. @internal */
export type Received =
  | { readonly ok: true; readonly message: ServerMessage; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly error: AvatarSDKError };

/**
 * Decodes one WebSocket frame. Text frames and undecodable bytes become a
 * `protocolError` (the caller reports it and keeps reading).
 * @internal
 */
export function receiveFrame(data: Uint8Array | string, phase: ErrorPhase, connectionId: string | undefined): Received {
  const details = connectionId ? { connectionId } : {};
  if (typeof data === "string") {
    return { ok: false, error: sdkError("protocolError", phase, `Unexpected text frame (${data.length} characters); the protocol uses binary frames only`, details) };
  }
  try {
    return { ok: true, message: decodeServerMessage(data), bytes: data };
  } catch (error) {
    return {
      ok: false,
      error: sdkError("protocolError", phase, `Undecodable frame of ${data.length} bytes: ${(error as Error).message}`, { ...details, cause: error }),
    };
  }
}

/** The error for a connection that closed while open without being asked to. @internal */
export function unexpectedClose(code: number, reason: string, connectionId: string | undefined): AvatarSDKError {
  const details: Parameters<typeof sdkError>[3] = { closeCode: code };
  if (reason) details.closeReason = reason;
  if (connectionId) details.connectionId = connectionId;
  return sdkError("connectionClosed", "websocket_runtime", `The connection closed unexpectedly (code ${code}${reason ? `: ${reason}` : ""})`, details);
}
