/**
 * The Opus encoder a platform provides to core. Core owns the Ogg framing;
 * the platform only turns PCM frames into Opus packets.
 *
 * @packageDocumentation
 */

/** Opus application modes, as libopus names them. */
export type OpusApplication = "audio" | "voip" | "restricted_lowdelay";

/** Settings for one encoder instance (one per request stream). */
export interface OpusEncoderOptions {
  /** Input rate: 8000, 12000, 16000, 24000 or 48000. */
  readonly sampleRate: number;
  /** Always 1: the service takes mono audio. */
  readonly channels: 1;
  readonly application: OpusApplication;
  /** Bits per second; 0 keeps the libopus default. */
  readonly bitrate: number;
}

/** A stateful Opus encoder for mono 16-bit PCM. */
export interface OpusEncoder {
  /**
   * Encodes exactly one frame (`sampleRate * frameDurationMs / 1000` samples)
   * and returns one Opus packet. The returned bytes may be reused by the next
   * call: copy them if you keep them.
   */
  encode(pcm: Int16Array): Uint8Array;
  /** Frees the encoder's memory. */
  destroy(): void;
}

/** Creates encoders; loading the codec (WASM) happens on the first call. */
export type OpusEncoderFactory = (options: OpusEncoderOptions) => Promise<OpusEncoder>;
