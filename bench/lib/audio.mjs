// The bundled speech clip, and longer audio made by repeating it.
import { readFileSync } from "node:fs";

export const SAMPLE_RATE = 16000;
export const BYTES_PER_SECOND = SAMPLE_RATE * 2;

/** 12.3 s of 16 kHz mono s16le speech. */
export const SPEECH = new Uint8Array(readFileSync(new URL("../../examples/assets/speech-16k.pcm", import.meta.url)));

/** `seconds` of speech (the clip repeated as needed). */
export function speech(seconds) {
  const out = new Uint8Array(Math.round(seconds * SAMPLE_RATE) * 2);
  for (let at = 0; at < out.length; at += SPEECH.length) out.set(SPEECH.subarray(0, Math.min(SPEECH.length, out.length - at)), at);
  return out;
}

/** Frames the simulator sends for `bytes` of 16 kHz PCM at 25 fps: ceil(seconds × 25). */
export const expectedFrames = (bytes) => Math.max(1, Math.ceil((bytes / 2) * 25 / SAMPLE_RATE));
