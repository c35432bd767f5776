import type { Logger, SessionConfig } from "../config/options";
import { AvatarSDKError } from "../errors/avatar-sdk-error";
import type { Platform } from "../session/platform";
import type { OggOpusStream } from "./ogg-opus-stream";

/** The built-in encoder of one session: loaded once, one {@link OggOpusStream} per request. @internal */
export interface SessionEncoder {
  /** Starts loading (and compiling) the encoder; `start()` calls it so the first request does not wait. */
  load(): Promise<unknown>;
  /** Opens a new request's PCM → Ogg Opus stream, loading the encoder first if needed. */
  open(): Promise<OggOpusStream>;
}

/** How a platform loads its Opus encoder (`Platform.loadOpusEncoder`). */
export type LoadOpusEncoder = NonNullable<Platform["loadOpusEncoder"]>;

/**
 * The session's built-in encoder, with the settings of its configuration.
 * The Ogg framing (`ogg-opus-stream`, the muxer) loads with it, in a chunk
 * of its own: sessions without the encoder never download it.
 * @internal
 */
export function sessionEncoder(config: SessionConfig, platform: Platform): SessionEncoder {
  let loaded: Promise<[Awaited<ReturnType<LoadOpusEncoder>>, typeof import("./ogg-opus-stream")]> | undefined;
  const load = () => (loaded ??= Promise.all([loadFactory(config, platform), import("./ogg-opus-stream")]));
  return {
    load() {
      // A failure is reported by the first request that needs the encoder.
      return load().catch(() => undefined);
    },
    async open() {
      const [factory, { OggOpusStream }] = await load();
      const serial = new DataView(platform.random(new Uint8Array(4)).buffer).getUint32(0);
      return OggOpusStream.open(factory, {
        sampleRate: config.sampleRate,
        bitrate: config.bitrate,
        frameDurationMs: config.oggOpusEncoder?.frameDurationMs ?? 20,
        application: config.oggOpusEncoder?.application ?? "audio",
        serial,
        keepStream: config.onEncodedAudio !== undefined,
      });
    },
  };
}

function loadFactory(config: SessionConfig, platform: Platform): ReturnType<LoadOpusEncoder> {
  if (platform.loadOpusEncoder === undefined) {
    return Promise.reject(new AvatarSDKError("invalidRequest", "This platform has no built-in Opus encoder", { phase: "websocket_send" }));
  }
  const logger: Logger = config.logger;
  return platform.loadOpusEncoder(config.oggOpusEncoder?.backend ?? "auto", logger).catch((error: unknown) => {
    throw new AvatarSDKError("unknown", `Could not load the built-in Opus encoder: ${(error as Error)?.message ?? String(error)}`, {
      phase: "websocket_send",
      cause: error,
    });
  });
}
