import type { HttpClient } from "@avatarkit/core";
import { ofetch } from "ofetch";
import { describeNodeError } from "./websocket";

/** HTTP through `ofetch`: any status is an answer; only a missing response rejects. */
export const nodeHttpClient: HttpClient = async (request) => {
  try {
    const response = await ofetch.raw<string, "text">(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      responseType: "text",
      ignoreResponseError: true,
      retry: 0,
    });
    return { status: response.status, body: typeof response._data === "string" ? response._data : "" };
  } catch (error) {
    if (request.signal.aborted) throw { kind: "aborted", cause: request.signal.reason };
    const cause = (error as { cause?: unknown }).cause ?? error;
    throw { kind: "failed", message: describeNodeError((cause as { cause?: unknown }).cause ?? cause), cause: error };
  }
};
