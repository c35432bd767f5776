import { AvatarSDKError, ConfigurationError } from "../errors/avatar-sdk-error";
import { scrub } from "../config/redact";
import type { SessionState } from "./state";

const isClosed = (state: SessionState) => state === "closed" || state === "closing";

/** The error for `init()`/`start()` called in the wrong state. @internal */
export function wrongState(call: string, state: SessionState): AvatarSDKError {
  const why = isClosed(state)
    ? "the session is closed; create a new session"
    : `the session is ${state}${call === "init()" && state !== "token" ? " (init() must come before start())" : ""}`;
  return new AvatarSDKError("invalidRequest", `${call} cannot run now: ${why}`);
}

/** The error for a send before the session is open or after it closed. @internal */
export function notOpen(call: string, state: SessionState): AvatarSDKError {
  const why = isClosed(state) ? "the session is closed; create a new session" : "call start() and wait for it to resolve first";
  return new AvatarSDKError("invalidRequest", `${call} cannot run now: ${why}`, { phase: "websocket_send" });
}

/**
 * Removes `secrets` from an error's words (`rawBody` stays as the server
 * sent it). Anything that is not an AvatarSDKError becomes one (`unknown`).
 * @internal
 */
export function scrubError(error: unknown, secrets: readonly string[]): AvatarSDKError {
  if (!(error instanceof AvatarSDKError)) return new AvatarSDKError("unknown", scrub(String(error), secrets), { cause: error });
  for (const key of ["message", "serverTitle", "serverDetail", "closeReason"] as const) {
    const value = error[key];
    if (value !== undefined && scrub(value, secrets) !== value) Object.defineProperty(error, key, { value: scrub(value, secrets) });
  }
  return error;
}

/** The error for `init()`/`start()` cut short by `close()` or the abort signal (then the signal's reason, like `fetch`). @internal */
export function cancelled(step: "init()" | "start()", signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  return new AvatarSDKError("connectionClosed", `${step} was cancelled: the session was closed`, { phase: step === "init()" ? "session_token" : "websocket_connect" });
}

/** Refuses header auth where the runtime's WebSocket cannot send headers. @internal */
export function checkHeaderAuth(useQueryAuth: boolean, supportsHeaders: boolean): void {
  if (useQueryAuth || supportsHeaders) return;
  throw new ConfigurationError(
    "useQueryAuth",
    "Header auth is not possible here: this runtime's WebSocket cannot send headers. Set useQueryAuth: true (the default in browsers).",
  );
}
