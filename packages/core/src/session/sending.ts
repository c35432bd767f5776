import { encodeAudioInput, encodeInterrupt, encodePause, encodeResume } from "../codec/index";
import type { Logger } from "../config/options";
import { AvatarSDKError } from "../errors/avatar-sdk-error";
import { sdkError } from "../errors/create";
import type { OggOpusStream } from "../encoder/ogg-opus-stream";
import type { SessionEncoder } from "../encoder/session-encoder";
import type { WebSocketConnection } from "../transport";
import { checkWholeSamples, isSampleInput } from "./audio-input";
import { checkSampleInput, SampleConverter, type SampleInput } from "./sample-input";

/** What an {@link AudioSender} is built with. @internal */
export interface SenderOptions {
  /** The open connection messages go out on. */
  readonly connection: WebSocketConnection;
  /** The server's id for it, for the errors the sender reports. */
  readonly connectionId: string;
  /** Mints a request id. */
  readonly newReqId: () => string;
  /** Whether audio is PCM that must hold whole samples (and sample inputs are allowed). */
  readonly pcmInput: boolean;
  /** The PCM rate the session sends: sample inputs are resampled to it. */
  readonly sampleRate: number;
  /** Wait after a send while more than this many bytes are queued. */
  readonly highWaterMark: number;
  /** Give up waiting after this long: the server stopped reading. */
  readonly drainMs: number;
  /** The built-in encoder: one stream per request; absent without it. */
  readonly encoder?: SessionEncoder;
  /** Whether the server announced `playback_control`; without it, pause/resume warn once (old servers ignore them). */
  readonly playbackControl: boolean;
  /** Where that warning goes. */
  readonly logger: Logger;
  /** Called with the whole encoded stream when a request ends. */
  readonly onEncoded?: (reqId: string, stream: Uint8Array) => void;
  /** Called once when the server stopped reading for `drainMs`: the session fails with this error. */
  readonly onStalled: (error: AvatarSDKError) => void;
}

/** A request that is receiving audio. */
interface OpenRequest {
  readonly reqId: string;
  stream?: OggOpusStream;
  /** Set when its chunks are samples: their resampler state spans the request. */
  converter?: SampleConverter;
  /** Set when its chunks are bytes. */
  bytes?: boolean;
}

/** Large chunks go out as several messages of at most this many bytes (even, so PCM stays whole). */
export const MAX_MESSAGE_AUDIO_BYTES = 256 * 1024;

/** The control messages that name the most recent request. */
const CONTROL = { interrupt: encodeInterrupt, pause: encodePause, resume: encodeResume } as const;

/**
 * The open session's outbound side: request ids, chunking, encoding and
 * back-pressure, straight onto the connection. Calls are queued so that
 * messages leave in call order even while one waits for the socket to drain
 * or for the encoder to load.
 * @internal
 */
export class AudioSender {
  readonly #options: SenderOptions;
  /** The request that is receiving audio (until a chunk with end=true). */
  #current: OpenRequest | undefined;
  /** The most recent request id, ended or not: what interrupt(), pause() and resume() name. */
  #latest: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** Set when the session closed: later sends reject with it, and a stream opened after that is freed. */
  #closed: AvatarSDKError | undefined;
  #warnedPlaybackControl = false;

  constructor(options: SenderOptions) {
    this.#options = options;
  }

  /** The most recent request id, if any audio was sent. */
  get latestReqId(): string | undefined {
    return this.#latest;
  }

  /** Queues a chunk of bytes or samples; resolves with its request id once it is on the socket. */
  send(audio: Uint8Array | SampleInput, end: boolean): Promise<string> {
    if (isSampleInput(audio)) {
      if (!this.#options.pcmInput) {
        throw new AvatarSDKError("invalidRequest", "sendAudio(): samples need a PCM session or the built-in encoder (oggOpusEncoder); Ogg Opus bytes pass through as they are", {
          phase: "websocket_send",
        });
      }
      checkSampleInput(audio);
    } else if (this.#options.pcmInput) checkWholeSamples(audio);
    return this.#enqueue(() => this.#sendNow(audio, end));
  }

  /** Queues a control message about the most recent request; resolves with its id. */
  control(kind: keyof typeof CONTROL): Promise<string> {
    return this.#enqueue(async () => {
      const reqId = this.#latest;
      if (reqId === undefined) {
        throw new AvatarSDKError("invalidRequest", `${kind}() needs a request to ${kind}: send audio first`, { phase: "websocket_send" });
      }
      if (kind !== "interrupt" && !this.#options.playbackControl && !this.#warnedPlaybackControl) {
        this.#warnedPlaybackControl = true;
        this.#options.logger.warn(`[avatarkit] ${kind}(): the server did not announce playback_control; servers without it ignore pause and resume`);
      }
      if (kind === "interrupt") {
        const current = this.#current;
        this.#current = undefined;
        // An encoded stream is closed properly so the service never holds a truncated Ogg stream.
        if (current?.stream !== undefined) await this.#finishStream(current.reqId, current.stream);
      }
      await this.#transmit(CONTROL[kind](reqId));
      return reqId;
    });
  }

  /** Stops sending: queued and later calls reject with `reason`; an unfinished stream's encoder is freed. */
  close(reason: AvatarSDKError): void {
    this.#closed ??= reason;
    this.#current?.stream?.destroy();
    this.#current = undefined;
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #sendNow(audio: Uint8Array | SampleInput, end: boolean): Promise<string> {
    if (this.#closed) throw this.#closed;
    let current = this.#current;
    if (current === undefined) {
      current = { reqId: this.#options.newReqId() };
      this.#current = current;
      this.#latest = current.reqId;
      if (this.#options.encoder !== undefined) {
        const stream = await this.#options.encoder.open();
        // If the session closed while the encoder loaded, free it; the send below then fails with the session's error.
        if (this.#closed) stream.destroy();
        else current.stream = stream;
      }
    }
    const bytes = await this.#pcm(current, audio, end);
    const { reqId, stream } = current;
    if (end) this.#current = undefined;
    if (stream !== undefined) {
      await this.#transmitAudio(reqId, encoding(() => stream.push(bytes)), false);
      if (end) await this.#finishStream(reqId, stream);
      return reqId;
    }
    await this.#transmitAudio(reqId, bytes, end);
    return reqId;
  }

  /** The bytes of a chunk: as given, or converted from samples with the request's resampler. */
  async #pcm(current: OpenRequest, audio: Uint8Array | SampleInput, end: boolean): Promise<Uint8Array> {
    const samples = isSampleInput(audio);
    if (samples ? current.bytes === true : current.converter !== undefined) {
      throw new AvatarSDKError("invalidRequest", "sendAudio(): one request takes either bytes or samples, not both; end the request first", { phase: "websocket_send" });
    }
    if (!samples) {
      current.bytes = true;
      return audio;
    }
    current.converter ??= new SampleConverter(this.#options.sampleRate);
    return current.converter.convert(audio, end);
  }

  async #finishStream(reqId: string, stream: OggOpusStream): Promise<void> {
    await this.#transmitAudio(reqId, encoding(() => stream.end()), true);
    const whole = stream.stream;
    if (whole !== undefined) this.#options.onEncoded?.(reqId, whole);
  }

  /** Sends audio as one or more messages; only the last carries `end`. Empty non-final audio sends nothing. */
  async #transmitAudio(reqId: string, audio: Uint8Array, end: boolean): Promise<void> {
    if (audio.length === 0 && !end) return;
    let offset = 0;
    do {
      const chunk = audio.subarray(offset, offset + MAX_MESSAGE_AUDIO_BYTES);
      offset += chunk.length;
      await this.#transmit(encodeAudioInput(reqId, end && offset >= audio.length, chunk));
    } while (offset < audio.length);
  }

  /** Sends one message, then waits while the socket holds more than `highWaterMark` bytes. */
  async #transmit(message: Uint8Array): Promise<void> {
    if (this.#closed) throw this.#closed;
    const { connection, highWaterMark, drainMs } = this.#options;
    connection.send(message);
    if (connection.bufferedAmount <= highWaterMark) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = await Promise.race([
      connection.drained(highWaterMark).then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(resolve, drainMs, true))),
    ]);
    clearTimeout(timer);
    if (stalled && !this.#closed) {
      const queued = connection.bufferedAmount;
      this.#options.onStalled(
        sdkError("connectionFailed", "websocket_send", `The server stopped reading: ${queued} bytes still queued after ${drainMs} ms (timeouts.drainMs)`, {
          connectionId: this.#options.connectionId,
        }),
      );
    }
    if (this.#closed) throw this.#closed;
  }
}

/** Runs an encoder step; a failure inside the codec becomes an AvatarSDKError. */
function encoding(step: () => Uint8Array): Uint8Array {
  try {
    return step();
  } catch (error) {
    if (error instanceof AvatarSDKError) throw error;
    throw new AvatarSDKError("unknown", `The built-in Opus encoder failed: ${(error as Error)?.message ?? String(error)}`, {
      phase: "websocket_send",
      cause: error,
    });
  }
}
