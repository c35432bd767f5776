import type { HttpClient, TransportFailure } from "./transport";

/** The options core passes to a fetch function (a subset of `ofetch.raw`'s). */
export interface RawFetchOptions {
  method: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  responseType: "text";
  ignoreResponseError: true;
  retry: 0;
}

/** A fetch function of `ofetch.raw`'s shape: resolves with any status, rejects only when no response arrived. */
export type RawFetch = (url: string, options: RawFetchOptions) => Promise<{ status: number; _data?: unknown }>;

/**
 * An {@link HttpClient} over a platform's fetch (`ofetch.raw` in both
 * platform packages). `describe` words a failure with no response for
 * people, as the platform can tell it.
 */
export function createHttpClient(fetchRaw: RawFetch, describe: (error: unknown) => string): HttpClient {
  return async (request) => {
    try {
      const response = await fetchRaw(request.url, {
        method: request.method,
        headers: { ...request.headers },
        body: request.body,
        signal: request.signal,
        responseType: "text",
        ignoreResponseError: true,
        retry: 0,
      });
      return { status: response.status, body: typeof response._data === "string" ? response._data : "" };
    } catch (error) {
      if (request.signal.aborted) throw { kind: "aborted", cause: request.signal.reason } satisfies TransportFailure;
      throw { kind: "failed", message: describe(error), cause: error } satisfies TransportFailure;
    }
  };
}
