/**
 * The Opus encoder of the Node entry: libopus compiled to WebAssembly, read
 * from the installed `@evan/opus` package.
 *
 * @packageDocumentation
 */

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Logger } from "@avatarkit/core";
import type { OpusEncoderFactory, StreamEncoderFactory } from "@avatarkit/core/platform";
import { createWasmOpusEncoderFactory, openOggOpusStream } from "@avatarkit/core/audio";

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

/** Opens a request's Ogg Opus stream with {@link nodeOpusEncoderFactory}. */
export const nodeStreamEncoderFactory: StreamEncoderFactory = (options) => openOggOpusStream(nodeOpusEncoderFactory, options);

/** Loads the encoder for `oggOpusEncoder.backend`. @internal */
export async function loadNodeStreamEncoder(_backend: "auto" | "native" | "wasm", logger: Logger): Promise<StreamEncoderFactory> {
  logger.debug?.("[avatarkit] Opus encoder: WebAssembly libopus");
  return nodeStreamEncoderFactory;
}
