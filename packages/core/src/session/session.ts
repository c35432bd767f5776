import type { SessionConfig, SessionOptions } from "../config/options";
import { resolveConfig } from "../config/resolve";
import { secretsOf } from "../config/redact";
import { AvatarSDKError, ConfigurationError } from "../errors/avatar-sdk-error";
import { sdkError, serverErrorReceived } from "../errors/create";
import { createLogIdGenerator } from "../log-id";
import type { WebSocketConnection } from "../transport";
import { audioBytes, type AudioInput } from "./audio-input";
import { invokeCallback } from "./callbacks";
import { deferred, startDeadline, type Deferred } from "./deadline";
import { buildConnectTarget, closedDuringHandshake, configureMessage, connectError, handshakeOutcome, handshakeTimeout } from "./handshake";
import { streamOpener } from "./encoding";
import { notOpen, scrubError, wrongState } from "./guards";
import type { Platform } from "./platform";
import { receiveFrame, unexpectedClose } from "./receiving";
import { AudioSender } from "./sending";
import { SessionState, StateMachine } from "./state";
import { checkTokenOptions, requestSessionToken } from "./token";

/**
 * One avatar session: a session token, a WebSocket, audio in, animation
 * frames out. Single-use: once closed, create a new session.
 *
 * Platform packages export a subclass bound to their WebSocket, HTTP client
 * and encoder; use that one (`new AvatarSession(options)`).
 */
export class AvatarSession {
  /** The resolved configuration. Secrets stay out of `JSON.stringify` and `util.inspect`. */
  readonly config: SessionConfig;
  readonly #platform: Platform;
  readonly #machine: StateMachine;
  readonly #sender: AudioSender;
  readonly #newReqId: () => string;
  /** Aborted when the session closes: cancels whatever is in flight. */
  readonly #lifecycle = new AbortController();
  #token: string | undefined;
  #connection: WebSocketConnection | undefined;
  #connectionId: string | undefined;
  #handshake: Deferred<string> | undefined;
  /** The error that ended the session, if one did. */
  #failure: AvatarSDKError | undefined;
  /** A runtime ServerError that was the last thing received: a close right after it is its consequence. */
  #lastServerError: AvatarSDKError | undefined;
  #closed = deferred<void>();

  /**
   * @param options - the session's options, validated at once.
   * @param platform - the runtime bindings; supplied by the platform entry's subclass.
   * @internal Construct a platform entry's `AvatarSession` instead.
   */
  constructor(options: SessionOptions, platform: Platform) {
    this.config = resolveConfig(options, platform.defaultQueryAuth);
    this.#platform = platform;
    if (!this.config.useQueryAuth && !platform.webSocket.supportsHeaders) {
      throw new ConfigurationError(
        "useQueryAuth",
        "Header auth is not possible here: this runtime's WebSocket cannot send headers. Set useQueryAuth: true (the default in browsers).",
      );
    }
    this.#machine = new StateMachine((state) => {
      if (state === SessionState.closed) this.#onClosed();
    });
    this.#newReqId = createLogIdGenerator(platform.random);
    this.#sender = new AudioSender({
      newReqId: this.#newReqId,
      transmit: (message) => this.#transmit(message),
      pcmInput: this.config.audioFormat === "pcm_s16le" || this.config.oggOpusEncoder !== undefined,
      ...(this.config.oggOpusEncoder === undefined ? {} : { openStream: streamOpener(this.config, platform) }),
      onEncoded: (reqId, stream) => invokeCallback(this.config.logger, "onEncodedAudio", this.config.onEncodedAudio, reqId, stream),
    });
    const signal = this.config.signal;
    if (signal !== undefined) {
      const onAbort = () => void this.close();
      if (signal.aborted) queueMicrotask(onAbort);
      else signal.addEventListener("abort", onAbort, { once: true });
      this.#lifecycle.signal.addEventListener("abort", () => signal.removeEventListener("abort", onAbort), { once: true });
    }
  }

  /** Where the session is in its life. */
  get state(): SessionState {
    return this.#machine.state;
  }

  /** The server's id for this connection, once `start()` resolved. */
  get connectionId(): string | undefined {
    return this.#connectionId;
  }

  /**
   * Requests a session token with the API key. Not needed when the options
   * carry a `sessionToken` (then it resolves at once). A failure rejects with
   * a `SessionTokenError`, is passed to `onError`, and leaves the session
   * idle so `init()` can be retried.
   */
  async init(): Promise<void> {
    this.#expectState("init()", SessionState.idle);
    if (this.config.sessionToken !== undefined && this.config.apiKey === undefined) return;
    const { apiKey, consoleEndpointUrl, expireAt } = this.config;
    checkTokenOptions({ apiKey, consoleEndpointUrl, expireAt });
    this.#machine.to(SessionState.token);
    try {
      this.#token = await requestSessionToken(this.#platform.http, {
        apiKey: apiKey as string,
        consoleEndpointUrl: consoleEndpointUrl as string,
        expireAt: expireAt as Date,
        timeoutMs: this.config.timeouts.sessionTokenMs,
        signal: this.#lifecycle.signal,
      });
    } catch (error) {
      throw this.#interrupted("init()") ?? this.#report(this.#scrubbed(error));
    } finally {
      if (this.#machine.is(SessionState.token)) this.#machine.to(SessionState.idle);
    }
  }

  /**
   * Opens the WebSocket, sends the session configuration and waits for the
   * server's confirmation. Resolves with the connection id. A failure
   * rejects, is passed to `onError`, and closes the session.
   */
  async start(): Promise<string> {
    this.#expectState("start()", SessionState.idle);
    const token = this.#token ?? this.config.sessionToken;
    if (token === undefined) {
      throw new ConfigurationError("sessionToken", "start() needs a session token: call init() first, or pass sessionToken");
    }
    this.#machine.to(SessionState.connecting);
    const { url, headers } = buildConnectTarget(this.config, token);
    const { connectMs, handshakeMs } = this.config.timeouts;
    const connectDeadline = startDeadline(connectMs, this.#lifecycle.signal);
    try {
      try {
        this.#connection = await this.#platform.webSocket.connect({
          url,
          headers,
          signal: connectDeadline.signal,
          onMessage: (data) => this.#onMessage(data),
          onClose: (code, reason) => this.#onTransportClose(code, reason),
        });
      } catch (failure) {
        throw this.#interrupted("start()") ?? connectError(failure, connectDeadline.timedOut, connectMs);
      } finally {
        connectDeadline.dispose();
      }
      if (this.#interrupted("start()")) {
        this.#connection.terminate();
        throw this.#interrupted("start()");
      }
      this.#machine.to(SessionState.handshaking);
      this.#handshake = deferred<string>();
      this.#connection.send(configureMessage(this.config));
      const handshakeDeadline = startDeadline(handshakeMs);
      handshakeDeadline.signal.addEventListener("abort", () => this.#handshake?.reject(handshakeTimeout(handshakeMs)));
      try {
        return await this.#handshake.promise;
      } finally {
        handshakeDeadline.dispose();
        this.#handshake = undefined;
      }
    } catch (error) {
      const interrupted = this.#interrupted("start()");
      if (interrupted) throw interrupted;
      this.#fail(this.#scrubbed(error));
      throw this.#failure ?? error;
    }
  }

  /**
   * Sends a chunk of audio and resolves with its request id once the chunk is
   * on the socket and the socket is under its high-water mark (back-pressure:
   * awaiting each call bounds memory). The first chunk mints a request id;
   * later chunks reuse it until one has `end = true`.
   */
  sendAudio(audio: AudioInput, end = false): Promise<string> {
    try {
      this.#requireOpen("sendAudio()");
      return this.#sender.send(audioBytes(audio), end === true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Asks the server to stop the most recent request (even one whose audio ended); resolves with its id. */
  interrupt(): Promise<string> {
    try {
      this.#requireOpen("interrupt()");
      return this.#sender.interrupt();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Closes the session: a normal close (1000) that is no error. Safe to call
   * in any state and more than once; `onClose` fires exactly once.
   */
  close(): Promise<void> {
    if (this.#machine.is(SessionState.closed, SessionState.closing)) return this.#closed.promise;
    const connection = this.#connection;
    if (connection === undefined || !this.#machine.is(SessionState.open, SessionState.handshaking)) {
      this.#machine.to(SessionState.closed);
      connection?.terminate();
      return this.#closed.promise;
    }
    this.#machine.to(SessionState.closing);
    const timer = setTimeout(() => {
      connection.terminate();
      this.#machine.to(SessionState.closed);
    }, this.config.timeouts.closeMs);
    void this.#closed.promise.then(() => clearTimeout(timer));
    connection.close(1000, "client closed");
    return this.#closed.promise;
  }

  /** Sends one message, then waits while the socket holds more than `highWaterMark` bytes. */
  async #transmit(message: Uint8Array): Promise<void> {
    const connection = this.#requireOpen("sendAudio()");
    connection.send(message);
    const { highWaterMark, timeouts } = this.config;
    const since = Date.now();
    while (connection.bufferedAmount > highWaterMark) {
      if (Date.now() - since > timeouts.drainMs) {
        const queued = connection.bufferedAmount;
        this.#fail(
          sdkError("connectionFailed", "websocket_send", `The server stopped reading: ${queued} bytes still queued after ${timeouts.drainMs} ms (timeouts.drainMs)`, {
            ...(this.#connectionId ? { connectionId: this.#connectionId } : {}),
          }),
        );
        throw this.#failure;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
      this.#requireOpen("sendAudio()");
    }
  }

  #onMessage(data: Uint8Array | string): void {
    const handshaking = this.#machine.is(SessionState.handshaking);
    const received = receiveFrame(data, handshaking ? "websocket_handshake" : "websocket_runtime", this.#connectionId);
    if (!received.ok) {
      this.#report(received.error);
      return;
    }
    const { message, bytes } = received;
    if (handshaking) {
      const outcome = handshakeOutcome(message);
      if (outcome === undefined) return;
      if ("error" in outcome) {
        this.#handshake?.reject(outcome.error);
        return;
      }
      // Open now, not after start() resumes: frames in the same read as the confirm are runtime frames.
      this.#connectionId = outcome.connectionId;
      this.#machine.to(SessionState.open);
      this.#handshake?.resolve(outcome.connectionId);
      return;
    }
    if (!this.#machine.is(SessionState.open)) return;
    this.#lastServerError = undefined;
    if (message.kind === "animation") {
      invokeCallback(this.config.logger, "transportFrames", this.config.transportFrames, bytes, message.end);
    } else if (message.kind === "error") {
      this.#lastServerError = serverErrorReceived("websocket_runtime", message, this.#connectionId);
      this.#report(this.#lastServerError);
    }
  }

  #onTransportClose(code: number, reason: string): void {
    if (this.#machine.is(SessionState.closing, SessionState.closed)) {
      this.#machine.to(SessionState.closed);
      return;
    }
    if (this.#machine.is(SessionState.handshaking)) {
      this.#handshake?.reject(closedDuringHandshake(code, reason));
      return;
    }
    const lastError = this.#lastServerError;
    if (lastError !== undefined) {
      this.#failure = lastError; // already reported: the close is its consequence
      this.#machine.to(SessionState.closed);
      return;
    }
    this.#fail(unexpectedClose(code, reason, this.#connectionId));
  }

  /** Ends the session with an error: reports it once, then closes. */
  #fail(error: AvatarSDKError): void {
    if (this.#machine.is(SessionState.closed)) return;
    this.#failure = error;
    this.#report(error);
    this.#connection?.terminate();
    this.#machine.to(SessionState.closed);
  }

  /** Passes an error to `onError`, with secrets scrubbed from its words. */
  #report(error: AvatarSDKError): AvatarSDKError {
    const scrubbed = this.#scrubbed(error);
    invokeCallback(this.config.logger, "onError", this.config.onError, scrubbed);
    return scrubbed;
  }

  #onClosed(): void {
    this.#lifecycle.abort();
    this.#sender.dispose();
    this.#handshake?.reject(this.#failure ?? closedDuringHandshake(1000, "client closed"));
    this.#closed.resolve();
    invokeCallback(this.config.logger, "onClose", this.config.onClose);
  }

  /** The error for a call cut short by `close()` or the abort signal, if that is what happened. */
  #interrupted(step: string): unknown {
    if (!this.#machine.is(SessionState.closing, SessionState.closed) || this.#failure !== undefined) return undefined;
    if (this.config.signal?.aborted) return this.config.signal.reason;
    return new AvatarSDKError("connectionClosed", `${step} was cancelled: the session was closed`, { phase: step === "init()" ? "session_token" : "websocket_connect" });
  }

  #expectState(call: string, ...states: SessionState[]): void {
    if (!this.#machine.is(...states)) throw wrongState(call, this.#machine.state);
  }

  #requireOpen(call: string): WebSocketConnection {
    if (this.#machine.is(SessionState.open) && this.#connection !== undefined) return this.#connection;
    throw this.#failure ?? notOpen(call, this.#machine.state);
  }

  #scrubbed(error: unknown): AvatarSDKError {
    return scrubError(error, secretsOf(this.config));
  }
}
