import type { SessionConfig } from "../config/options";
import { AvatarSDKError } from "../errors/avatar-sdk-error";
import type { Platform, StreamEncoderFactory } from "./platform";
import type { StreamEncoder } from "./sending";

/** The built-in encoder of one session: loaded once, one stream per request. @internal */
export interface SessionEncoder {
  /** Starts loading (and compiling) the encoder; `start()` calls it so the first request does not wait. */
  load(): Promise<unknown>;
  /** Opens a new request's PCM → Ogg Opus stream, loading the encoder first if needed. */
  open(): Promise<StreamEncoder>;
}

/** The session's built-in encoder, with the settings of its configuration. @internal */
export function sessionEncoder(config: SessionConfig, platform: Platform): SessionEncoder {
  let factory: Promise<StreamEncoderFactory> | undefined;
  const load = () => (factory ??= loadFactory(config, platform));
  return {
    load() {
      // A failure is reported by the first request that needs the encoder.
      return load().catch(() => undefined);
    },
    async open() {
      const open = await load();
      const serial = new DataView(platform.random(new Uint8Array(4)).buffer).getUint32(0);
      return open({
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

function loadFactory(config: SessionConfig, platform: Platform): Promise<StreamEncoderFactory> {
  if (platform.loadStreamEncoder === undefined) {
    return Promise.reject(new AvatarSDKError("invalidRequest", "This platform has no built-in Opus encoder", { phase: "websocket_send" }));
  }
  const backend = config.oggOpusEncoder?.backend ?? "auto";
  return platform.loadStreamEncoder(backend, config.logger).catch((error: unknown) => {
    throw new AvatarSDKError("unknown", `Could not load the built-in Opus encoder: ${(error as Error)?.message ?? String(error)}`, {
      phase: "websocket_send",
      cause: error,
    });
  });
}
