import type { Logger } from "@avatarkit/core";
import type { OpusEncoderFactory } from "@avatarkit/core/platform";

/**
 * The platform's `loadOpusEncoder` hook: loads the built-in PCM → Ogg Opus
 * encoder on its first use, as a separate chunk (`opus-encoder`), which
 * fetches the libopus WebAssembly file (`opus.wasm`, about 330 kB) that sits
 * next to it. Pages that stream PCM or their own Ogg Opus never load either.
 *
 * Bundlers that understand `new URL("./opus.wasm", import.meta.url)` (Vite,
 * webpack 5, Rollup with an asset plugin, esbuild with a file loader) copy
 * the WebAssembly file with the chunk. A Content-Security-Policy must allow
 * WebAssembly (`script-src 'wasm-unsafe-eval'`) for the encoder to run.
 */
export function loadOpusEncoder(_backend: "auto" | "native" | "wasm", logger: Logger): Promise<OpusEncoderFactory> {
  logger.debug?.("[avatarkit] Opus encoder: WebAssembly libopus (browsers have no native backend)");
  return import("./opus-encoder").then((chunk) => chunk.browserOpusEncoderFactory);
}
