import type { OpusApplication } from "../encoder/opus-encoder";
import type { AvatarSDKError } from "../errors/avatar-sdk-error";

/** Audio formats a session can negotiate. */
export const AudioFormat = {
  /** Mono 16-bit little-endian PCM. */
  PCM_S16LE: "pcm_s16le",
  /** One continuous Ogg Opus stream per request. */
  OGG_OPUS: "ogg_opus",
} as const;

/** One of the {@link AudioFormat} values. */
export type AudioFormat = (typeof AudioFormat)[keyof typeof AudioFormat];

/** Settings of the built-in PCM → Ogg Opus encoder. */
export interface OggOpusEncoderConfig {
  /** Opus frame duration: 10, 20 (default), 40 or 60 ms. */
  frameDurationMs?: 10 | 20 | 40 | 60;
  /** libopus application: `audio` (default), `voip` or `restricted_lowdelay`. */
  application?: OpusApplication;
  /**
   * Which libopus runs: `"native"` (Node: the prebuilt binary of `@evan/opus`),
   * `"wasm"` (WebAssembly, every runtime), or `"auto"` (default: native where it
   * loads, else WebAssembly). Browsers always run WebAssembly.
   */
  backend?: "auto" | "native" | "wasm";
}

/** Where the output of a request stands, as the server reports it. */
export type PlaybackState = "playing" | "paused" | "ended" | "interrupted";

/** A `ServerPlaybackState` message: the answer to `pause()`/`resume()`, or an unprompted change. */
export interface PlaybackStateEvent {
  /** The request the state is about. */
  readonly reqId: string;
  readonly state: PlaybackState;
  /** Milliseconds of output written so far (frozen while paused). */
  readonly playedMs: number;
  /** Why, when the server says: `explicit`, `preempted` or `pause_timeout` with `interrupted`. */
  readonly reason?: string;
  readonly connectionId?: string;
}

/** One animation message, as `onFrame` receives it. */
export interface AnimationFrame {
  /** The whole received message, byte for byte (the same bytes `transportFrames` gets). */
  readonly bytes: Uint8Array;
  /** The request the frame animates: drop frames of a request you interrupted. */
  readonly reqId: string;
  /** True on the last frame of the request. */
  readonly isLast: boolean;
  /** The avatar, when the server names it. */
  readonly avatarId?: string;
}

/** Publish to a LiveKit room instead of returning frames over the WebSocket. */
export interface LiveKitEgressConfig {
  /** LiveKit server URL, e.g. `wss://livekit.example.com`. */
  url: string;
  /** A pre-generated LiveKit access token (preferred). */
  apiToken?: string;
  /** @deprecated Use {@link LiveKitEgressConfig.apiToken}. */
  apiKey?: string;
  /** @deprecated Use {@link LiveKitEgressConfig.apiToken}. */
  apiSecret?: string;
  roomName: string;
  /** Publisher identity in the room. */
  publisherId?: string;
  /** Extra participant attributes. */
  extraAttributes?: Record<string, string>;
  /** Seconds without input before the egress leaves; 0 uses the server default. */
  idleTimeout?: number;
}

/** Publish to an Agora channel instead of returning frames over the WebSocket. */
export interface AgoraEgressConfig {
  channelName: string;
  token?: string;
  /** 0 (default) lets the service choose. */
  uid?: number;
  publisherId?: string;
}

/** Time limits, in milliseconds. A step that takes longer fails with `connectionFailed`. */
export interface SessionTimeouts {
  /** The session-token request. Default 10 000. */
  sessionTokenMs: number;
  /** Opening the WebSocket (until the upgrade completes). Default 10 000. */
  connectMs: number;
  /** From the configure message to the server's confirmation. Default 10 000. */
  handshakeMs: number;
  /** How long `close()` waits for the server's close frame. Default 2 000. */
  closeMs: number;
  /**
   * How long `sendAudio()` waits for the socket to drain under `highWaterMark`.
   * A server that stops reading for longer fails the session with
   * `connectionFailed`. Default 15 000.
   */
  drainMs: number;
}

/** Where the SDK writes warnings (deprecations, callback failures) and debug notes. */
export interface Logger {
  warn(message: string, ...details: unknown[]): void;
  /** Optional: notes such as which encoder backend runs. */
  debug?(message: string, ...details: unknown[]): void;
}

/** Everything a session can be configured with. */
export interface SessionOptions {
  /** The avatar to drive. */
  avatarId: string;
  /** Your application id. */
  appId: string;
  /** Ingress URL, e.g. `wss://api.us-west.spatialwalk.cloud/v2/driveningress` (`http(s)` maps to `ws(s)`). */
  ingressEndpointUrl: string;
  /** API key, used by `init()` to mint a session token. Keep it on servers. */
  apiKey?: string;
  /** Console URL, e.g. `https://console.us-west.spatialwalk.cloud/v1/console`. Needed by `init()`. */
  consoleEndpointUrl?: string;
  /** When the session token minted by `init()` expires. Needed by `init()`. */
  expireAt?: Date;
  /** A token minted elsewhere (e.g. by your backend with `createSessionToken`): `start()` without `init()` or an API key. */
  sessionToken?: string;
  /** Send credentials as query parameters (web) instead of headers. Default: false in Node, true in browsers. */
  useQueryAuth?: boolean;
  /** Input sample rate in Hz. Default 16 000. */
  sampleRate?: number;
  /** Bitrate in bits per second; 0 (default) is normal for PCM and selects the encoder default for Opus. */
  bitrate?: number;
  /** Audio format negotiated with the service. Default `pcm_s16le`. */
  audioFormat?: AudioFormat;
  /** With `audioFormat: "ogg_opus"`: `sendAudio()` takes PCM and the SDK encodes it. */
  oggOpusEncoder?: OggOpusEncoderConfig;
  /** Called once per request with the whole Ogg Opus stream the built-in encoder produced. */
  onEncodedAudio?: (reqId: string, audio: Uint8Array) => void;
  /**
   * Called with every animation frame, byte for byte as received; `isLast`
   * marks a request's last frame. The bytes may be kept after the callback
   * returns (queued for a renderer): nothing overwrites them. They are not
   * copied per frame: in Node `frame` is a view into the memory the socket
   * read it into, and keeps that read (other frames with it, up to 64 KiB)
   * alive while held; `frame.slice()` copies it into memory of its own size.
   * To hand a frame to a worker, transfer `frame.slice().buffer`, never
   * `frame.buffer` (it holds other frames). In browsers each frame has an
   * ArrayBuffer of its own.
   */
  transportFrames?: (frame: Uint8Array, isLast: boolean) => void;
  /**
   * Called with every animation message and its context (request id, last
   * flag, avatar id). Frames of a request you interrupted may still arrive
   * (they were in flight): compare `frame.reqId` with the id `interrupt()`
   * resolved with to drop them. Decode keyframes with `decodeAnimationFrame(frame.bytes)`.
   * `frame.bytes` is the Uint8Array `transportFrames` gets, and may be kept
   * the same way (see {@link SessionOptions.transportFrames}).
   */
  onFrame?: (frame: AnimationFrame) => void;
  /** Called with every playback state the server sends (servers that announce `playback_state`). */
  onPlaybackState?: (event: PlaybackStateEvent) => void;
  /** Called with every error the session reports. */
  onError?: (error: AvatarSDKError) => void;
  /** Called exactly once, when the session reaches the closed state. */
  onClose?: () => void;
  /** Publish to a LiveKit room. Exclusive with `agoraEgress`. */
  livekitEgress?: LiveKitEgressConfig;
  /** Publish to an Agora channel. Exclusive with `livekitEgress`. */
  agoraEgress?: AgoraEgressConfig;
  /** Time limits; unset ones keep their defaults. */
  timeouts?: Partial<SessionTimeouts>;
  /** Aborting it cancels `init()`/`start()` in flight and closes the session. */
  signal?: AbortSignal;
  /** `sendAudio()` waits while more than this many bytes are queued on the socket. Default 1 MiB. */
  highWaterMark?: number;
  /** Receives warnings (and, with `debug`, notes). Default: warnings to `console.warn`. */
  logger?: Logger;
}

/** A session's resolved configuration: options with every default applied. */
export interface SessionConfig extends Readonly<SessionOptions> {
  readonly useQueryAuth: boolean;
  readonly sampleRate: number;
  readonly bitrate: number;
  readonly audioFormat: AudioFormat;
  readonly timeouts: Readonly<SessionTimeouts>;
  readonly highWaterMark: number;
  readonly logger: Logger;
}

/** What a session token request needs. */
export interface CreateSessionTokenOptions {
  /** Your API key. Keep it on servers. */
  apiKey: string;
  /** Console URL, e.g. `https://console.us-west.spatialwalk.cloud/v1/console`. */
  consoleEndpointUrl: string;
  /** When the token expires. */
  expireAt: Date;
  /** Time limit in milliseconds. Default 10 000. */
  timeoutMs?: number;
  /** Cancels the request; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}
