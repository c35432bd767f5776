/** The public types of `captureMicrophone()` (./microphone.ts). */
import type { AvatarSDKError, AvatarSessionBase } from "@avatarkit/core";

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
