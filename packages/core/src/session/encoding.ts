import type { SessionConfig } from "../config/options";
import { AvatarSDKError } from "../errors/avatar-sdk-error";
import type { Platform, StreamEncoderFactory } from "./platform";
import type { StreamEncoder } from "./sending";

/**
 * Opens a request's PCM → Ogg Opus stream with the platform's encoder,
 * loading the encoder (WASM) on the first request only.
 * @internal
 */
export function streamOpener(config: SessionConfig, platform: Platform): () => Promise<StreamEncoder> {
  let factory: Promise<StreamEncoderFactory> | undefined;
  return async () => {
    factory ??= load(platform);
    const open = await factory;
    const serial = new DataView(platform.random(new Uint8Array(4)).buffer).getUint32(0);
    return open({
      sampleRate: config.sampleRate,
      bitrate: config.bitrate,
      frameDurationMs: config.oggOpusEncoder?.frameDurationMs ?? 20,
      application: config.oggOpusEncoder?.application ?? "audio",
      serial,
      keepStream: config.onEncodedAudio !== undefined,
    });
  };
}

function load(platform: Platform): Promise<StreamEncoderFactory> {
  if (platform.loadStreamEncoder === undefined) {
    return Promise.reject(new AvatarSDKError("invalidRequest", "This platform has no built-in Opus encoder", { phase: "websocket_send" }));
  }
  return platform.loadStreamEncoder().catch((error: unknown) => {
    throw new AvatarSDKError("unknown", `Could not load the built-in Opus encoder: ${(error as Error)?.message ?? String(error)}`, {
      phase: "websocket_send",
      cause: error,
    });
  });
}
