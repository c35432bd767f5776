/**
 * The session-token request. Sessions and `createSessionToken` load this
 * module on first use (a dynamic import): a page that starts its sessions
 * with a pre-minted token never downloads it, nor the token-error body
 * parsing it pulls in.
 * @module
 */
import { SessionTokenError } from "../errors/avatar-sdk-error";
import { sessionTokenRejected } from "../errors/create";
import { checkTokenOptions } from "../config/validate";
import { DEFAULT_TIMEOUTS } from "../config/defaults";
import { isTransportFailure, type HttpClient } from "../transport";
import { startDeadline } from "./deadline";
import type { CreateSessionTokenOptions } from "../config/options";

/**
 * Requests a session token from the console (`POST {console}/session-tokens`).
 * Rejects with a {@link SessionTokenError} whose code and fields say why.
 * @internal Platform packages expose it as `createSessionToken`.
 */
export async function requestSessionToken(http: HttpClient, options: CreateSessionTokenOptions): Promise<string> {
  const consoleUrl = checkTokenOptions(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUTS.sessionTokenMs;
  const deadline = startDeadline(timeoutMs, options.signal);
  let response;
  try {
    response = await http({
      url: `${consoleUrl.href.replace(/\/+$/, "")}/session-tokens`,
      method: "POST",
      headers: { "X-Api-Key": options.apiKey, "Content-Type": "application/json" },
      body: JSON.stringify({ expireAt: Math.floor(options.expireAt.getTime() / 1000) }),
      signal: deadline.signal,
    });
  } catch (error) {
    if (options.signal?.aborted && !deadline.timedOut) throw options.signal.reason;
    const why = deadline.timedOut
      ? `no response within ${timeoutMs} ms`
      : isTransportFailure(error) && error.kind === "failed"
        ? error.message
        : String(error);
    throw new SessionTokenError("connectionFailed", `Failed to create session token: could not reach the console (${why})`, {
      phase: "session_token",
      cause: error,
    });
  } finally {
    deadline.dispose();
  }
  if (response.status !== 200) throw sessionTokenRejected(response.status, response.body);
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  const record = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  if (Array.isArray(record["errors"]) && record["errors"].length > 0) throw sessionTokenRejected(200, response.body);
  // The console answers `sessionToken`; the service's newest client reads `session_token` (PROTOCOL.md §8).
  const token = record["sessionToken"] ?? record["session_token"];
  if (typeof token !== "string" || token === "") {
    throw new SessionTokenError("protocolError", "Failed to create session token (HTTP 200): the response has no sessionToken", {
      phase: "session_token",
      httpStatus: 200,
      rawBody: response.body,
    });
  }
  return token;
}
