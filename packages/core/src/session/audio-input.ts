import { AvatarSDKError } from "../errors/avatar-sdk-error";

import type { SampleInput } from "./sample-input";

/** Audio `sendAudio()` accepts: bytes in any binary container, or samples with their format. */
export type AudioInput = Uint8Array | ArrayBufferLike | ArrayBufferView | SampleInput;

/** True when `audio` is a {@link SampleInput} (not bytes). @internal */
export function isSampleInput(audio: unknown): audio is SampleInput {
  return typeof audio === "object" && audio !== null && "samples" in audio && !ArrayBuffer.isView(audio);
}

/** Views any accepted audio value as bytes, without copying. @internal */
export function audioBytes(audio: unknown): Uint8Array {
  if (audio instanceof Uint8Array) return audio;
  if (audio instanceof ArrayBuffer) return new Uint8Array(audio);
  if (typeof SharedArrayBuffer !== "undefined" && audio instanceof SharedArrayBuffer) return new Uint8Array(audio);
  if (ArrayBuffer.isView(audio)) return new Uint8Array(audio.buffer, audio.byteOffset, audio.byteLength);
  const kind = audio === null ? "null" : typeof audio;
  throw new AvatarSDKError("invalidRequest", `sendAudio() needs a Uint8Array, ArrayBuffer or ArrayBufferView, got ${kind}`, {
    phase: "websocket_send",
  });
}

/** Checks that PCM bytes hold whole 16-bit samples. @internal */
export function checkWholeSamples(bytes: Uint8Array): void {
  if (bytes.length % 2 !== 0) {
    throw new AvatarSDKError(
      "invalidRequest",
      `PCM audio must hold whole 16-bit samples: got ${bytes.length} bytes (an odd length); keep the odd byte for the next chunk`,
      { phase: "websocket_send" },
    );
  }
}
