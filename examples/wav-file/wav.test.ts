import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain JavaScript module, typed by its JSDoc
import { encodeWav16, parseWav } from "./wav.mjs";

const HAVE_SOX = spawnSync("sox", ["--version"], { stdio: "ignore" }).status === 0;
const root = fileURLToPath(new URL("../..", import.meta.url));

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "avatarkit-wav-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function sox(args: string[]): void {
  const result = spawnSync("sox", ["-D", "-V1", ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`sox ${args.join(" ")}: ${result.stderr}`);
}

/** A 0.3 s WAV made by sox: two tones and noise, a different mix per channel. */
function makeWav(name: string, rate: number, channels: number, format: string[]): string {
  const path = join(dir, name);
  sox(["-n", "-r", String(rate), "-c", String(channels), ...format, path, "synth", "0.3", "sine", "440", "sine", "1234", "whitenoise", "vol", "0.7"]);
  return path;
}

/** What sox reads from the same file, as float32 (its own conversion of each format). */
function soxFloats(path: string): Float32Array {
  const raw = join(dir, "reference.f32");
  sox([path, "-t", "raw", "-e", "floating-point", "-b", "32", "-L", raw]);
  const bytes = readFileSync(raw);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(4 * i));
}

const asFloats = (samples: Int16Array | Float32Array) => (samples instanceof Int16Array ? Float32Array.from(samples, (s) => s / 32768) : samples);
const formatTag = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint16(20, true);

const FORMATS: Array<{ name: string; rate: number; channels: number; format: string[]; bits: number; encoding: string; extensible: boolean }> = [
  { name: "16-bit mono", rate: 16000, channels: 1, format: ["-b", "16", "-e", "signed-integer"], bits: 16, encoding: "pcm", extensible: false },
  { name: "16-bit stereo", rate: 44100, channels: 2, format: ["-b", "16", "-e", "signed-integer"], bits: 16, encoding: "pcm", extensible: false },
  { name: "24-bit stereo", rate: 48000, channels: 2, format: ["-b", "24", "-e", "signed-integer"], bits: 24, encoding: "pcm", extensible: true },
  { name: "32-bit int stereo", rate: 22050, channels: 2, format: ["-b", "32", "-e", "signed-integer"], bits: 32, encoding: "pcm", extensible: true },
  { name: "32-bit float mono (with a fact chunk)", rate: 24000, channels: 1, format: ["-b", "32", "-e", "floating-point"], bits: 32, encoding: "float", extensible: false },
  { name: "64-bit float mono", rate: 8000, channels: 1, format: ["-b", "64", "-e", "floating-point"], bits: 64, encoding: "float", extensible: false },
  { name: "8-bit unsigned mono", rate: 11025, channels: 1, format: ["-b", "8", "-e", "unsigned-integer"], bits: 8, encoding: "pcm", extensible: false },
  { name: "16-bit 6 channels", rate: 48000, channels: 6, format: ["-b", "16", "-e", "signed-integer"], bits: 16, encoding: "pcm", extensible: true },
];

describe.skipIf(!HAVE_SOX)(`parseWav on WAVs made by sox${HAVE_SOX ? "" : " (skipped: sox is not installed)"}`, () => {
  for (const f of FORMATS) {
    it(`reads ${f.name} at ${f.rate} Hz${f.extensible ? " (WAVE_FORMAT_EXTENSIBLE)" : ""} as sox does`, () => {
      const path = makeWav(`${f.bits}-${f.encoding}-${f.channels}.wav`, f.rate, f.channels, f.format);
      const bytes = new Uint8Array(readFileSync(path));
      expect(formatTag(bytes) === 0xfffe).toBe(f.extensible);
      const wav = parseWav(bytes);
      const reference = soxFloats(path);
      expect(wav).toMatchObject({ sampleRate: f.rate, channels: f.channels, bitsPerSample: f.bits, encoding: f.encoding, frames: reference.length / f.channels });
      expect(wav.frames).toBeGreaterThan(0.29 * f.rate);
      expect(wav.samples).toBeInstanceOf(f.bits === 16 ? Int16Array : Float32Array);
      expect(wav.samples.length).toBe(wav.frames * f.channels);
      const floats = asFloats(wav.samples);
      if (f.bits <= 24) {
        expect(floats).toEqual(reference); // exact in float32
      } else {
        // sox goes through its 32-bit integer samples, rounding differently: within a float32 step.
        let worst = 0;
        for (let i = 0; i < floats.length; i++) worst = Math.max(worst, Math.abs(floats[i]! - reference[i]!));
        expect(worst).toBeLessThan(2 ** -22);
      }
    });
  }

  it("skips chunks it does not know, with their pad byte, before and after the data", () => {
    const bytes = new Uint8Array(readFileSync(makeWav("plain.wav", 16000, 2, ["-b", "16"])));
    const expected = parseWav(bytes);
    const chunk = (id: string, body: number[]) => {
      const out = new Uint8Array(8 + body.length + (body.length & 1));
      out.set([...id].map((c) => c.charCodeAt(0)));
      new DataView(out.buffer).setUint32(4, body.length, true);
      out.set(body, 8);
      return out;
    };
    const fmtEnd = 12 + 8 + 16; // sox writes a 16-byte fmt chunk for 16-bit stereo
    const dataEnd = fmtEnd + 8 + new DataView(bytes.buffer).getUint32(fmtEnd + 4, true);
    const junk = chunk("LIST", [1, 2, 3, 4, 5]); // odd size: one pad byte
    const tail = chunk("cue ", [9, 9, 9]);
    const withChunks = new Uint8Array(bytes.length + junk.length + tail.length);
    withChunks.set(bytes.subarray(0, fmtEnd));
    withChunks.set(junk, fmtEnd);
    withChunks.set(bytes.subarray(fmtEnd, dataEnd), fmtEnd + junk.length);
    withChunks.set(tail, dataEnd + junk.length);
    expect(parseWav(withChunks)).toEqual(expected);
  });

  it("reads a data chunk of unknown size (0 or 0xFFFFFFFF) or cut short to its end, in whole frames", () => {
    const bytes = new Uint8Array(readFileSync(makeWav("streamed.wav", 16000, 2, ["-b", "16"])));
    const whole = parseWav(bytes);
    const sizeAt = 12 + 8 + 16 + 4;
    for (const size of [0, 0xffffffff]) {
      const copy = bytes.slice();
      new DataView(copy.buffer).setUint32(sizeAt, size, true);
      expect(parseWav(copy)).toEqual(whole);
    }
    const cut = parseWav(bytes.subarray(0, bytes.length - 3)); // a frame is 4 bytes: the last one is partial
    expect(cut.frames).toBe(whole.frames - 1);
    expect(cut.samples).toEqual(whole.samples.subarray(0, 2 * (whole.frames - 1)));
  });

  it("refuses compressed formats and what is not a WAV file", () => {
    const alaw = makeWav("alaw.wav", 8000, 1, ["-e", "a-law"]);
    expect(() => parseWav(new Uint8Array(readFileSync(alaw)))).toThrow(/format 0x0006 is not supported/);
    expect(() => parseWav(new TextEncoder().encode("RIFF....AVI LIST"))).toThrow(/not a WAV file/);
    expect(() => parseWav(new Uint8Array(4))).toThrow(/not a WAV file/);
    const noData = new Uint8Array(readFileSync(makeWav("nodata.wav", 8000, 1, ["-b", "16"]))).subarray(0, 36);
    expect(() => parseWav(noData)).toThrow(/no data chunk/);
  });
});

describe("encodeWav16", () => {
  it("writes a canonical WAV that parseWav reads back", () => {
    const samples = Int16Array.from({ length: 600 }, (_, i) => (i * 997) % 65536 - 32768);
    const bytes = encodeWav16(samples, 22050, 3);
    expect(bytes.length).toBe(44 + 1200);
    expect(parseWav(bytes)).toEqual({ sampleRate: 22050, channels: 3, bitsPerSample: 16, encoding: "pcm", frames: 200, samples });
  });
});

describe.skipIf(!HAVE_SOX)("wav-file example", () => {
  const run = promisify(execFile);
  /** The example's environment, always the simulator: no AVATAR_* variables. */
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AVATAR_")));
  const installed = existsSync(new URL("./node_modules/@avatarkit/node/package.json", import.meta.url));

  it("streams a 44.1 kHz stereo 24-bit WAV and receives a frame per 40 ms of 16 kHz audio", async (context) => {
    if (!installed) context.skip("examples/wav-file is not installed as a workspace package yet (pnpm install)");
    const path = join(dir, "speech-like.wav");
    sox(["-n", "-r", "44100", "-c", "2", "-b", "24", path, "synth", "1.234", "sine", "300", "sine", "500", "vol", "0.5"]);
    const result = await run(process.execPath, ["examples/wav-file/index.mjs", path], { cwd: root, env, timeout: 30_000 }).catch((error) => error);
    const output = `${result.stdout}${result.stderr}`;
    if (/needs a Uint8Array, ArrayBuffer or ArrayBufferView, got object/.test(output)) {
      context.skip("the built SDK's sendAudio() does not take { samples, sampleRate, channels } yet");
    }
    expect(output).toMatch(/WAV: .*1\.23 s, 44100 Hz, 2 channels, 24-bit pcm/);
    expect(output).toMatch(/Sent audio: request id \d{14}_[A-Za-z0-9_-]{12}/);
    // round(54419 × 16000 / 44100) = 19744 samples at 16 kHz; 640 per frame.
    expect(Number(/Frames received: (\d+)/.exec(output)?.[1])).toBe(Math.ceil(19744 / 640));
    expect(result.code ?? 0).toBe(0);
  });
});
