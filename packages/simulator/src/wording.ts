import { CloseCode } from "./gen/message/message_pb";

/**
 * Every error string the simulator sends, in one table, worded as the live
 * service words them (PROTOCOL.md §7). The SDK classifies errors by this text,
 * so a change here is a change to the contract the SDK is tested against.
 *
 * @module
 */

/** One JSON:API error object, as the console sends it. */
export interface ConsoleError {
  /** HTTP status of the answer. */
  readonly status: number;
  /** JSON:API `id`. */
  readonly id: string;
  /** JSON:API `code`. */
  readonly code: string;
  /** JSON:API `title`. */
  readonly title: string;
  /** JSON:API `detail`. */
  readonly detail: string;
}

/** A refused WebSocket upgrade: a status and the `message` of its JSON body. */
export interface UpgradeRefusal {
  /** HTTP status of the refusal. */
  readonly status: number;
  /** The body's `message`. */
  readonly message: string;
}

const unauthenticated = (detail: string): ConsoleError => ({
  status: 401,
  id: "unauthenticated",
  code: "UNAUTHENTICATED",
  title: "Unauthenticated",
  detail,
});

const invalidArgument = (detail: string): ConsoleError => ({
  status: 400,
  id: "invalid_argument",
  code: "INVALID_ARGUMENT",
  title: "Invalid Argument",
  detail,
});

/** Answers of `POST /v1/console/session-tokens`. */
export const CONSOLE_WORDING = {
  invalidApiKey: unauthenticated("invalid api key"),
  notJson: invalidArgument("content type must be application/json"),
  badBody: invalidArgument("request body must be a JSON object"),
  expireAtMissing: invalidArgument("expire_at is required"),
  expireAtNotInteger: invalidArgument("expire_at must be an integer Unix timestamp in seconds"),
  expireAtPast: invalidArgument("expire_at must be in the future"),
  expireAtTooFar: (maxSeconds: number): ConsoleError =>
    invalidArgument(`expire_at must be at most ${maxSeconds} seconds in the future`),
  notFound: { status: 404, id: "not_found", code: "NOT_FOUND", title: "Not Found", detail: "no such endpoint" },
  methodNotAllowed: {
    status: 405,
    id: "method_not_allowed",
    code: "METHOD_NOT_ALLOWED",
    title: "Method Not Allowed",
    detail: "use POST",
  },
} as const satisfies Record<string, ConsoleError | ((n: number) => ConsoleError)>;

/** Refusals of the WebSocket upgrade at `/v2/driveningress/websocket`. */
export const UPGRADE_WORDING = {
  invalidSessionToken: { status: 400, message: "Invalid session token" },
  tokenExpired: { status: 401, message: "Token is expired" },
  appIdMismatch: { status: 400, message: "App ID mismatch" },
  appIdUnrecognized: { status: 404, message: "app id unrecognized" },
  avatarNotFound: { status: 404, message: "Avatar not found" },
  notFound: { status: 404, message: "Not found" },
} as const satisfies Record<string, UpgradeRefusal>;

/** gRPC-style codes carried in `ServerError.code`. */
export const SERVER_CODE = {
  /** No code: the idle-timeout notice and the sample-rate refusal. */
  ok: 0,
  invalidArgument: 3,
  deadlineExceeded: 4,
  permissionDenied: 7,
  resourceExhausted: 8,
  internal: 13,
  unauthenticated: 16,
} as const;

/** The close codes a current server reports failures with (PROTOCOL.md §8). */
export type ServiceCloseCode = Exclude<CloseCode, CloseCode.UNSPECIFIED>;

/**
 * How a current server words each close code (`ServerError.message`, and the
 * close reason), and how a legacy server reports the same failure instead: a
 * gRPC-style code and text (PROTOCOL.md §7), chosen so that the §7 rules
 * classify it as the close code would (concurrency has no §7 rule: serverError).
 */
export const CLOSE_CODE_WORDING: Readonly<Record<ServiceCloseCode, { message: string; legacy: { code: number; message: string } }>> = {
  [CloseCode.CREDITS_EXHAUSTED]: {
    message: "credits exhausted",
    legacy: { code: SERVER_CODE.resourceExhausted, message: "credits exhausted" },
  },
  [CloseCode.SESSION_TIMEOUT]: {
    message: "maximum session duration reached",
    legacy: { code: SERVER_CODE.deadlineExceeded, message: "maximum session duration reached" },
  },
  [CloseCode.CONCURRENCY_LIMIT]: {
    message: "concurrency limit reached: too many concurrent sessions for this app",
    legacy: { code: SERVER_CODE.resourceExhausted, message: "too many concurrent sessions for this app" },
  },
  [CloseCode.AUTH_FAILED]: {
    message: "authentication failed: invalid session token",
    legacy: { code: SERVER_CODE.permissionDenied, message: "invalid session token" },
  },
  [CloseCode.UPSTREAM_UNAVAILABLE]: {
    message: "upstream unavailable: driven server request failed",
    legacy: { code: SERVER_CODE.internal, message: "driven server request failed" },
  },
};

/** `ServerError.message` texts of the handshake (answer to the first message). */
export const HANDSHAKE_WORDING = {
  expectedConfigure: "expected ClientConfigureSession message",
  configureIsNil: "ClientConfigureSession message is nil",
  unmarshalInitial: "failed to unmarshal initial message",
  unsupportedSampleRate: (rate: number) => `unsupported sample rate: ${rate}`,
  unsupportedAudioFormat: (format: number) => `unsupported audio format: ${format}`,
  unsupportedCompression: (value: number) => `unsupported transport compression: ${value}`,
  livekitUrlMissing: "invalid livekit_egress: url is required",
  livekitRoomMissing: "invalid livekit_egress: room_name is required",
  livekitCredentials: "invalid livekit_egress: provide api_token or both api_key and api_secret",
  agoraChannelMissing: "invalid agora_egress: channel_name is required",
  egressMismatch: "invalid egress configuration",
  /** A LiveKit token the room refuses (gRPC code 16). */
  livekitTokenRefused: "failed to connect to room: invalid token",
  /** An Agora token the channel refuses (gRPC code 16). */
  agoraTokenRefused: "failed to join channel: invalid token",
} as const;

/** `ServerError.message` texts once the session is open. */
export const RUNTIME_WORDING = {
  /** A text frame reports the WebSocket opcode (1), as the live service does. */
  unexpectedMessageType: (type: number) => `unexpected message type: ${type}`,
  unmarshal: "failed to unmarshal message",
  reqIdMissing: "invalid audio: req_id is required",
  oddPcmChunk: "invalid audio: PCM chunk is not whole 16-bit samples",
  requestEnded: (reqId: string) => `invalid audio: request ${reqId} already ended`,
  requestInterrupted: (reqId: string) => `invalid audio: request ${reqId} was interrupted`,
  invalidOgg: (why: string) => `invalid ogg opus stream: ${why}`,
  idle: (ms: number) => `no audio input for ${ms / 1000}s, closing session`,
} as const;

/** Close codes and reasons the simulator uses. */
export const CLOSE_WORDING = {
  policyViolation: 1008,
  normal: 1000,
  /** How a legacy server closes after a run-time failure. */
  internalError: 1011,
  idleReason: "idle timeout",
} as const;
