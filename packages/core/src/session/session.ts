import type { CreateSessionTokenOptions, SessionConfig, SessionOptions } from "../config/options";
import { resolveConfig } from "../config/resolve";
import { secretsOf } from "../config/redact";
import { AvatarSDKError, ConfigurationError } from "../errors/avatar-sdk-error";
import { createLogIdGenerator } from "../log-id";
import type { WebSocketConnection } from "../transport";
import { audioBytes, isSampleInput, type AudioInput } from "./audio-input";
import { invokeCallback } from "./callbacks";
import { deferred, linkAbort, startDeadline } from "./deadline";
import { sessionEncoder, type SessionEncoder } from "../encoder/session-encoder";
import { buildConnectTarget } from "./connect-target";
import { cancelled, checkHeaderAuth, notOpen, scrubError, wrongState } from "./guards";
import { loadProtocol, type Protocol } from "./load-protocol";
import type { Platform } from "./platform";
import type { AudioSender, Confirmation, Handshake, Receiver } from "./protocol";
import { SessionState, StateMachine } from "./state";
import { checkTokenOptions } from "../config/validate";

/**
 * One avatar session: a session token, a WebSocket, audio in, animation
 * frames out. Single-use: once closed, create a new session.
 *
 * Platform packages export a subclass bound to their WebSocket, HTTP client
 * and encoder; use that one (`new AvatarSession(options)`). What the open
 * session runs on (codec, handshake, sender, receiver) loads as the session
 * is created, in a chunk of its own (`./protocol`).
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
  #protocol: Protocol | undefined;
  /** A close that came before the handshake began: `start()` fails with it. */
  #closedEarly: { code: number; reason: string } | undefined;
  #connection: WebSocketConnection | undefined;
  #confirmed: Confirmation | undefined;
  #handshake: Handshake | undefined;
  /** The open session's sender and receiver. */
  #stages: { sender: AudioSender; receiver: Receiver } | undefined;
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
    checkHeaderAuth(this.config.useQueryAuth, platform.webSocket.supportsHeaders);
    this.#machine = new StateMachine((state) => {
      if (state === SessionState.closed) this.#onClosed();
    });
    this.#newReqId = createLogIdGenerator(platform.random);
    this.#encoder = this.config.oggOpusEncoder === undefined ? undefined : sessionEncoder(this.config, platform);
    if (this.config.signal !== undefined) linkAbort(this.config.signal, () => void this.close(), this.#lifecycle.signal);
    loadProtocol().catch(() => undefined); // start() reports a failure
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
    if (!this.#machine.is(SessionState.idle)) throw wrongState("init()", this.#machine.state);
    if (this.config.sessionToken !== undefined && this.config.apiKey === undefined) return;
    const { apiKey, consoleEndpointUrl, expireAt, timeouts } = this.config;
    const request = { apiKey, consoleEndpointUrl, expireAt, timeoutMs: timeouts.sessionTokenMs, signal: this.#lifecycle.signal } as CreateSessionTokenOptions;
    checkTokenOptions(request);
    this.#machine.to(SessionState.token);
    try {
      // Loaded on first use: sessions with a pre-minted token never load it.
      this.#token = await (await import("./token")).requestSessionToken(this.#platform.http, request);
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
    if (!this.#machine.is(SessionState.idle)) throw wrongState("start()", this.#machine.state);
    const token = this.#token ?? this.config.sessionToken;
    if (token === undefined) {
      throw new ConfigurationError("sessionToken", "start() needs a session token: call init() first, or pass sessionToken");
    }
    this.#machine.to(SessionState.connecting);
    void this.#encoder?.load();
    const protocol = loadProtocol();
    const { url, headers } = buildConnectTarget(this.config, token);
    const connectMs = this.config.timeouts.connectMs;
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
        throw this.#interrupted("start()") ?? (await protocol).connectError(failure, connectDeadline.timedOut, connectMs);
      } finally {
        connectDeadline.dispose();
      }
      const p = await protocol; // a failure fails the session below, which terminates the connection
      this.#protocol = p;
      if (this.#interrupted("start()")) {
        this.#connection.terminate();
        throw this.#interrupted("start()");
      }
      if (this.#closedEarly !== undefined) throw p.closedByServer("websocket_handshake", this.#closedEarly.code, this.#closedEarly.reason);
      this.#machine.to(SessionState.handshaking);
      this.#handshake = new p.Handshake(this.#connection, this.config);
      try {
        return (await this.#handshake.confirmed).connectionId;
      } finally {
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
    return this.#whenOpen("sendAudio()", (sender) => sender.send(isSampleInput(audio) ? audio : audioBytes(audio), end === true));
  }

  /**
   * Asks the server to stop the most recent request (even one whose audio
   * ended); resolves with its id. Frames of that request already in flight
   * still arrive: `onFrame` gives their `reqId`, so drop those.
   */
  interrupt(): Promise<string> {
    return this.#whenOpen("interrupt()", (sender) => sender.control("interrupt"));
  }

  /**
   * Pauses the output of the most recent request (servers that announce
   * `playback_control`, in egress mode); resolves with its id. Audio can
   * still be sent meanwhile. The server answers with a playback state
   * (`onPlaybackState`). Servers without the capability ignore it: the SDK
   * then warns once through `logger.warn`.
   */
  pause(): Promise<string> {
    return this.#whenOpen("pause()", (sender) => sender.control("pause"));
  }

  /** Resumes the output of the most recent request where it paused; resolves with its id. See {@link AvatarSession.pause}. */
  resume(): Promise<string> {
    return this.#whenOpen("resume()", (sender) => sender.control("resume"));
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

  #onMessage(data: Uint8Array | string): void {
    if (this.#stages !== undefined) {
      if (this.#machine.state === SessionState.open) this.#stages.receiver.receive(data);
      return;
    }
    const confirmed = this.#machine.is(SessionState.handshaking) ? this.#handshake?.receive(data) : undefined;
    // Open now, not after start() resumes: frames in the same read as the confirm are runtime frames.
    if (confirmed !== undefined) this.#open(confirmed);
  }

  #open(confirmed: Confirmation): void {
    this.#confirmed = confirmed;
    this.#stages = (this.#protocol as Protocol).openStages(this.config, this.#connection as WebSocketConnection, confirmed, this.#newReqId, this.#encoder, {
      report: (error) => void this.#report(error),
      fail: (error) => this.#fail(error),
    });
    this.#machine.to(SessionState.open);
  }

  #onTransportClose(code: number, reason: string): void {
    if (this.#machine.is(SessionState.closing, SessionState.closed)) return this.#machine.to(SessionState.closed);
    // Open, but start() still waits for the protocol code: it fails with this close.
    if (this.#machine.is(SessionState.connecting)) return void (this.#closedEarly = { code, reason });
    if (this.#machine.is(SessionState.handshaking)) return this.#handshake?.closed(code, reason);
    const { error, reported } = (this.#stages as { receiver: Receiver }).receiver.closed(code, reason);
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
    this.#stages?.sender.close(reason);
    this.#handshake?.fail(this.#failure);
    this.#closed.resolve();
    invokeCallback(this.config.logger, "onClose", this.config.onClose);
  }

  /** The error for a call cut short by `close()` or the abort signal, if that is what happened. */
  #interrupted(step: "init()" | "start()"): unknown {
    if (!this.#machine.is(SessionState.closing, SessionState.closed) || this.#failure !== undefined) return undefined;
    return cancelled(step, this.config.signal);
  }

  /** Runs `send` on the open session's sender; rejects (never throws) when the session is not open or the call is refused. */
  #whenOpen(call: string, send: (sender: AudioSender) => Promise<string>): Promise<string> {
    try {
      if (this.#machine.is(SessionState.open) && this.#stages !== undefined) return send(this.#stages.sender);
      throw this.#failure ?? notOpen(call, this.#machine.state);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #scrubbed(error: unknown): AvatarSDKError {
    return scrubError(error, secretsOf(this.config));
  }
}
