/**
 * `captureMicrophone()`: streams a microphone (or any audio `MediaStream`)
 * into an open session, one request per capture, through an AudioWorklet
 * shipped as a file of its own (`capture-worklet.js`, next to the bundle).
 */
import { AvatarSDKError, ConfigurationError } from "@avatarkit/core";
import { Capture, timeout } from "./capture";
import type { MicrophoneCapture, MicrophoneCaptureOptions, MicrophoneSession } from "./microphone-types";

export type { MicrophoneCapture, MicrophoneCaptureOptions, MicrophoneSession } from "./microphone-types";

/** The frames that the worklet batches per message, at most: about 10 ms at 48 kHz. */
const WORKLET_BATCH = 512;

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
