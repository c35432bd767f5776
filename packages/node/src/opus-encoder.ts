/**
 * The Opus encoder of the Node entry: libopus compiled to WebAssembly, read
 * from the installed `@evan/opus` package.
 *
 * @packageDocumentation
 */

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Logger } from "@avatarkit/core";
import type { OpusEncoderFactory } from "@avatarkit/core/platform";
import { createWasmOpusEncoderFactory } from "@avatarkit/core/audio";

/**
 * The plain (non-SIMD) build: in Node 20 the SIMD build of the same package
 * encodes no faster, and the plain one runs on every WebAssembly engine.
 */
const WASM_MODULE = "@evan/opus/wasm/opus.wasm";

/**
 * Creates Opus encoders for the built-in Ogg Opus encoder. The `.wasm` file
 * (about 330 kB) is read and compiled on the first call, once per process.
 */
export const nodeOpusEncoderFactory: OpusEncoderFactory = /* @__PURE__ */ createWasmOpusEncoderFactory(() =>
  readFile(createRequire(import.meta.url).resolve(WASM_MODULE)),
);


/**
 * Loads the encoder for `oggOpusEncoder.backend`: `native` is the prebuilt
 * libopus binary (rejects with the reason where it cannot load), `wasm` the
 * WebAssembly build, `auto` native where it loads and WebAssembly elsewhere.
 * The WebAssembly module is compiled and warmed here, so that the first
 * request does not pay for it. Says on `logger.debug` which one runs.
 * @internal
 */
export async function loadNodeOpusEncoder(backend: "auto" | "native" | "wasm", logger: Logger): Promise<OpusEncoderFactory> {
  let factory: OpusEncoderFactory | undefined;
  if (backend !== "wasm") {
    try {
      factory = await import("./opus-native").then((m) => m.loadNativeOpusEncoderFactory());
      logger.debug?.("[avatarkit] Opus encoder: native libopus (@evan/opus prebuilt binary)");
    } catch (error) {
      if (backend === "native") throw error;
      logger.debug?.(`[avatarkit] Opus encoder: WebAssembly libopus (native unavailable: ${(error as Error)?.message ?? String(error)})`);
    }
  } else {
    logger.debug?.("[avatarkit] Opus encoder: WebAssembly libopus");
  }
  if (factory === undefined) {
    factory = nodeOpusEncoderFactory;
    await warm(factory);
  }
  return factory;
}

/** Compiles and instantiates the module and runs libopus once, off the first request's path. */
async function warm(factory: OpusEncoderFactory): Promise<void> {
  const encoder = await factory({ sampleRate: 16000, channels: 1, application: "audio", bitrate: 0 });
  try {
    encoder.encode(new Int16Array(320));
  } finally {
    encoder.destroy();
  }
}
