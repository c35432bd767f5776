/**
 * The resampler against sox's very-high-quality resampler (`rate -v`, linear
 * phase, delay-compensated like ours), on speech and on a sweep, for the
 * rate pairs applications send most. Every signal is made here with sox
 * (and espeak-ng for speech, when installed) in a temporary directory.
 *
 * - SNR: our 16-bit output against sox's float output, counting only the
 *   frequencies both keep: up to our passband edge, 90 % of the lower Nyquist
 *   frequency (sox keeps 95 %; between the two ours is already rolling off).
 * - Aliasing (downsampling): a sweep entirely above the output's Nyquist
 *   frequency; whatever comes out is aliasing (power relative to the input's).
 * - Imaging (upsampling): a sweep of the input's band; power that lands
 *   between the input's and the output's Nyquist frequencies.
 *
 * `RESAMPLE_REPORT=1` prints the figures (the README's table).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bandPower, bandSnrDb, decibels, meanPower } from "./analysis";
import { createResampler } from "./index";

const has = (tool: string) => spawnSync(tool, ["--version"], { stdio: "ignore" }).status === 0;
const HAVE_SOX = has("sox");
const HAVE_ESPEAK = has("espeak-ng");
const SPEECH_16K = fileURLToPath(new URL("../../../../examples/assets/speech-16k.pcm", import.meta.url));

const PAIRS: Array<[number, number]> = [
  [48000, 16000],
  [44100, 16000],
  [22050, 24000],
  [8000, 16000],
  [16000, 48000],
];
const SNR_TARGET_DB = 50;
const ALIAS_TARGET_DB = -60;

/** Raw little-endian float32, as the tests have sox read and write it. */
const RAW = ["-t", "raw", "-e", "floating-point", "-b", "32", "-L", "-c", "1"];

function sox(args: string[]): void {
  const result = spawnSync("sox", ["-D", "-V1", ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`sox ${args.join(" ")} failed: ${result.stderr}`);
}

function readRaw(path: string): Float32Array {
  const bytes = readFileSync(path);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(4 * i);
  return out;
}

/** Through our resampler in 100 ms chunks, as `sendAudio()` would see them. */
function ours(x: Float32Array, inputRate: number, outputRate: number): Int16Array {
  const r = createResampler(inputRate, outputRate);
  const chunk = Math.round(inputRate / 10);
  const parts = [];
  for (let at = 0; at < x.length; at += chunk) parts.push(r.push(x.subarray(at, at + chunk)));
  parts.push(r.flush());
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const report: Array<Record<string, string | number>> = [];

describe.skipIf(!HAVE_SOX)(`quality against sox -v${HAVE_SOX ? "" : " (skipped: sox is not installed)"}`, () => {
  let dir = "";
  let speechSource = "";
  const file = (name: string) => join(dir, name);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "avatarkit-resample-"));
    if (HAVE_ESPEAK) {
      // espeak-ng speaks at 22.05 kHz: content up to 11 kHz, above every output's Nyquist frequency but 24 kHz's.
      speechSource = file("speech.wav");
      const text = "The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore, while six thick thistle sticks fizz and hiss.";
      const result = spawnSync("espeak-ng", ["-w", speechSource, text]);
      if (result.status !== 0) throw new Error("espeak-ng failed");
    } else {
      speechSource = file("speech.wav");
      sox(["-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-r", "16000", "-c", "1", SPEECH_16K, speechSource]);
    }
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (process.env["RESAMPLE_REPORT"]) console.table(report);
  });

  /** The speech clip at `rate`, as float32 (made by sox -v from the source). */
  function speechAt(rate: number): string {
    const path = file(`speech-${rate}.f32`);
    sox([speechSource, ...RAW, path, "rate", "-v", String(rate)]);
    return path;
  }

  /** A 4 s linear sweep at `rate` from `lo` to `hi` Hz, amplitude 0.5; `fade` ramps its ends (no clicks). */
  function sweepAt(rate: number, lo: number, hi: number, name: string, fade = false): string {
    const path = file(`${name}-${rate}.f32`);
    sox(["-n", "-r", String(rate), ...RAW, path, "synth", "4", "sine", `${lo}-${hi}`, "vol", "0.5", ...(fade ? ["fade", "h", "0.1", "4", "0.1"] : [])]);
    return path;
  }

  /** sox -v's output for a float32 file at `inputRate`. */
  function soxAt(input: string, inputRate: number, outputRate: number): Float32Array {
    const path = `${input}.${outputRate}.f32`;
    sox([...RAW, "-r", String(inputRate), input, ...RAW, path, "rate", "-v", String(outputRate)]);
    return readRaw(path);
  }

  for (const [inputRate, outputRate] of PAIRS) {
    const label = `${inputRate / 1000} kHz → ${outputRate / 1000} kHz`;
    const passband = 0.9 * (Math.min(inputRate, outputRate) / 2);

    it(`${label}: SNR ≥ ${SNR_TARGET_DB} dB against sox on speech and on a sweep, the same length, no delay`, { timeout: 60_000 }, () => {
      const row: Record<string, string | number> = { pair: label };
      const speech = speechAt(inputRate);
      const sweep = sweepAt(inputRate, 20, Math.min(20000, 0.99 * (inputRate / 2)), "sweep");
      for (const [name, input] of [
        ["speech", speech],
        ["sweep", sweep],
      ] as const) {
        const x = readRaw(input);
        const reference = soxAt(input, inputRate, outputRate);
        const y = ours(x, inputRate, outputRate);
        expect(y.length).toBe(reference.length);
        const snr = bandSnrDb(y, reference, outputRate, 0, passband);
        row[`${name} SNR dB`] = Number(snr.toFixed(1));
        // Full band, to the lower Nyquist frequency: where ours and sox's filters differ by design.
        row[`${name} SNR full band`] = Number(bandSnrDb(y, reference, outputRate, 0, Math.min(inputRate, outputRate) / 2).toFixed(1));
        expect(snr).toBeGreaterThanOrEqual(SNR_TARGET_DB);
        // The measure sees a delay: one sample late costs far more than the target.
        expect(bandSnrDb(y.subarray(1), reference, outputRate, 0, passband)).toBeLessThan(30);
      }
      const leak = aliasing(inputRate, outputRate);
      row[outputRate < inputRate ? "aliasing dB" : "imaging dB"] = Number(leak.ours.toFixed(1));
      row["sox dB"] = Number(leak.sox.toFixed(1));
      report.push(row);
      expect(leak.ours).toBeLessThan(ALIAS_TARGET_DB);
    });
  }

  /** Power that should not be there, relative to the input's, for ours and for sox. */
  function aliasing(inputRate: number, outputRate: number): { ours: number; sox: number } {
    if (outputRate < inputRate) {
      // Only content above the output's Nyquist frequency: every output sample is aliasing.
      const input = sweepAt(inputRate, 1.02 * (outputRate / 2), Math.min(20000, 0.98 * (inputRate / 2)), "above", true);
      const x = readRaw(input);
      return {
        ours: decibels(meanPower(ours(x, inputRate, outputRate)), meanPower(x)),
        sox: decibels(meanPower(soxAt(input, inputRate, outputRate)), meanPower(x)),
      };
    }
    // Upsampling: images of the input's band above its Nyquist frequency.
    const input = sweepAt(inputRate, 20, 0.98 * (inputRate / 2), "band", true);
    const x = readRaw(input);
    const image = (y: Float32Array | Int16Array) => decibels(bandPower(y, outputRate, inputRate / 2, outputRate / 2), meanPower(x));
    return { ours: image(ours(x, inputRate, outputRate)), sox: image(soxAt(input, inputRate, outputRate)) };
  }
});
