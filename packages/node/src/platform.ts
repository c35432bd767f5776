/**
 * The Node bindings core runs on: `ws`, `ofetch`, Web Crypto and the Opus
 * encoder. Internal to `@avatarkit/node`.
 *
 * @module
 */
import { webcrypto } from "node:crypto";
import type { Platform, RandomSource } from "@avatarkit/core/platform";
import { nodeHttpClient } from "./http";
import { nodeWebSocketFactory } from "./websocket";

/** Random bytes from Node's Web Crypto. */
export const random: RandomSource = (bytes) => webcrypto.getRandomValues(bytes);

/** The Node platform. */
export const nodePlatform: Platform = {
  webSocket: nodeWebSocketFactory,
  http: nodeHttpClient,
  random,
  defaultQueryAuth: false,
  // The encoder loads when a session that uses it starts.
  loadOpusEncoder: (backend, logger) => import("./opus-encoder").then((m) => m.loadNodeOpusEncoder(backend, logger)),
};
