/**
 * `@avatarkit/node`: the avatar SDK for Node.js (18.17+). WebSockets through
 * `ws` with header auth, HTTP through `ofetch`, and the WASM Opus encoder.
 *
 * @packageDocumentation
 */
import { AvatarSession as CoreAvatarSession, createLogIdGenerator, requestSessionToken } from "@avatarkit/core/platform";
import type { CreateSessionTokenOptions, SessionOptions } from "@avatarkit/core";
import { nodeHttpClient } from "./http";
import { nodePlatform, random } from "./platform";

// The public API shared by every runtime, by name (see @avatarkit/core).
export {
  AudioFormat,
  AvatarSDKError,
  AvatarSDKErrorCode,
  ConfigurationError,
  decodeAnimationFrame,
  ErrorPhase,
  SessionConfigBuilder,
  SessionState,
  SessionTokenError,
  type AgoraEgressConfig,
  type AnimationFrame,
  type AudioInput,
  type AvatarSessionBase,
  type AvatarSDKErrorDetails,
  type CreateSessionTokenOptions,
  type DecodedAnimationFrame,
  type FlameKeyframe,
  type LiveKitEgressConfig,
  type Logger,
  type OggOpusEncoderConfig,
  type OpusApplication,
  type PlaybackState,
  type PlaybackStateEvent,
  type SampleInput,
  type SessionConfig,
  type SessionOptions,
  type SessionTimeouts,
} from "@avatarkit/core";
/**
 * An avatar session on Node. Header auth by default (`useQueryAuth: false`).
 *
 * ```ts
 * const session = new AvatarSession({ apiKey, appId, avatarId, consoleEndpointUrl, ingressEndpointUrl,
 *   expireAt: new Date(Date.now() + 5 * 60_000), transportFrames: (frame, isLast) => {} });
 * await session.init();
 * const connectionId = await session.start();
 * ```
 */
export class AvatarSession extends CoreAvatarSession {
  constructor(options: SessionOptions) {
    super(options, nodePlatform);
  }
}

/** Creates an {@link AvatarSession}; the same as `new AvatarSession(options)`. */
export function newAvatarSession(options: SessionOptions): AvatarSession {
  return new AvatarSession(options);
}

/**
 * Mints a session token with your API key, for a browser or another process
 * to `start()` a session with (`sessionToken` option) without ever holding
 * the key. Rejects with a `SessionTokenError`.
 */
export function createSessionToken(options: CreateSessionTokenOptions): Promise<string> {
  return requestSessionToken(nodeHttpClient, options);
}

/** A new id like `20260102030405_V1StGXR8_Z5j`: UTC time and 12 URL-safe random characters. */
export const generateLogId: () => string = createLogIdGenerator(random);
