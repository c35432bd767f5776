import { AvatarSDKError, SessionTokenError, type AvatarSDKErrorDetails } from "./avatar-sdk-error";
import { classify, classifySpecific } from "./classify";
import { isServiceCloseCode } from "./retry";
import type { AvatarSDKErrorCode, ErrorPhase } from "./codes";
import { parseServerBody, type ServerBody } from "./server-body";

/** How each phase is named at the start of a message. */
const STEP: Record<ErrorPhase, string> = {
  session_token: "Failed to create session token",
  websocket_connect: "Failed to open the WebSocket",
  websocket_handshake: "Session handshake rejected",
  websocket_runtime: "Server reported an error",
  websocket_send: "Failed to send",
};

/** What the caller can do about a code, appended to messages built from server answers. */
const HINT: Partial<Record<AvatarSDKErrorCode, string>> = {
  sessionTokenExpired: "mint a new session token (check the API key and expireAt)",
  sessionTokenInvalid: "mint a new session token with init() or createSessionToken()",
  appIDUnrecognized: "check appId",
  appIDMismatch: "the session token was minted for another appId",
  avatarNotFound: "check avatarId",
  billingRequired: "check the account's billing status",
  creditsExhausted: "add credits to the account",
  sessionDurationExceeded: "start a new session",
  unsupportedSampleRate: "use a sample rate the audio format allows",
  invalidEgressConfig: "check livekitEgress / agoraEgress",
  idleTimeout: "send audio more often, or start a new session",
  concurrencyLimit: "wait for another session of the app to end, then retry",
  upstreamError: "retry with backoff",
};

interface ServerSaid {
  httpStatus?: number;
  serverCode?: string;
  serverTitle?: string;
  serverDetail?: string;
}

/** Builds a message that names the failing step, the HTTP status and the server's words. */
export function describeFailure(phase: ErrorPhase, said: ServerSaid, code?: AvatarSDKErrorCode): string {
  let message = STEP[phase];
  if (said.httpStatus !== undefined) message += ` (HTTP ${said.httpStatus})`;
  else if (said.serverCode !== undefined && said.serverCode !== "0") message += ` (server code ${said.serverCode})`;
  const words = [said.serverTitle, said.serverDetail].filter((s) => s !== undefined && s !== "");
  if (words.length > 0) message += `: ${words.join(" - ")}`;
  const hint = code === undefined ? undefined : HINT[code];
  return hint === undefined ? message : `${message} (${hint})`;
}

/** Classifies what a server answered and wraps it in an error of the given class. */
function fromServer(
  phase: ErrorPhase,
  said: ServerSaid,
  extra: AvatarSDKErrorDetails,
  Class: typeof AvatarSDKError = AvatarSDKError,
): AvatarSDKError {
  const code = classify({ phase, ...said });
  return new Class(code, describeFailure(phase, said, code), { phase, ...said, ...extra });
}

/** Puts an HTTP status and what its body said into the fields errors carry. */
function fromHttp(status: number, parsed: ServerBody): ServerSaid {
  const said: ServerSaid = { httpStatus: status };
  if (parsed.code !== undefined) said.serverCode = parsed.code;
  if (parsed.title !== undefined) said.serverTitle = parsed.title;
  if (parsed.detail !== undefined) said.serverDetail = parsed.detail;
  return said;
}

/**
 * A failed session-token response. A 200 whose body carries `errors` is a
 * failure too; its status is then the first error's numeric `status`.
 */
export function sessionTokenRejected(status: number, body: string): SessionTokenError {
  const parsed = parseServerBody(body);
  const effective = status === 200 && parsed.status !== undefined ? parsed.status : status;
  return fromServer("session_token", fromHttp(effective, parsed), { rawBody: body }, SessionTokenError) as SessionTokenError;
}

/** A refused WebSocket upgrade, as Node sees it (status and body). */
export function upgradeRefused(status: number, body: string): AvatarSDKError {
  return fromServer("websocket_connect", fromHttp(status, parseServerBody(body)), { rawBody: body });
}

/** A `ServerError` message received during the handshake or at run time. */
export function serverErrorReceived(
  phase: "websocket_handshake" | "websocket_runtime",
  error: { code: number; message: string; connectionId: string; reqId: string },
  connectionId?: string,
): AvatarSDKError {
  const said: ServerSaid = { serverCode: String(error.code) };
  if (error.message !== "") said.serverDetail = error.message;
  const extra: AvatarSDKErrorDetails = {};
  const connId = error.connectionId || connectionId;
  if (connId) extra.connectionId = connId;
  if (error.reqId) extra.reqId = error.reqId;
  return fromServer(phase, said, extra);
}

/** A new error of a code the SDK decides itself (transport, protocol, timeouts). */
export function sdkError(code: AvatarSDKErrorCode, phase: ErrorPhase, message: string, details: AvatarSDKErrorDetails = {}): AvatarSDKError {
  return new AvatarSDKError(code, message, { phase, ...details });
}

/**
 * A WebSocket close the client did not ask for. A close code of PROTOCOL.md
 * §8 (4000–4999) is classified like a server code (4003 → `concurrencyLimit`,
 * 4010 → `sessionTokenInvalid`, …); anything else is `connectionClosed`.
 */
export function closedByServer(phase: "websocket_handshake" | "websocket_runtime", code: number, reason: string, connectionId?: string): AvatarSDKError {
  const details: AvatarSDKErrorDetails = { closeCode: code };
  if (reason) details.closeReason = reason;
  if (connectionId) details.connectionId = connectionId;
  const said = `code ${code}${reason ? `: ${reason}` : ""}`;
  const specific = isServiceCloseCode(code) ? classifySpecific({ phase, serverCode: String(code), serverDetail: reason }) : undefined;
  if (specific !== undefined) {
    const hint = HINT[specific];
    return sdkError(specific, phase, `The server closed the session (${said})${hint === undefined ? "" : ` (${hint})`}`, details);
  }
  const when = phase === "websocket_handshake" ? "before the server confirmed the session" : "unexpectedly";
  return sdkError("connectionClosed", phase, `The connection closed ${when} (${said})`, details);
}
