/**
 * The interfaces a platform package implements so that core can talk to the
 * network. Core never touches a socket or `fetch` itself.
 *
 * @packageDocumentation
 */

/** What a WebSocket factory is asked to open. */
export interface WebSocketConnectRequest {
  /** The full `ws://` or `wss://` URL, query included. Never log it: with query auth it holds the session key. */
  readonly url: string;
  /** Headers for the upgrade request. Empty with query auth. */
  readonly headers: Readonly<Record<string, string>>;
  /** Aborts the attempt; the factory rejects with {@link TransportFailure} `aborted`. */
  readonly signal: AbortSignal;
  /** Called for every frame received after the connection opened, text frames as strings. */
  readonly onMessage: (data: Uint8Array | string) => void;
  /** Called once when an open connection ends, for whatever reason. */
  readonly onClose: (code: number, reason: string) => void;
}

/** An open WebSocket, as core sees it. */
export interface WebSocketConnection {
  /** Queues one binary frame. */
  send(data: Uint8Array): void;
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number;
  /**
   * Resolves once at most `limit` bytes are queued ({@link WebSocketConnection.bufferedAmount}),
   * at once when that is already so, and when the connection closes (nothing
   * more will drain). Never rejects.
   */
  drained(limit: number): Promise<void>;
  /** Starts the closing handshake; `onClose` follows. */
  close(code?: number, reason?: string): void;
  /** Drops the connection without a closing handshake. */
  terminate(): void;
}

/**
 * Why a connection attempt failed, as a platform can tell it.
 *
 * - `refused`: the server answered the upgrade with an HTTP response (Node
 *   sees it; browsers cannot);
 * - `failed`: no WebSocket was established (DNS, refused, TLS, reset) or the
 *   platform cannot say why (browsers);
 * - `aborted`: the request's signal fired.
 */
export type TransportFailure =
  | { readonly kind: "refused"; readonly status: number; readonly body: string }
  | {
      readonly kind: "failed";
      readonly message: string;
      readonly closeCode?: number;
      readonly closeReason?: string;
      readonly cause?: unknown;
    }
  | { readonly kind: "aborted"; readonly cause?: unknown };

/** A platform's way of opening WebSockets. */
export interface WebSocketFactory {
  /** Whether upgrade headers can be sent (false in browsers). */
  readonly supportsHeaders: boolean;
  /** Resolves once the connection is open; rejects with a {@link TransportFailure}. */
  connect(request: WebSocketConnectRequest): Promise<WebSocketConnection>;
}

/** One HTTP request made by core (the session-token call). */
export interface HttpRequest {
  readonly url: string;
  readonly method: "POST";
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal: AbortSignal;
}

/** The answer to an {@link HttpRequest}, whatever its status. */
export interface HttpResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * Sends an HTTP request and resolves with any response, 4xx and 5xx
 * included; rejects with a {@link TransportFailure} only when no response
 * arrived.
 */
export type HttpClient = (request: HttpRequest) => Promise<HttpResponse>;

/** Returns true when `value` is a {@link TransportFailure}. */
export function isTransportFailure(value: unknown): value is TransportFailure {
  if (typeof value !== "object" || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === "refused" || kind === "failed" || kind === "aborted";
}
