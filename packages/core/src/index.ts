/**
 * `@avatarkit/core`: the transport-agnostic heart of the avatar SDK.
 * Applications import a platform entry (`@avatarkit/node`,
 * `@avatarkit/browser` or `@avatarkit/sdk`), which binds this core to a
 * WebSocket, an HTTP client and an encoder. The encoder's building blocks
 * are in the `@avatarkit/core/audio` subpath.
 *
 * @packageDocumentation
 */
export * from "./config/index";
export * from "./errors/index";
export * from "./session/index";
export * from "./codec/index";
export { createLogIdGenerator, type RandomSource } from "./log-id";
export type {
  HttpClient,
  HttpRequest,
  HttpResponse,
  TransportFailure,
  WebSocketConnectRequest,
  WebSocketConnection,
  WebSocketFactory,
} from "./transport";
export { isTransportFailure } from "./transport";
export { createHttpClient, type RawFetch, type RawFetchOptions } from "./http-client";
export type { OpusApplication, OpusEncoder, OpusEncoderFactory, OpusEncoderOptions } from "./encoder";
