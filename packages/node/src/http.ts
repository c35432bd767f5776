import { createHttpClient, type HttpClient } from "@avatarkit/core/platform";
import { ofetch } from "ofetch";
import { describeNodeError } from "./websocket";

/** The network error under ofetch's wrappers (`FetchError` → `TypeError: fetch failed` → the socket error). */
const rootCause = (error: unknown): unknown => {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  return (cause as { cause?: unknown })?.cause ?? cause;
};

/** HTTP through `ofetch`: any status is an answer; only a missing response rejects. */
export const nodeHttpClient: HttpClient = createHttpClient(
  (url, options) => ofetch.raw<string, "text">(url, options),
  (error) => describeNodeError(rootCause(error)),
);
