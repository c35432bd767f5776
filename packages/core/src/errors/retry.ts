import { CloseCode } from "../gen/message/message_enums";
import { AvatarSDKErrorCode as C, type AvatarSDKErrorCode } from "./codes";

/**
 * Codes where trying again (later, or with a new session) can succeed
 * (PROTOCOL.md §8): transport failures, failures inside the service, the
 * session-duration limit and the idle timeout. Configuration, token,
 * billing, avatar and app errors are not retryable.
 */
const RETRYABLE: ReadonlySet<AvatarSDKErrorCode> = new Set<AvatarSDKErrorCode>([
  C.connectionFailed,
  C.connectionClosed,
  C.upstreamError,
  C.serverError,
  C.sessionDurationExceeded,
  C.idleTimeout,
  C.egressUnavailable,
]);

/** True for the service's close codes (PROTOCOL.md §8: 4000–4999), in a close or a `ServerError.code`. @internal */
export function isServiceCloseCode(code: number | undefined): code is number {
  return code !== undefined && code >= 4000 && code <= 4999;
}

/**
 * What a §8 close code says about retrying: 4002 (maximum duration: start a
 * new session) and 45xx yes, other 40xx no; undefined outside 4000–4999.
 */
export function closeCodeRetryable(code: number | undefined): boolean | undefined {
  if (!isServiceCloseCode(code)) return undefined;
  return code === CloseCode.SESSION_TIMEOUT || code >= 4500;
}

/** Whether an error of `code`, with this WebSocket close code and server code, is worth retrying. @internal */
export function isRetryable(code: AvatarSDKErrorCode, closeCode: number | undefined, serverCode: number | undefined): boolean {
  return closeCodeRetryable(closeCode) ?? closeCodeRetryable(serverCode) ?? RETRYABLE.has(code);
}
