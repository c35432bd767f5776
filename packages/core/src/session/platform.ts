import type { Logger, OggOpusEncoderConfig } from "../config/options";
import type { RandomSource } from "../log-id";
import type { HttpClient, WebSocketFactory } from "../transport";
import type { StreamEncoder } from "./sending";

/** Settings of one request's encoded stream. */
export interface StreamEncoderOptions extends Required<Omit<OggOpusEncoderConfig, "backend">> {
  readonly sampleRate: number;
  readonly bitrate: number;
  /** The Ogg serial number of the stream. */
  readonly serial: number;
  /** Keep the whole stream for `onEncodedAudio`. */
  readonly keepStream: boolean;
}

/** Opens a request's PCM → Ogg Opus stream. */
export type StreamEncoderFactory = (options: StreamEncoderOptions) => Promise<StreamEncoder>;

/** What a platform package hands to core: its network, randomness and encoder. */
export interface Platform {
  readonly webSocket: WebSocketFactory;
  readonly http: HttpClient;
  readonly random: RandomSource;
  /** `useQueryAuth` when the options leave it unset (true in browsers). */
  readonly defaultQueryAuth: boolean;
  /**
   * Loads the built-in encoder; absent where the platform has none. `backend`
   * is `oggOpusEncoder.backend`; the platform notes on `logger.debug` which
   * libopus it runs.
   */
  readonly loadStreamEncoder?: (backend: "auto" | "native" | "wasm", logger: Logger) => Promise<StreamEncoderFactory>;
}
