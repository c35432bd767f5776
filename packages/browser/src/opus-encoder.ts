/**
 * The lazily loaded chunk of the built-in encoder: libopus as WebAssembly,
 * fetched from next to this file, under core's Ogg Opus stream.
 *
 * @packageDocumentation
 */
import type { OpusEncoderFactory } from "@avatarkit/core/platform";
import { createWasmOpusEncoderFactory } from "@avatarkit/core/audio";

/**
 * Fetches and compiles `opus.wasm` from next to this chunk, streaming:
 * `WebAssembly.compileStreaming` compiles while the bytes arrive. A server
 * that does not send `application/wasm` makes it throw a `TypeError`; then
 * the bytes are compiled once they are all there. Called once per page (the
 * factory keeps the module).
 */
async function loadOpusWasm(): Promise<WebAssembly.Module> {
  const url = new URL("./opus.wasm", import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not load the Opus encoder from ${url.href} (HTTP ${response.status})`);
  if (typeof WebAssembly.compileStreaming === "function" && /^application\/wasm\b/.test(response.headers.get("content-type") ?? "")) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Opus encoders over the WebAssembly libopus, compiled once per page on first use. */
export const browserOpusEncoderFactory: OpusEncoderFactory = /* @__PURE__ */ createWasmOpusEncoderFactory(loadOpusWasm);

