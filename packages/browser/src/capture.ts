import { AvatarSDKError } from "@avatarkit/core";
import type { MicrophoneCapture, MicrophoneCaptureOptions, MicrophoneSession } from "./microphone-types";

/** At most this many chunks go out in one `sendAudio()` when sends fell behind. */
const MAX_COALESCED_CHUNKS = 25;

/** The RMS of `samples`, 0 to 1. */
const rms = (samples: Float32Array): number => {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return samples.length === 0 ? 0 : Math.min(1, Math.sqrt(sum / samples.length));
};

/** Resolves with "timeout" after `ms`. @internal */
export const timeout = (ms: number) => new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms));

/** One capture: the worklet's samples in, `sendAudio()` calls out. @internal */
export class Capture implements MicrophoneCapture {
  #reqId: string | undefined;
  #reqIdPromise: Promise<string>;
  #resolveReqId!: (reqId: string) => void;
  #rejectReqId!: (error: unknown) => void;
  #level = 0;
  #paused = false;
  /** Captured samples not sent yet, in order. */
  #queue: Float32Array[] = [];
  #queued = 0;
  /** Samples of the chunk being measured for `level`. */
  #meter: Float32Array;
  #metered = 0;
  #sending: Promise<void> | undefined;
  #failure: AvatarSDKError | undefined;
  #stopping: Promise<string> | undefined;
  #flushed: (() => void) | undefined;

  constructor(
    private readonly session: MicrophoneSession,
    private readonly node: AudioWorkletNode,
    stream: MediaStream,
    private readonly sampleRate: number,
    private readonly chunkFrames: number,
    private readonly release: () => Promise<void>,
    private readonly options: MicrophoneCaptureOptions,
  ) {
    this.#reqIdPromise = new Promise<string>((resolve, reject) => {
      this.#resolveReqId = resolve;
      this.#rejectReqId = reject;
    });
    this.#reqIdPromise.catch(() => undefined);
    this.#meter = new Float32Array(chunkFrames);
    node.port.onmessage = (event: MessageEvent<{ type: string; samples?: Float32Array }>) => {
      if (event.data.type === "flushed") return this.#flushed?.();
      if (event.data.type === "samples" && event.data.samples !== undefined) this.#receive(event.data.samples);
    };
    for (const track of stream.getAudioTracks()) track.addEventListener("ended", () => void this.stop().catch(() => undefined), { once: true });
    options.signal?.addEventListener("abort", () => void this.stop().catch(() => undefined), { once: true });
  }

  get reqId(): string | Promise<string> {
    return this.#reqId ?? this.#reqIdPromise;
  }

  get level(): number {
    return this.#level;
  }

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    if (this.#stopping !== undefined || this.#paused) return;
    this.#paused = true;
  }

  resume(): void {
    if (this.#stopping !== undefined || !this.#paused) return;
    this.#paused = false;
  }

  stop(): Promise<string> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<string> {
    try {
      if (this.#failure !== undefined) throw this.#failure;
      // The worklet's last partial batch, then nothing more: the graph is torn down.
      {
        const flushed = new Promise<void>((resolve) => (this.#flushed = resolve));
        this.node.port.postMessage({ type: "flush" });
        await Promise.race([flushed, timeout(250)]);
      }
      await this.release();
      while (this.#sending !== undefined) await this.#sending;
      if (this.#failure !== undefined) throw this.#failure;
      const rest = this.#take(Infinity);
      const reqId = await this.#send(rest, true);
      return reqId;
    } catch (error) {
      await this.release();
      throw this.#fail(error);
    }
  }

  #receive(samples: Float32Array): void {
    // The level follows the microphone, paused or not.
    for (let at = 0; at < samples.length; ) {
      const n = Math.min(samples.length - at, this.chunkFrames - this.#metered);
      this.#meter.set(samples.subarray(at, at + n), this.#metered);
      this.#metered += n;
      at += n;
      if (this.#metered === this.chunkFrames) {
        this.#level = rms(this.#meter);
        this.#metered = 0;
      }
    }
    if (this.#failure !== undefined || this.#stopping !== undefined && this.#flushed === undefined) return;
    if (this.session.state !== "open") {
      this.#fail(new AvatarSDKError("connectionClosed", `The microphone capture stopped: the session is ${this.session.state}`, { phase: "websocket_send", reqId: this.#reqId }));
      void this.release();
      return;
    }
    if (this.#paused) return;
    this.#queue.push(samples);
    this.#queued += samples.length;
    this.#pump();
  }

  /** Sends whole chunks while there are some, one send at a time. */
  #pump(): void {
    if (this.#sending !== undefined || this.#queued < this.chunkFrames) return;
    this.#sending = (async () => {
      try {
        while (this.#failure === undefined && this.#queued >= this.chunkFrames) {
          const chunks = Math.min(MAX_COALESCED_CHUNKS, Math.floor(this.#queued / this.chunkFrames));
          await this.#send(this.#take(chunks * this.chunkFrames), false);
        }
      } catch (error) {
        this.#fail(error);
        void this.release();
      } finally {
        this.#sending = undefined;
      }
    })();
  }

  /** Removes up to `frames` samples from the front of the queue, as one array. */
  #take(frames: number): Float32Array {
    const out = new Float32Array(Math.min(frames, this.#queued));
    let filled = 0;
    while (filled < out.length) {
      const head = this.#queue[0]!;
      const n = Math.min(head.length, out.length - filled);
      out.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.length) this.#queue.shift();
      else this.#queue[0] = head.subarray(n);
    }
    this.#queued -= out.length;
    return out;
  }

  async #send(samples: Float32Array, end: boolean): Promise<string> {
    if (this.session.state !== "open") {
      throw new AvatarSDKError("connectionClosed", `The microphone capture stopped: the session is ${this.session.state}`, { phase: "websocket_send", reqId: this.#reqId });
    }
    const reqId = await this.session.sendAudio({ samples, sampleRate: this.sampleRate }, end);
    if (this.#reqId === undefined) this.#resolveReqId(reqId);
    this.#reqId = reqId; // after an interrupt, the new request's
    return reqId;
  }

  #fail(error: unknown): AvatarSDKError {
    if (this.#failure !== undefined) return this.#failure;
    const failure = error instanceof AvatarSDKError ? error : new AvatarSDKError("unknown", `The microphone capture failed: ${String(error)}`, { cause: error });
    this.#failure = failure;
    this.#rejectReqId(failure);
    this.#queue = [];
    this.#queued = 0;
    try {
      this.options.onError?.(failure);
    } catch {
      // A failing callback does not change the outcome.
    }
    return failure;
  }
}
