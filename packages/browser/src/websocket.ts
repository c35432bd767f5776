import type { TransportFailure, WebSocketConnection, WebSocketFactory } from "@avatarkit/core/platform";
import IsomorphicWebSocket from "isomorphic-ws";

/** The part of a WHATWG `WebSocket` the factory uses. */
export interface BrowserWebSocket {
  binaryType: string;
  readonly bufferedAmount: number;
  /** 1 while open. */
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A `WebSocket` class: `new WebSocket(url)`. */
export type BrowserWebSocketConstructor = new (url: string) => BrowserWebSocket;

/** Options of {@link createBrowserWebSocketFactory}. */
export interface BrowserWebSocketOptions {
  /**
   * The `WebSocket` class to use. Default: the global `WebSocket`, through
   * `isomorphic-ws`'s browser build. Read when a connection opens, not at
   * import time.
   */
  WebSocket?: BrowserWebSocketConstructor;
}

/**
 * What a page can say about a WebSocket that failed before it opened. The
 * WHATWG WebSocket hides a refused upgrade's HTTP status and body from
 * scripts: all a page sees is an `error` event and a close with code 1006.
 */
const HIDDEN_CAUSE =
  "browsers do not expose why: the server may have refused the upgrade (an invalid or expired session token, " +
  "an unknown app or avatar) or be unreachable; the browser's developer tools show the HTTP status";

/**
 * Creates the browser's {@link WebSocketFactory}: the native `WebSocket` with
 * `binaryType = "arraybuffer"`. It cannot send upgrade headers
 * (`supportsHeaders: false`), so sessions use query auth, and it refuses a
 * request that carries headers instead of dropping them.
 *
 * A connection that fails before it opens rejects with a `failed`
 * {@link TransportFailure} carrying the close code (1006 for a refused
 * upgrade, whose status a browser never sees); core reports it as
 * `connectionFailed` with `closeCode`.
 */
export function createBrowserWebSocketFactory(options: BrowserWebSocketOptions = {}): WebSocketFactory {
  return {
    supportsHeaders: false,
    connect(request) {
      return new Promise<WebSocketConnection>((resolve, reject) => {
        const WebSocketClass =
          options.WebSocket ??
          (IsomorphicWebSocket as unknown as BrowserWebSocketConstructor | null | undefined) ??
          (globalThis as { WebSocket?: BrowserWebSocketConstructor }).WebSocket;
        if (typeof WebSocketClass !== "function") {
          reject(failed("this runtime has no WebSocket: @avatarkit/browser needs a browser's (in Node, use @avatarkit/node)"));
          return;
        }
        if (Object.keys(request.headers).length > 0) {
          reject(failed("a browser WebSocket cannot send headers; use query auth (useQueryAuth: true)"));
          return;
        }
        if (request.signal.aborted) {
          reject({ kind: "aborted", cause: request.signal.reason } satisfies TransportFailure);
          return;
        }
        let ws: BrowserWebSocket;
        try {
          ws = new WebSocketClass(request.url);
        } catch (error) {
          // The error's message may quote the URL, which holds the session key.
          reject(failed(`the browser refused to open the URL (${(error as Error)?.name ?? "error"})`, { cause: error }));
          return;
        }
        ws.binaryType = "arraybuffer";
        const detach = () => {
          ws.onopen = ws.onmessage = ws.onclose = null;
          // Kept, not removed: `ws` (what this resolves to in Node) throws an `error` nobody listens to.
          ws.onerror = ignore;
        };
        const onAbort = () => {
          detach();
          closeQuietly(ws);
          reject({ kind: "aborted", cause: request.signal.reason } satisfies TransportFailure);
        };
        request.signal.addEventListener("abort", onAbort, { once: true });

        // A failed connection fires `error`, then `close`; the close carries the code.
        ws.onerror = ignore;
        ws.onclose = ({ code, reason }) => {
          request.signal.removeEventListener("abort", onAbort);
          detach();
          reject(
            failed(`the connection closed before it opened (code ${code}); ${HIDDEN_CAUSE}`, {
              closeCode: code,
              ...(reason ? { closeReason: reason } : {}),
            }),
          );
        };
        ws.onopen = () => {
          request.signal.removeEventListener("abort", onAbort);
          ws.onmessage = ({ data }) => request.onMessage(typeof data === "string" ? data : new Uint8Array(data as ArrayBuffer));
          // After open, every `error` is followed by a `close`, which reports the end.
          ws.onclose = ({ code, reason }) => {
            detach();
            request.onClose(code, reason);
          };
          resolve(wrap(ws, detach));
        };
      });
    },
  };
}

/** The browser's WebSocket factory, bound to the global `WebSocket`. */
export const browserWebSocketFactory: WebSocketFactory = /* @__PURE__ */ createBrowserWebSocketFactory();

const ignore = () => {};

function failed(message: string, extra: { closeCode?: number; closeReason?: string; cause?: unknown } = {}): TransportFailure {
  return { kind: "failed", message, ...extra };
}

/** Closes without throwing: browsers throw on codes other than 1000 and 3000–4999, and on long reasons. */
function closeQuietly(ws: BrowserWebSocket, code?: number, reason?: string): void {
  try {
    ws.close(code, reason);
  } catch {
    ws.close();
  }
}

/** How often a page checks `bufferedAmount` while waiting for it to drain (browsers have no drain event). */
const DRAIN_POLL_MS = 5;

function wrap(ws: BrowserWebSocket, detach: () => void): WebSocketConnection {
  const OPEN = 1;
  return {
    send(data) {
      ws.send(data);
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    drained(limit) {
      return new Promise((resolve) => {
        const check = () => {
          if (ws.readyState !== OPEN || ws.bufferedAmount <= limit) resolve();
          else setTimeout(check, DRAIN_POLL_MS);
        };
        check();
      });
    },
    close(code, reason) {
      closeQuietly(ws, code, reason);
    },
    terminate() {
      // A page cannot drop a TCP connection: start the closing handshake and stop listening.
      detach();
      closeQuietly(ws);
    },
  };
}
