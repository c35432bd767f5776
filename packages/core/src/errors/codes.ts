/**
 * Stable error codes. Each key equals its string value, so
 * `AvatarSDKErrorCode.avatarNotFound === "avatarNotFound"`.
 */
export const AvatarSDKErrorCode = {
  /** The session token expired, or the token/API key was not accepted (HTTP 401). */
  sessionTokenExpired: "sessionTokenExpired",
  /** The session token is malformed, unknown or empty. */
  sessionTokenInvalid: "sessionTokenInvalid",
  /** The app id is not known to the service. */
  appIDUnrecognized: "appIDUnrecognized",
  /** The session token was minted for a different app id. */
  appIDMismatch: "appIDMismatch",
  /** The avatar id does not exist. */
  avatarNotFound: "avatarNotFound",
  /** Billing checks denied the session. */
  billingRequired: "billingRequired",
  /** The account ran out of credits. */
  creditsExhausted: "creditsExhausted",
  /** The billing-enforced session time limit was reached. */
  sessionDurationExceeded: "sessionDurationExceeded",
  /** The app has as many concurrent sessions as it may (close code 4003): wait for one to end. */
  concurrencyLimit: "concurrencyLimit",
  /** The handshake was rejected for its sample rate. */
  unsupportedSampleRate: "unsupportedSampleRate",
  /** The LiveKit or Agora egress configuration was rejected. */
  invalidEgressConfig: "invalidEgressConfig",
  /** The egress service is unavailable or not configured on the server. */
  egressUnavailable: "egressUnavailable",
  /** The server closed the session after a period without audio input. */
  idleTimeout: "idleTimeout",
  /** An internal upstream service of the avatar service failed. */
  upstreamError: "upstreamError",
  /** A message broke the protocol (undecodable frame, unexpected sequence). */
  protocolError: "protocolError",
  /** No connection could be established, or it timed out. */
  connectionFailed: "connectionFailed",
  /** An established connection closed unexpectedly. */
  connectionClosed: "connectionClosed",
  /** A server-side failure with no more specific code. */
  serverError: "serverError",
  /** The request was invalid: bad configuration, arguments or call order. */
  invalidRequest: "invalidRequest",
  /** The failure could not be classified. */
  unknown: "unknown",
} as const;

/** One of the {@link AvatarSDKErrorCode} values. */
export type AvatarSDKErrorCode = (typeof AvatarSDKErrorCode)[keyof typeof AvatarSDKErrorCode];

/** The step of a session in which an error happened. */
export const ErrorPhase = {
  sessionToken: "session_token",
  websocketConnect: "websocket_connect",
  websocketHandshake: "websocket_handshake",
  websocketRuntime: "websocket_runtime",
  websocketSend: "websocket_send",
} as const;

/** One of the {@link ErrorPhase} values. */
export type ErrorPhase = (typeof ErrorPhase)[keyof typeof ErrorPhase];
