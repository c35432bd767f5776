// Reads a clip the page can stream: a 16-bit PCM WAV (any rate the service
// takes; stereo is mixed down) or raw 16 kHz mono s16le PCM.

/** PCM sample rates the service accepts. */
export const PCM_RATES = [8000, 16000, 22050, 24000, 32000, 44100, 48000];

/**
 * @param {ArrayBuffer} buffer
 * @param {string} name the file name (`.pcm` is raw 16 kHz mono)
 * @returns {{ pcm: Uint8Array, sampleRate: number }}
 */
export function readClip(buffer, name) {
  const bytes = new Uint8Array(buffer);
  const tag = new TextDecoder().decode(bytes.subarray(0, 4));
  if (tag !== "RIFF") {
    if (!/\.pcm$|\.raw$/i.test(name)) throw new Error(`${name} is not a WAV file; raw PCM must end in .pcm`);
    if (bytes.length % 2 !== 0) throw new Error(`${name} has an odd number of bytes: not 16-bit PCM`);
    return { pcm: bytes, sampleRate: 16000 };
  }
  const view = new DataView(buffer);
  let format;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = new TextDecoder().decode(bytes.subarray(at, at + 4));
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === "fmt ") {
      format = {
        code: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === "data") {
      if (!format) throw new Error("The WAV file has no format chunk before its data");
      if ((format.code !== 1 && format.code !== 0xfffe) || format.bits !== 16) {
        throw new Error(`Only 16-bit PCM WAV is supported (this one is format ${format.code}, ${format.bits}-bit)`);
      }
      if (!PCM_RATES.includes(format.sampleRate)) {
        throw new Error(`${format.sampleRate} Hz is not a rate the service takes (${PCM_RATES.join(", ")})`);
      }
      const data = bytes.subarray(body, Math.min(body + size, bytes.length));
      return { pcm: mixDown(data, format.channels), sampleRate: format.sampleRate };
    }
    at = body + size + (size % 2);
  }
  throw new Error("The WAV file has no data chunk");
}

/** Averages interleaved channels into mono s16le. */
function mixDown(data, channels) {
  const frames = Math.floor(data.length / 2 / channels);
  const input = new DataView(data.buffer, data.byteOffset, frames * channels * 2);
  if (channels === 1) return new Uint8Array(data.buffer, data.byteOffset, frames * 2);
  const out = new Uint8Array(frames * 2);
  const output = new DataView(out.buffer);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += input.getInt16((i * channels + c) * 2, true);
    output.setInt16(i * 2, Math.round(sum / channels), true);
  }
  return out;
}
