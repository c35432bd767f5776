import type { HttpClient, TransportFailure } from "@avatarkit/core";
import { ofetch } from "ofetch";

/**
 * HTTP through `ofetch` over the browser's `fetch`: any status is an answer;
 * only a missing response rejects. A browser does not say why a request got
 * no response, so the failure names the usual suspects.
 */
export const ofetchHttpClient: HttpClient = async (request) => {
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
    if (request.signal.aborted) throw { kind: "aborted", cause: request.signal.reason } satisfies TransportFailure;
    throw {
      kind: "failed",
      message: "no response (the host is unreachable, or the browser blocked the request: CORS, mixed content or a Content-Security-Policy connect-src rule)",
      cause: error,
    } satisfies TransportFailure;
  }
};
