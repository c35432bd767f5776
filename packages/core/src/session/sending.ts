import { encodeAudioInput, encodeInterrupt } from "../codec/encode";
import { AvatarSDKError } from "../errors/avatar-sdk-error";
import { checkWholeSamples } from "./audio-input";

/** A per-request PCM → Ogg Opus stream (the built-in encoder). @internal */
export interface StreamEncoder {
  /** Encodes PCM; returns the Ogg pages completed so far (may be empty). */
  push(pcm: Uint8Array): Uint8Array;
  /** Flushes the last frame; returns the remaining pages, ending with EOS. */
  end(): Uint8Array;
  /** The whole stream, when it was asked to keep it. */
  readonly stream: Uint8Array | undefined;
  /** Abandons the stream without `end()` and frees its encoder. */
  destroy(): void;
}

/** What the sender needs from its session. @internal */
export interface SenderHooks {
  /** Mints a request id. */
  newReqId(): string;
  /** Sends one message and waits until the socket is under its high-water mark. */
  transmit(message: Uint8Array): Promise<void>;
  /** Creates the built-in encoder's stream for a new request; absent without the encoder. */
  openStream?: (reqId: string) => Promise<StreamEncoder>;
  /** Whether audio is PCM that must hold whole samples. */
  readonly pcmInput: boolean;
  /** Called with the whole encoded stream when a request ends. */
  onEncoded?: (reqId: string, stream: Uint8Array) => void;
}

/** Large chunks go out as several messages of at most this many bytes (even, so PCM stays whole). */
export const MAX_MESSAGE_AUDIO_BYTES = 256 * 1024;

/**
 * Request ids, chunking, encoding and ordering of outgoing audio. Calls are
 * queued so that messages leave in call order even while one waits for the
 * socket to drain or for the encoder to load.
 * @internal
 */
export class AudioSender {
  /** The request that is receiving audio (until a chunk with end=true). */
  private current: { reqId: string; stream?: StreamEncoder } | undefined;
  /** The most recent request id, ended or not: what interrupt() names. */
  private latest: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when the session closed: a stream opened after that is freed at once. */
  private disposed = false;

  constructor(private readonly hooks: SenderHooks) {}

  /** Queues a chunk; resolves with its request id once it is on the socket. */
  send(bytes: Uint8Array, end: boolean): Promise<string> {
    if (this.hooks.pcmInput) checkWholeSamples(bytes);
    return this.enqueue(() => this.sendNow(bytes, end));
  }

  /** Queues an interrupt of the most recent request; resolves with its id. */
  interrupt(): Promise<string> {
    return this.enqueue(async () => {
      const reqId = this.latest;
      if (reqId === undefined) {
        throw new AvatarSDKError("invalidRequest", "interrupt() needs a request to interrupt: send audio first", { phase: "websocket_send" });
      }
      const current = this.current;
      this.current = undefined;
      // An encoded stream is closed properly so the service never holds a truncated Ogg stream.
      if (current?.stream !== undefined) await this.finishStream(current.reqId, current.stream);
      await this.hooks.transmit(encodeInterrupt(reqId));
      return reqId;
    });
  }

  /** Frees the encoder of a request that will never end (the session closed). */
  dispose(): void {
    this.disposed = true;
    this.current?.stream?.destroy();
    this.current = undefined;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sendNow(bytes: Uint8Array, end: boolean): Promise<string> {
    let current = this.current;
    if (current === undefined) {
      current = { reqId: this.hooks.newReqId() };
      this.current = current;
      this.latest = current.reqId;
      if (this.hooks.openStream !== undefined) {
        const stream = await this.hooks.openStream(current.reqId);
        // If the session closed while the encoder loaded, free it; the send below then fails with the session's error.
        if (this.disposed) stream.destroy();
        else current.stream = stream;
      }
    }
    const { reqId, stream } = current;
    if (end) this.current = undefined;
    if (stream !== undefined) {
      await this.transmitAudio(reqId, encoding(() => stream.push(bytes)), false);
      if (end) await this.finishStream(reqId, stream);
      return reqId;
    }
    await this.transmitAudio(reqId, bytes, end);
    return reqId;
  }

  private async finishStream(reqId: string, stream: StreamEncoder): Promise<void> {
    await this.transmitAudio(reqId, encoding(() => stream.end()), true);
    const whole = stream.stream;
    if (whole !== undefined) this.hooks.onEncoded?.(reqId, whole);
  }

  /** Sends audio as one or more messages; only the last carries `end`. Empty non-final audio sends nothing. */
  private async transmitAudio(reqId: string, audio: Uint8Array, end: boolean): Promise<void> {
    if (audio.length === 0 && !end) return;
    let offset = 0;
    do {
      const chunk = audio.subarray(offset, offset + MAX_MESSAGE_AUDIO_BYTES);
      offset += chunk.length;
      await this.hooks.transmit(encodeAudioInput(reqId, end && offset >= audio.length, chunk));
    } while (offset < audio.length);
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
