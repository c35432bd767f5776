/**
 * `@avatarkit/core/platform`: what a platform package (`@avatarkit/node`,
 * `@avatarkit/browser`) needs from core to bind it to a runtime. **Not public
 * API**: these names change without notice between versions; applications
 * import a platform entry instead.
 *
 * @packageDocumentation
 */
export { AvatarSession } from "./session/session";
export type { Platform } from "./session/platform";
export { createLogIdGenerator, type RandomSource } from "./log-id";
export { createHttpClient, type RawFetch, type RawFetchOptions } from "./http-client";
export {
  isTransportFailure,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  type TransportFailure,
  type WebSocketConnectRequest,
  type WebSocketConnection,
  type WebSocketFactory,
} from "./transport";
export type { OpusApplication, OpusEncoder, OpusEncoderFactory, OpusEncoderOptions } from "./encoder/opus-encoder";

import type { CreateSessionTokenOptions } from "./config/options";
import type { HttpClient } from "./transport";

/**
 * Requests a session token from the console (`POST {console}/session-tokens`);
 * rejects with a `SessionTokenError`. The request's code loads on the first
 * call (a dynamic import), so an application that only uses pre-minted
 * tokens never loads it. Platform packages expose it as `createSessionToken`.
 */
export function requestSessionToken(http: HttpClient, options: CreateSessionTokenOptions): Promise<string> {
  return import("./session/token").then((token) => token.requestSessionToken(http, options));
}
