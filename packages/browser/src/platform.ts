/**
 * The browser bindings core runs on: the native WebSocket (query auth), a
 * lazily loaded HTTP client, Web Crypto and the lazily loaded Opus encoder.
 * Internal to `@avatarkit/browser`; importing it touches no browser global.
 *
 * @module
 */
import type { HttpClient, Platform, RandomSource } from "@avatarkit/core/platform";
import { loadOpusEncoder } from "./encoder-loader";
import { browserWebSocketFactory } from "./websocket";

/** `crypto.getRandomValues`, looked up when called (never at import time). */
export const random: RandomSource = (bytes) => {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (b: Uint8Array) => Uint8Array } }).crypto;
  if (typeof crypto?.getRandomValues !== "function") {
    throw new Error("crypto.getRandomValues is not available in this runtime: the SDK needs Web Crypto to mint request ids");
  }
  return crypto.getRandomValues(bytes);
};

/**
 * HTTP through `ofetch`, loaded with the first request: only `init()` and
 * `createSessionToken()` make one, so a page that starts sessions with a
 * pre-minted token never downloads it.
 */
export const browserHttpClient: HttpClient = (request) => import("./http").then((chunk) => chunk.ofetchHttpClient(request));

/** The browser bindings core runs on. */
export const browserPlatform: Platform = {
  webSocket: browserWebSocketFactory,
  http: browserHttpClient,
  random,
  defaultQueryAuth: true,
  // The built-in Ogg Opus encoder: a separate chunk and a .wasm file, fetched on first use.
  loadOpusEncoder,
};

