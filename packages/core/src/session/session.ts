import type { SessionConfig, SessionOptions } from "../config/options";
import { resolveConfig } from "../config/resolve";
import { secretsOf } from "../config/redact";
import { AvatarSDKError, ConfigurationError } from "../errors/avatar-sdk-error";
import { closedByServer } from "../errors/create";
import { createLogIdGenerator } from "../log-id";
import type { WebSocketConnection } from "../transport";
import { audioBytes, type AudioInput } from "./audio-input";
import { isSampleInput } from "./sample-input";
import { invokeCallback } from "./callbacks";
import { deferred, linkAbort, startDeadline, type Deferred } from "./deadline";
import { sessionEncoder, type SessionEncoder } from "../encoder/session-encoder";
import { buildConnectTarget, configureMessage, connectError, handshakeStep, handshakeTimeout, type Confirmation } from "./handshake";
import { cancelled, notOpen, scrubError, wrongState } from "./guards";
import type { Platform } from "./platform";
import type { Receiver } from "./receiving";
import type { AudioSender } from "./sending";
import { openStages } from "./stages";
import { SessionState, StateMachine } from "./state";
import { checkTokenOptions } from "../config/validate";

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
  readonly #newReqId: () => string;
  readonly #encoder: SessionEncoder | undefined;
  /** Aborted when the session closes: cancels whatever is in flight. */
  readonly #lifecycle = new AbortController();
  #token: string | undefined;
  #connection: WebSocketConnection | undefined;
  #confirmed: Confirmation | undefined;
  #handshake: Deferred<Confirmation> | undefined;
  #sender: AudioSender | undefined;
  #receiver: Receiver | undefined;
  /** The error that ended the session, if one did. */
  #failure: AvatarSDKError | undefined;
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
    this.#encoder = this.config.oggOpusEncoder === undefined ? undefined : sessionEncoder(this.config, platform);
    if (this.config.signal !== undefined) linkAbort(this.config.signal, () => void this.close(), this.#lifecycle.signal);
  }

  /** Where the session is in its life. */
  get state(): SessionState {
    return this.#machine.state;
  }

  /** The server's id for this connection, once `start()` resolved. */
  get connectionId(): string | undefined {
    return this.#confirmed?.connectionId;
  }

  /**
   * What the server announced in its confirmation, once `start()` resolved:
   * `playback_control` (it accepts `pause()`/`resume()`) and `playback_state`
   * (it sends playback states). Empty for servers that announce nothing.
   */
  get capabilities(): readonly string[] {
    return this.#confirmed?.capabilities ?? [];
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
      // Loaded on first use: sessions with a pre-minted token never load it.
      const { requestSessionToken } = await import("./token");
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
   * rejects, is passed to `onError`, and closes the session. With the
   * built-in encoder, the encoder loads meanwhile.
   */
  async start(): Promise<string> {
    this.#expectState("start()", SessionState.idle);
    const token = this.#token ?? this.config.sessionToken;
    if (token === undefined) {
      throw new ConfigurationError("sessionToken", "start() needs a session token: call init() first, or pass sessionToken");
    }
    this.#machine.to(SessionState.connecting);
    void this.#encoder?.load();
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
      this.#handshake = deferred<Confirmation>();
      this.#connection.send(configureMessage(this.config));
      const handshakeDeadline = startDeadline(handshakeMs);
      handshakeDeadline.signal.addEventListener("abort", () => this.#handshake?.reject(handshakeTimeout(handshakeMs)));
      try {
        return (await this.#handshake.promise).connectionId;
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
   *
   * `audio` is bytes in the session's format, or samples with their format
   * (`{ samples, sampleRate, channels? }`: mixed down, converted to 16-bit
   * and resampled to `sampleRate`, the request's length exact on `end`).
   */
  sendAudio(audio: AudioInput, end = false): Promise<string> {
    try {
      return this.#requireOpen("sendAudio()").send(isSampleInput(audio) ? audio : audioBytes(audio), end === true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Asks the server to stop the most recent request (even one whose audio
   * ended); resolves with its id. Frames of that request already in flight
   * still arrive: `onFrame` gives their `reqId`, so drop those.
   */
  interrupt(): Promise<string> {
    return this.#control("interrupt");
  }

  /**
   * Pauses the output of the most recent request (servers that announce
   * `playback_control`, in egress mode); resolves with its id. Audio can
   * still be sent meanwhile. The server answers with a playback state
   * (`onPlaybackState`). Servers without the capability ignore it: the SDK
   * then warns once through `logger.warn`.
   */
  pause(): Promise<string> {
    return this.#control("pause");
  }

  /** Resumes the output of the most recent request where it paused; resolves with its id. See {@link AvatarSession.pause}. */
  resume(): Promise<string> {
    return this.#control("resume");
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

  #control(kind: "interrupt" | "pause" | "resume"): Promise<string> {
    try {
      return this.#requireOpen(`${kind}()`).control(kind);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #onMessage(data: Uint8Array | string): void {
    if (this.#receiver !== undefined) {
      if (this.#machine.is(SessionState.open)) this.#receiver.receive(data);
      return;
    }
    if (!this.#machine.is(SessionState.handshaking)) return;
    const step = handshakeStep(data);
    if (step === undefined) return;
    if ("error" in step) return this.#handshake?.reject(step.error);
    // Open now, not after start() resumes: frames in the same read as the confirm are runtime frames.
    this.#open(step.confirmed);
  }

  #open(confirmed: Confirmation): void {
    this.#confirmed = confirmed;
    const stages = openStages(this.config, this.#connection as WebSocketConnection, confirmed, this.#newReqId, this.#encoder, {
      report: (error) => void this.#report(error),
      fail: (error) => this.#fail(error),
    });
    this.#sender = stages.sender;
    this.#receiver = stages.receiver;
    this.#machine.to(SessionState.open);
    this.#handshake?.resolve(confirmed);
  }

  #onTransportClose(code: number, reason: string): void {
    if (this.#machine.is(SessionState.closing, SessionState.closed)) {
      this.#machine.to(SessionState.closed);
      return;
    }
    if (this.#machine.is(SessionState.handshaking)) {
      this.#handshake?.reject(closedByServer("websocket_handshake", code, reason));
      return;
    }
    const { error, reported } = (this.#receiver as Receiver).closed(code, reason);
    if (!reported) return this.#fail(error);
    this.#failure = error; // already reported: the close is its consequence
    this.#machine.to(SessionState.closed);
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
    const reason = this.#failure ?? new AvatarSDKError("invalidRequest", "The session is closed; create a new session", { phase: "websocket_send" });
    this.#sender?.close(reason);
    this.#handshake?.reject(this.#failure ?? closedByServer("websocket_handshake", 1000, "client closed"));
    this.#closed.resolve();
    invokeCallback(this.config.logger, "onClose", this.config.onClose);
  }

  /** The error for a call cut short by `close()` or the abort signal, if that is what happened. */
  #interrupted(step: "init()" | "start()"): unknown {
    if (!this.#machine.is(SessionState.closing, SessionState.closed) || this.#failure !== undefined) return undefined;
    return cancelled(step, this.config.signal);
  }

  #expectState(call: string, ...states: SessionState[]): void {
    if (!this.#machine.is(...states)) throw wrongState(call, this.#machine.state);
  }

  #requireOpen(call: string): AudioSender {
    if (this.#machine.is(SessionState.open) && this.#sender !== undefined) return this.#sender;
    throw this.#failure ?? notOpen(call, this.#machine.state);
  }

  #scrubbed(error: unknown): AvatarSDKError {
    return scrubError(error, secretsOf(this.config));
  }
}
