/**
 * `@avatarkit/core`: the public, platform-independent part of the avatar
 * SDK's API. Applications import a platform entry (`@avatarkit/node`,
 * `@avatarkit/browser` or `@avatarkit/sdk`), which re-exports these names by
 * name and adds the session class bound to its WebSocket, HTTP client and
 * encoder.
 *
 * What platform packages need from core and users should not see lives in
 * `@avatarkit/core/platform`, which is not public API.
 *
 * @packageDocumentation
 */
export {
  AudioFormat,
  type AgoraEgressConfig,
  type LiveKitEgressConfig,
  type Logger,
  type AnimationFrame,
  type OggOpusEncoderConfig,
  type PlaybackState,
  type PlaybackStateEvent,
  type SessionConfig,
  type SessionOptions,
  type SessionTimeouts,
  type CreateSessionTokenOptions,
} from "./config/options";
export { SessionConfigBuilder } from "./config/builder";
export { AvatarSDKError, ConfigurationError, SessionTokenError, type AvatarSDKErrorDetails } from "./errors/avatar-sdk-error";
export { AvatarSDKErrorCode, ErrorPhase } from "./errors/codes";
export { SessionState } from "./session/state";
/**
 * The session API every runtime shares: the type of `@avatarkit/node`'s and
 * `@avatarkit/browser`'s `AvatarSession`, for code written for both. Create
 * sessions with a platform entry's `AvatarSession` or `newAvatarSession`.
 */
export type { AvatarSession as AvatarSessionBase } from "./session/session";
export type { AudioInput } from "./session/audio-input";
export type { SampleInput } from "./session/sample-input";

export type { OpusApplication } from "./encoder/opus-encoder";
export { decodeAnimationFrame, type DecodedAnimationFrame, type FlameKeyframe } from "./decode-animation-frame";
