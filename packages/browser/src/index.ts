/**
 * `@avatarkit/browser`: the avatar SDK for browsers. The native WebSocket
 * with query auth, HTTP through `ofetch` over `fetch`, and the WASM Opus
 * encoder loaded on first use. Importing it touches no browser global, so
 * server-side rendering can import it too.
 *
 * The recommended flow: your backend mints a session token with
 * `createSessionToken` from `@avatarkit/node` and hands it to the page,
 * which starts the session with `sessionToken` and never holds the API key.
 *
 * @packageDocumentation
 */
import { AvatarSession as CoreAvatarSession, createLogIdGenerator, requestSessionToken } from "@avatarkit/core/platform";
import type { CreateSessionTokenOptions, SessionOptions } from "@avatarkit/core";
import { browserHttpClient, browserPlatform, random } from "./platform";
export { captureMicrophone, type MicrophoneCapture, type MicrophoneCaptureOptions, type MicrophoneSession } from "./microphone";

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
 * An avatar session in a browser. Query auth by default (`useQueryAuth:
 * true`); asking for header auth throws a `ConfigurationError` (code
 * `invalidRequest`, field `useQueryAuth`) because a browser WebSocket cannot
 * send headers.
 *
 * A browser never sees why a WebSocket upgrade was refused: a bad token or an
 * unknown avatar fails `start()` with `connectionFailed` and `closeCode` 1006,
 * not with the HTTP status a Node client would report.
 *
 * ```ts
 * // The page fetches a token minted by its own backend (createSessionToken in @avatarkit/node).
 * const { sessionToken } = await (await fetch("/api/avatar-session", { method: "POST" })).json();
 * const session = new AvatarSession({ sessionToken, appId, avatarId, ingressEndpointUrl,
 *   transportFrames: (frame, isLast) => renderer.push(frame, isLast) });
 * const connectionId = await session.start();
 * await session.sendAudio(pcm, true);
 * ```
 */
export class AvatarSession extends CoreAvatarSession {
  constructor(options: SessionOptions) {
    super(options, browserPlatform);
  }
}

/** Creates an {@link AvatarSession}; the same as `new AvatarSession(options)`. */
export function newAvatarSession(options: SessionOptions): AvatarSession {
  return new AvatarSession(options);
}

/**
 * Mints a session token with an API key, from the page.
 *
 * **Warning:** an API key in a page is exposed to everyone who can open it
 * (view-source, developer tools, the network panel). Mint tokens on your
 * server with `createSessionToken` from `@avatarkit/node` and pass the page
 * only the token. This function exists for local demos and for code shared
 * with server-side rendering. Rejects with a `SessionTokenError`.
 */
export function createSessionToken(options: CreateSessionTokenOptions): Promise<string> {
  return requestSessionToken(browserHttpClient, options);
}

/** A new id like `20260102030405_V1StGXR8_Z5j`: UTC time and 12 URL-safe random characters (`crypto.getRandomValues`). */
export const generateLogId: () => string = /* @__PURE__ */ createLogIdGenerator(random);
