import type { ClientRequest, IncomingMessage } from "node:http";
import type { TransportFailure, WebSocketConnection, WebSocketFactory } from "@avatarkit/core/platform";
import WebSocket from "isomorphic-ws";

/** The most of a refused upgrade's body that is kept. */
const MAX_REFUSAL_BODY = 64 * 1024;

/** Node error codes, in words a person can act on. */
const NODE_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused (is the host up and the port right?)",
  ENOTFOUND: "DNS lookup failed (check the host name)",
  EAI_AGAIN: "DNS lookup timed out",
  ECONNRESET: "connection reset by the peer",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  CERT_HAS_EXPIRED: "TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "TLS certificate is self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS certificate could not be verified",
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS certificate does not match the host name",
};

/** Describes a Node network error without the URL (it may hold a session key). */
export function describeNodeError(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && NODE_ERRORS[code] !== undefined) return `${NODE_ERRORS[code]} [${code}]`;
  if (typeof code === "string") return `${code}`;
  return error instanceof Error ? error.message : String(error);
}

/** Reads at most {@link MAX_REFUSAL_BODY} bytes of a refusal's body. */
function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString("utf8"));
    response.on("data", (chunk: Buffer) => {
      if (size < MAX_REFUSAL_BODY) chunks.push(chunk.subarray(0, MAX_REFUSAL_BODY - size));
      size += chunk.length;
    });
    response.on("end", done);
    response.on("error", done);
    response.on("aborted", done);
  });
}

/**
 * A received message's bytes as a plain Uint8Array over the memory of ws'
 * Buffer: no copy. The bytes stay valid after the callbacks return, for as
 * long as the application keeps them: Node reads every chunk from the socket
 * into memory of its own that is never reused, and ws hands out slices of
 * it (or, for a message split across reads, a fresh Buffer it copied the
 * parts into); neither is written again. A kept frame does keep the rest of
 * that memory alive (the other messages of the same read, up to 64 KiB):
 * an application that holds many frames for long can `slice()` them, which
 * copies (a Uint8Array, not a Buffer, whose `slice` would share).
 */
function viewBytes(data: Buffer): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * WebSockets through `ws` (via `isomorphic-ws`): upgrade headers work on every
 * Node version, whether or not Node has a global WebSocket, and a refused
 * upgrade yields its HTTP status and body.
 */
export const nodeWebSocketFactory: WebSocketFactory = {
  supportsHeaders: true,
  connect(request) {
    return new Promise<WebSocketConnection>((resolve, reject) => {
      const fail = (failure: TransportFailure) => {
        request.signal.removeEventListener("abort", onAbort);
        reject(failure);
      };
      if (request.signal.aborted) return reject({ kind: "aborted", cause: request.signal.reason } satisfies TransportFailure);
      const ws = new WebSocket(request.url, { headers: { ...request.headers }, perMessageDeflate: false });
      // Buffers (ws' default, "nodebuffer"): no ArrayBuffer per message from ws itself.
      ws.binaryType = "nodebuffer";
      let opened = false;
      const onAbort = () => {
        ws.terminate();
        fail({ kind: "aborted", cause: request.signal.reason });
      };
      request.signal.addEventListener("abort", onAbort, { once: true });

      ws.on("unexpected-response", (req: ClientRequest, res: IncomingMessage) => {
        void readBody(res).then((body) => {
          req.destroy();
          fail({ kind: "refused", status: res.statusCode ?? 0, body });
        });
      });
      ws.on("error", (error) => {
        if (!opened) fail({ kind: "failed", message: describeNodeError(error), cause: error });
        // After open, 'close' follows every 'error' and reports the end.
      });
      ws.on("open", () => {
        opened = true;
        request.signal.removeEventListener("abort", onAbort);
        resolve(wrap(ws));
      });
      ws.on("message", (data: Buffer, isBinary: boolean) => {
        request.onMessage(isBinary ? viewBytes(data) : data.toString("utf8"));
      });
      ws.on("close", (code: number, reason: Buffer) => {
        if (opened) request.onClose(code, reason.toString("utf8"));
        else fail({ kind: "failed", message: `closed before the upgrade completed (code ${code})`, closeCode: code, closeReason: reason.toString("utf8") });
      });
    });
  },
};

/**
 * `ws` reports when each frame is written to the socket (the send callback),
 * so waiting for the queue to drain needs no polling: every completed write
 * checks the waiters, and the close releases them.
 */
function wrap(ws: WebSocket): WebSocketConnection {
  const waiters: Array<{ limit: number; resolve: () => void }> = [];
  const release = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const waiter = waiters[i] as (typeof waiters)[number];
      if (ws.readyState !== ws.OPEN || ws.bufferedAmount <= waiter.limit) {
        waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  };
  ws.on("close", release);
  return {
    send(data) {
      ws.send(data, release);
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    drained(limit) {
      if (ws.readyState !== ws.OPEN || ws.bufferedAmount <= limit) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ limit, resolve }));
    },
    close(code, reason) {
      ws.close(code, reason);
    },
    terminate() {
      ws.terminate();
    },
  };
}
