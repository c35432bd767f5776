// Request bodies → PCM: raw s16le as sent, or a WAV file (RIFF, mono, 16-bit).

/** Audio the service cannot take; the service answers 400 with its message. */
export class BadAudioError extends Error {
  name = "BadAudioError";
}

const ascii = (bytes, start, end) => String.fromCharCode(...bytes.subarray(start, end));

/** True when the bytes start like a WAV file (RIFF or RIFX). */
export function looksLikeWav(bytes) {
  return bytes.length >= 4 && (ascii(bytes, 0, 4) === "RIFF" || ascii(bytes, 0, 4) === "RIFX");
}

/** WAVE_FORMAT_PCM, and WAVE_FORMAT_EXTENSIBLE (whose sub-format must then be PCM). */
const FORMAT_PCM = 0x0001;
const FORMAT_EXTENSIBLE = 0xfffe;
const FORMAT_NAMES = { 0x0003: "IEEE float", 0x0006: "A-law", 0x0007: "µ-law", 0x0055: "MP3", 0x0002: "ADPCM" };

/**
 * Parses a WAV file holding mono 16-bit PCM.
 * @param {Uint8Array} bytes
 * @returns {{ sampleRate: number, pcm: Uint8Array }}
 */
export function parseWav(bytes) {
  if (bytes.length < 12) throw new BadAudioError(`WAV body is ${bytes.length} bytes: too short for a RIFF header`);
  if (ascii(bytes, 0, 4) === "RIFX") throw new BadAudioError("RIFX (big-endian) WAV is not supported: send little-endian RIFF/WAVE");
  if (ascii(bytes, 0, 4) !== "RIFF" || ascii(bytes, 8, 12) !== "WAVE") throw new BadAudioError("Not a WAV file: expected a RIFF/WAVE header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = ascii(bytes, offset, offset + 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === "fmt ") {
      if (size < 16 || body + size > bytes.length) throw new BadAudioError(`WAV fmt chunk is ${size} bytes: expected at least 16`);
      fmt = readFmt(view, body, size);
    } else if (id === "data") {
      if (fmt === undefined) throw new BadAudioError("WAV has its data chunk before any fmt chunk");
      checkFmt(fmt);
      // Streamed WAVs leave the size at 0 or 0xFFFFFFFF: the data runs to the end of the file.
      const open = size === 0 || size === 0xffffffff;
      if (!open && body + size > bytes.length) {
        throw new BadAudioError(`WAV data chunk declares ${size} bytes but only ${bytes.length - body} follow (truncated upload?)`);
      }
      const pcm = bytes.subarray(body, open ? bytes.length : body + size);
      if (pcm.length === 0) throw new BadAudioError("WAV data chunk is empty: no audio to animate");
      if (pcm.length % 2 !== 0) throw new BadAudioError(`WAV data is ${pcm.length} bytes: not whole 16-bit samples`);
      return { sampleRate: fmt.sampleRate, pcm };
    }
    offset = body + size + (size & 1); // chunks are padded to an even length
  }
  throw new BadAudioError(fmt === undefined ? "WAV has no fmt chunk" : "WAV has no data chunk");
}

function readFmt(view, at, size) {
  let format = view.getUint16(at, true);
  if (format === FORMAT_EXTENSIBLE && size >= 40) format = view.getUint16(at + 24, true); // the sub-format GUID starts with the format code
  return { format, channels: view.getUint16(at + 2, true), sampleRate: view.getUint32(at + 4, true), bitsPerSample: view.getUint16(at + 14, true) };
}

function checkFmt({ format, channels, bitsPerSample }) {
  if (format !== FORMAT_PCM) {
    const name = FORMAT_NAMES[format] ?? `format code ${format}`;
    throw new BadAudioError(`WAV holds ${name} audio: only 16-bit integer PCM is supported`);
  }
  if (channels !== 1) throw new BadAudioError(`WAV has ${channels} channels: only mono is supported (e.g. sox in.wav -c 1 out.wav)`);
  if (bitsPerSample !== 16) throw new BadAudioError(`WAV is ${bitsPerSample}-bit: only 16-bit samples are supported (e.g. sox in.wav -b 16 out.wav)`);
}

/**
 * Wraps mono s16le PCM in a 44-byte WAV header.
 * @param {Uint8Array} pcm
 * @param {number} sampleRate
 * @param {{ channels?: number, bitsPerSample?: number, format?: number }} [fmt] for making invalid files in tests
 */
export function toWav(pcm, sampleRate, { channels = 1, bitsPerSample = 16, format = FORMAT_PCM } = {}) {
  const out = new Uint8Array(44 + pcm.length);
  const view = new DataView(out.buffer);
  const text = (at, s) => [...s].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  const blockAlign = (channels * bitsPerSample) / 8;
  text(0, "RIFF");
  view.setUint32(4, 36 + pcm.length, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, format, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bitsPerSample, true);
  text(36, "data");
  view.setUint32(40, pcm.length, true);
  out.set(pcm, 44);
  return out;
}
