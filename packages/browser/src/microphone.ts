/**
 * `captureMicrophone()`: streams a microphone (or any audio `MediaStream`)
 * into an open session, one request per capture, through an AudioWorklet
 * shipped as a file of its own (`capture-worklet.js`, next to the bundle).
 */
import { AvatarSDKError, ConfigurationError, type AvatarSessionBase } from "@avatarkit/core";

/** What {@link captureMicrophone} needs of a session: an `AvatarSession` of this package. */
export type MicrophoneSession = Pick<AvatarSessionBase, "sendAudio" | "state">;

/** Options of {@link captureMicrophone}. */
export interface MicrophoneCaptureOptions {
  /**
   * The audio to capture. Default: the microphone, asked for with
   * `getUserMedia({ audio: { channelCount: 1, echoCancellation: true } })`.
   * A stream you pass stays yours: `stop()` does not stop its tracks.
   */
  stream?: MediaStream;
  /** Milliseconds of audio per `sendAudio()` chunk; default 40 (one animation frame). From 10 to 1000. */
  chunkMs?: number;
  /**
   * The AudioContext to capture in. Default: a new one at the device's rate,
   * closed by `stop()`. One you pass stays open; it must be running, or
   * resumable without a user gesture.
   */
  audioContext?: AudioContext;
  /** Aborting it stops the capture as `stop()` does (before the capture runs: rejects with the signal's reason). */
  signal?: AbortSignal;
  /**
   * Where the worklet processor is. Default `new URL("./capture-worklet.js",
   * import.meta.url)`: the file next to this package's bundle. Set it when
   * your bundler does not copy that file.
   */
  processorUrl?: string | URL;
  /** How long to wait for a suspended AudioContext to resume; default 1000 ms. */
  resumeTimeoutMs?: number;
  /**
   * Called once if the capture fails while it runs (the session closed, or a
   * send failed). The device is released by then and `stop()` rejects with
   * the same error. (A track that ends, say an unplugged device, is no
   * failure: the capture stops as with `stop()`.)
   */
  onError?: (error: AvatarSDKError) => void;
}

/** A running capture, from {@link captureMicrophone}. */
export interface MicrophoneCapture {
  /**
   * The request id: a promise until the first chunk was sent, the id itself
   * afterwards. The promise rejects if the capture fails before that.
   * `session.interrupt()` ends the request the capture is sending; the
   * capture goes on in a new request, whose id this is from its first chunk on.
   */
  readonly reqId: string | Promise<string>;
  /**
   * The RMS of the last `chunkMs` of captured audio, 0 (silence) to 1 (full
   * scale); it keeps updating while paused. Poll it to stop on silence, e.g.
   * stop after 800 ms under 0.01.
   */
  readonly level: number;
  /** Whether the capture is paused. */
  readonly paused: boolean;
  /**
   * Sends what is left with `end = true` and resolves with the request id;
   * stops the tracks it opened (the recording indicator goes off) and closes
   * the AudioContext it created. Safe to call more than once. Rejects with
   * the capture's error if it failed.
   */
  stop(): Promise<string>;
  /** Stops sending: the request stays open and audio captured meanwhile is discarded, not sent. */
  pause(): void;
  /** Sends again after {@link MicrophoneCapture.pause}, in the same request. */
  resume(): void;
}

/** The frames that the worklet batches per message, at most: about 10 ms at 48 kHz. */
const WORKLET_BATCH = 512;
/** At most this many chunks go out in one `sendAudio()` when sends fell behind. */
const MAX_COALESCED_CHUNKS = 25;

/** The AudioContexts that loaded the processor already (by URL). */
const loaded = /* @__PURE__ */ new WeakMap<BaseAudioContext, Map<string, Promise<void>>>();

const microphoneError = (field: string, message: string, cause?: unknown): ConfigurationError => new ConfigurationError(field, message, { cause });

/** A getUserMedia failure as an SDK error. */
function mediaError(error: unknown): AvatarSDKError {
  const name = (error as { name?: string } | undefined)?.name;
  const detail = (error as { message?: string } | undefined)?.message;
  if (name === "NotAllowedError" || name === "SecurityError") {
    return microphoneError("microphone", `Microphone access was denied (${name}${detail ? `: ${detail}` : ""}). Allow the microphone for this site and try again.`, error);
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return microphoneError("microphone", `No microphone was found (${name}). Connect one, or pass a stream.`, error);
  }
  return new AvatarSDKError("unknown", `The microphone could not be opened (${name ?? "error"}${detail ? `: ${detail}` : ""})`, { cause: error, retryable: name === "NotReadableError" || name === "AbortError" });
}

const rms = (samples: Float32Array): number => {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return samples.length === 0 ? 0 : Math.min(1, Math.sqrt(sum / samples.length));
};

const timeout = (ms: number) => new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms));

/**
 * Captures the microphone and streams it into `session` as one request:
 * float samples from an AudioWorklet, sent in chunks of `chunkMs` with
 * `session.sendAudio({ samples, sampleRate: context.sampleRate }, false)`
 * (the SDK resamples to the session's rate). Each send is awaited; chunks
 * captured meanwhile are buffered and sent together, never dropped.
 * `stop()` sends the rest with `end = true`.
 *
 * Call it from a user gesture (a click): browsers start an AudioContext
 * only then. It rejects, having released whatever it opened, with:
 *
 * - a `ConfigurationError` (code `invalidRequest`) with `field: "microphone"`
 *   when access is denied (`cause.name` `NotAllowedError`) or no device exists
 *   (`NotFoundError`), or the page is not a secure context;
 * - a `ConfigurationError` with `field: "audioContext"` when the
 *   AudioContext stays suspended (no user gesture);
 * - an `AvatarSDKError` (code `invalidRequest`) when the session is not open;
 * - a `ConfigurationError` with `field: "processorUrl"` when the worklet file does not load,
 *   `field: "stream"` when the stream has no audio track;
 * - an `AvatarSDKError` with code `unknown`, `retryable: true`, when the device is busy or failed (`NotReadableError`);
 * - the signal's reason when `signal` aborts first.
 *
 * A Content-Security-Policy must allow the worklet's origin in `script-src`
 * (`'self'` when it is served with the bundle); no `blob:` or `data:` is needed.
 *
 * ```ts
 * button.onclick = async () => {
 *   const mic = await captureMicrophone(session);
 *   stopButton.onclick = async () => console.log("request", await mic.stop());
 * };
 * ```
 */
export async function captureMicrophone(session: MicrophoneSession, options: MicrophoneCaptureOptions = {}): Promise<MicrophoneCapture> {
  const { chunkMs = 40, signal, resumeTimeoutMs = 1000 } = options;
  if (!(typeof chunkMs === "number" && chunkMs >= 10 && chunkMs <= 1000)) {
    throw new ConfigurationError("chunkMs", `captureMicrophone(): chunkMs must be from 10 to 1000, got ${String(chunkMs)}`);
  }
  if (session.state !== "open") {
    throw new AvatarSDKError("invalidRequest", `captureMicrophone() cannot run now: the session is ${session.state}; await session.start() first`, { phase: "websocket_send" });
  }
  signal?.throwIfAborted();

  const cleanups: Array<() => unknown> = [];
  const release = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // Releasing goes on: every step runs.
      }
    }
  };
  try {
    const AudioContextClass = (globalThis as { AudioContext?: typeof AudioContext }).AudioContext;
    if (options.audioContext === undefined && AudioContextClass === undefined) {
      throw microphoneError("audioContext", "captureMicrophone() needs the Web Audio API (AudioContext), which this runtime lacks");
    }
    let stream = options.stream;
    if (stream === undefined) {
      const media = (globalThis as { navigator?: Navigator }).navigator?.mediaDevices;
      if (media?.getUserMedia === undefined) {
        throw microphoneError("microphone", "No microphone API here: navigator.mediaDevices.getUserMedia needs a secure context (https:// or http://localhost)");
      }
      try {
        stream = await media.getUserMedia({ audio: { channelCount: 1, echoCancellation: true } });
      } catch (error) {
        throw mediaError(error);
      }
      const opened = stream;
      cleanups.push(() => opened.getTracks().forEach((track) => track.stop()));
      signal?.throwIfAborted();
    }
    if (stream.getAudioTracks().length === 0) throw microphoneError("stream", "captureMicrophone(): the stream has no audio track");

    const context = options.audioContext ?? new AudioContextClass!();
    if (options.audioContext === undefined) cleanups.push(() => context.close());
    if (context.state !== "running") {
      const resumed = await Promise.race([context.resume().then(() => "resumed" as const, () => "failed" as const), timeout(resumeTimeoutMs)]);
      if (resumed === "timeout" || (context.state as AudioContextState) !== "running") {
        throw microphoneError(
          "audioContext",
          `The AudioContext stays ${context.state}: browsers start audio only after a user gesture. Call captureMicrophone() from a click handler, or pass an audioContext resumed in one.`,
        );
      }
    }
    signal?.throwIfAborted();

    const url = String(options.processorUrl ?? new URL("./capture-worklet.js", import.meta.url));
    let modules = loaded.get(context);
    if (modules === undefined) loaded.set(context, (modules = new Map()));
    let module = modules.get(url);
    if (module === undefined) {
      module = context.audioWorklet.addModule(url);
      modules.set(url, module);
      module.catch(() => modules!.delete(url));
    }
    try {
      await module;
    } catch (error) {
      throw microphoneError("processorUrl", `The capture worklet did not load from ${url} (${(error as Error)?.message ?? String(error)}); serve capture-worklet.js next to the SDK bundle, or set processorUrl`, error);
    }
    signal?.throwIfAborted();
    if (session.state !== "open") {
      throw new AvatarSDKError("invalidRequest", `captureMicrophone(): the session is ${session.state}; it closed while the microphone opened`, { phase: "websocket_send" });
    }

    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, "avatarkit-capture", {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: { batchFrames: WORKLET_BATCH },
    });
    // The node writes silence; connected to the destination so that the graph renders it.
    source.connect(node);
    node.connect(context.destination);
    cleanups.push(() => {
      node.port.onmessage = null;
      source.disconnect();
      node.disconnect();
    });
    return new Capture(session, node, stream, context.sampleRate, Math.max(1, Math.round((context.sampleRate * chunkMs) / 1000)), release, options);
  } catch (error) {
    await release();
    throw error;
  }
}

/** One capture: the worklet's samples in, `sendAudio()` calls out. */
class Capture implements MicrophoneCapture {
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
