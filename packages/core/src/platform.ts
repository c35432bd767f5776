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
export { requestSessionToken } from "./session/token";
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
