import { createHttpClient, type HttpClient } from "@avatarkit/core/platform";
import { ofetch } from "ofetch";

/**
 * HTTP through `ofetch` over the browser's `fetch`: any status is an answer;
 * only a missing response rejects. A browser does not say why a request got
 * no response, so the failure names the usual suspects.
 */
export const ofetchHttpClient: HttpClient = createHttpClient(
  (url, options) => ofetch.raw<string, "text">(url, options),
  () => "no response (the host is unreachable, or the browser blocked the request: CORS, mixed content or a Content-Security-Policy connect-src rule)",
);
