// A small WAV (RIFF/WAVE) reader: enough for the files that recorders,
// editors, sox, ffmpeg and text-to-speech engines write.
//
// Handles:
// - integer PCM of 8 (unsigned), 16, 24 and 32 bits, and IEEE float of 32
//   and 64 bits, any sample rate and channel count;
// - WAVE_FORMAT_EXTENSIBLE (format tag 0xFFFE: the real format is in the
//   first two bytes of its sub-format GUID), as written for more than two
//   channels or more than 16 bits;
// - chunks it does not need (fact, LIST, bext, cue, JUNK, …), in any order,
//   with their pad byte after an odd size;
// - a data size of 0 or 0xFFFFFFFF, or past the end of the file (streamed or
//   truncated files): the data then runs to the end of the file, in whole
//   frames.
//
// Not handled (an Error says so): compressed formats (ADPCM, A-law, µ-law,
// MP3 in WAV…), RF64/BW64 files over 4 GiB, big-endian RIFX.

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 2–15 of every standard KSDATAFORMAT_SUBTYPE GUID (…-0000-0010-8000-00AA00389B71). */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/**
 * @typedef {object} Wav
 * @property {number} sampleRate Frames per second.
 * @property {number} channels Samples per frame; `samples` interleaves them.
 * @property {number} bitsPerSample Bits of each stored sample (the container size).
 * @property {"pcm" | "float"} encoding Integer PCM or IEEE float.
 * @property {number} frames Number of frames (`samples.length / channels`).
 * @property {Int16Array | Float32Array} samples Interleaved samples: 16-bit
 *   PCM as it is (an Int16Array), every other format as floats in [−1, 1]
 *   (integers divided by 2^(bits−1)).
 */

/**
 * Parses a whole WAV file.
 * @param {Uint8Array} bytes The file's contents.
 * @returns {Wav}
 */
export function parseWav(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (bytes.length < 12) throw new Error("not a WAV file: shorter than a RIFF header");
  const riff = tag(0);
  if (riff === "RIFX") throw new Error("big-endian WAV (RIFX) is not supported");
  if (riff === "RF64" || riff === "BW64") throw new Error("RF64/BW64 WAV (over 4 GiB) is not supported");
  if (riff !== "RIFF" || tag(8) !== "WAVE") throw new Error("not a WAV file: no RIFF/WAVE header");

  let fmt;
  let data;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === "fmt ") {
      if (size < 16) throw new Error(`WAV fmt chunk too short (${size} bytes)`);
      let format = view.getUint16(body, true);
      if (format === FORMAT_EXTENSIBLE) {
        if (size < 40) throw new Error("WAVE_FORMAT_EXTENSIBLE fmt chunk too short");
        const guid = bytes.subarray(body + 26, body + 40);
        if (GUID_TAIL.some((b, i) => guid[i] !== b)) throw new Error("WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format GUID");
        format = view.getUint16(body + 24, true);
      }
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === "data") {
      // 0 and 0xFFFFFFFF are what writers that cannot seek back leave: the data runs to the end.
      const unknown = size === 0 || size === 0xffffffff;
      data = { start: body, end: unknown ? bytes.length : Math.min(bytes.length, body + size) };
      if (unknown || body + size >= bytes.length) break; // nothing can follow
    }
    // Every other chunk is skipped; odd sizes are followed by a pad byte.
    at = body + size + (size & 1);
  }
  if (!fmt) throw new Error("WAV file has no fmt chunk");
  if (!data) throw new Error("WAV file has no data chunk");

  const { format, channels, sampleRate, bitsPerSample } = fmt;
  const encoding = format === FORMAT_PCM ? "pcm" : format === FORMAT_FLOAT ? "float" : undefined;
  if (!encoding) throw new Error(`WAV format 0x${format.toString(16).padStart(4, "0")} is not supported (only PCM and IEEE float)`);
  const supported = encoding === "pcm" ? [8, 16, 24, 32] : [32, 64];
  if (!supported.includes(bitsPerSample)) throw new Error(`${bitsPerSample}-bit ${encoding} WAV is not supported`);
  if (channels < 1 || sampleRate < 1) throw new Error(`WAV fmt chunk says ${channels} channels at ${sampleRate} Hz`);
  const bytesPerSample = bitsPerSample / 8;
  // Some writers get blockAlign wrong; the sample size and channel count are what the data holds.
  const blockAlign = bytesPerSample * channels;

  const frames = Math.floor((data.end - data.start) / blockAlign);
  const count = frames * channels;
  const at = data.start;
  let samples;
  if (encoding === "pcm" && bitsPerSample === 16) {
    samples = new Int16Array(count);
    for (let i = 0; i < count; i++) samples[i] = view.getInt16(at + 2 * i, true);
  } else {
    samples = new Float32Array(count);
    if (encoding === "float" && bitsPerSample === 32) for (let i = 0; i < count; i++) samples[i] = view.getFloat32(at + 4 * i, true);
    else if (encoding === "float") for (let i = 0; i < count; i++) samples[i] = view.getFloat64(at + 8 * i, true);
    else if (bitsPerSample === 8) for (let i = 0; i < count; i++) samples[i] = (bytes[at + i] - 128) / 128;
    else if (bitsPerSample === 24) {
      for (let i = 0, p = at; i < count; i++, p += 3) {
        const value = bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16);
        samples[i] = ((value << 8) >> 8) / 8388608; // sign-extend 24 bits
      }
    } else for (let i = 0; i < count; i++) samples[i] = view.getInt32(at + 4 * i, true) / 2147483648;
  }
  return { sampleRate, channels, bitsPerSample, encoding, frames, samples };
}

/**
 * Writes 16-bit PCM as a canonical WAV file (44-byte header).
 * @param {Int16Array} samples Interleaved samples.
 * @param {number} sampleRate
 * @param {number} [channels]
 * @returns {Uint8Array}
 */
export function encodeWav16(samples, sampleRate, channels = 1) {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const text = (at, s) => [...s].forEach((c, i) => (bytes[at + i] = c.charCodeAt(0)));
  text(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + 2 * i, samples[i], true);
  return bytes;
}
