import type { Logger } from "../config/options";
import type { OpusEncoderFactory } from "../encoder/opus-encoder";
import type { RandomSource } from "../log-id";
import type { HttpClient, WebSocketFactory } from "../transport";

/** What a platform package hands to core: its network, randomness and encoder. */
export interface Platform {
  readonly webSocket: WebSocketFactory;
  readonly http: HttpClient;
  readonly random: RandomSource;
  /** `useQueryAuth` when the options leave it unset (true in browsers). */
  readonly defaultQueryAuth: boolean;
  /**
   * Loads the built-in encoder's libopus; absent where the platform has none.
   * `backend` is `oggOpusEncoder.backend`; the platform notes on
   * `logger.debug` which libopus it runs. Core adds the Ogg framing.
   */
  readonly loadOpusEncoder?: (backend: "auto" | "native" | "wasm", logger: Logger) => Promise<OpusEncoderFactory>;
}
