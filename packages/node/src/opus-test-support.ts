/**
 * Helpers of the encoder tests (`opus-encoder.test.ts`, `opus-native.test.ts`):
 * PCM through an Opus encoder and core's Ogg muxer, checked by opus-tools
 * (opusinfo, opusdec), never by our own parser. The speech clip is 16 kHz;
 * sox resamples it for the other rates.
 *
 * Importing this module registers, in the importing test file, a
 * `beforeAll` that checks the tools and prepares the clips, and an
 * `afterAll` that removes them.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect } from "vitest";
import type { OpusEncoderFactory } from "@avatarkit/core/platform";
import { OGG_OPUS_SAMPLE_RATES, OggOpusStream, type OggOpusStreamOptions } from "@avatarkit/core/audio";
import { nodeOpusEncoderFactory } from "./opus-encoder";

export const run = promisify(execFile);
export const CLIP = fileURLToPath(new URL("../../../examples/assets/speech-16k.pcm", import.meta.url));
export const WASM = createRequire(import.meta.url).resolve("@evan/opus/wasm/opus.wasm");
export const MATRIX_SECONDS = 3;

let dir: string;
/** The first MATRIX_SECONDS of the clip at each rate. */
const clips = new Map<number, Uint8Array>();
/** The whole 12.3 s clip at 16 kHz (set before the tests run). */
export let fullClip: Uint8Array;

beforeAll(async () => {
  for (const tool of ["sox", "opusinfo", "opusdec"]) {
    await run("sh", ["-c", `command -v ${tool}`]).catch(() => {
      throw new Error(`${tool} is needed by these tests (Debian packages sox and opus-tools)`);
    });
  }
  dir = await mkdtemp(join(tmpdir(), "avatarkit-opus-"));
  fullClip = await readFile(CLIP);
  await Promise.all(
    OGG_OPUS_SAMPLE_RATES.map(async (rate) => {
      const out = join(dir, `clip-${rate}.pcm`);
      const raw = ["-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1", "-L"];
      await run("sox", [...raw, "-r", "16000", CLIP, ...raw, "-r", String(rate), out, "trim", "0", String(MATRIX_SECONDS)]);
      clips.set(rate, await readFile(out));
    }),
  );
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

export function clip(rate: number): Uint8Array {
  const pcm = clips.get(rate);
  if (pcm === undefined) throw new Error(`no clip at ${rate} Hz`);
  return pcm;
}

export const defaults = { frameDurationMs: 20, application: "audio", bitrate: 32000, serial: 1, keepStream: true } as const;

/** Encodes `pcm` in uneven chunks that split frames, and returns the whole stream. */
export async function encode(
  pcm: Uint8Array,
  options: Partial<OggOpusStreamOptions> & { sampleRate: number },
  factory: OpusEncoderFactory = nodeOpusEncoderFactory,
): Promise<Uint8Array> {
  const stream = await OggOpusStream.open(factory, { ...defaults, ...options });
  const parts: Uint8Array[] = [];
  for (let offset = 0, step = 1234; offset < pcm.length; offset += step, step = (step * 7) % 9000 || 2) {
    parts.push(stream.push(pcm.subarray(offset, Math.min(offset + step, pcm.length))));
  }
  parts.push(stream.end());
  const whole = stream.stream!;
  expect(Buffer.concat(parts).equals(whole)).toBe(true);
  return whole;
}

let fileCount = 0;

/** Runs opusinfo (which must not complain) and opusdec at `rate`; returns the decoded samples. */
export async function decode(stream: Uint8Array, rate: number): Promise<{ info: string; pcm: Int16Array }> {
  const name = join(dir, `stream-${++fileCount}`);
  await writeFile(`${name}.opus`, stream);
  const info = await run("opusinfo", [`${name}.opus`]);
  const said = info.stdout + info.stderr;
  expect(said).not.toMatch(/warning|error|corrupt|hole|invalid/i);
  await run("opusdec", ["--quiet", "--no-dither", "--rate", String(rate), `${name}.opus`, `${name}.raw`]);
  const raw = await readFile(`${name}.raw`);
  return { info: said, pcm: new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2) };
}

export function samples(bytes: Uint8Array): Int16Array {
  const copy = bytes.slice();
  return new Int16Array(copy.buffer, 0, copy.length / 2);
}

/** The best normalized cross-correlation of `a` and `b` over lags of ±`maxLag` samples. */
export function bestCorrelation(a: Int16Array, b: Int16Array, maxLag: number): { correlation: number; lag: number } {
  let best = { correlation: -1, lag: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = Math.max(0, -lag); i < a.length && i + lag < b.length; i++) {
      const x = a[i]!;
      const y = b[i + lag]!;
      xy += x * y;
      xx += x * x;
      yy += y * y;
    }
    const correlation = xy / Math.sqrt(xx * yy);
    if (correlation > best.correlation) best = { correlation, lag };
  }
  return best;
}

/** Encodes, checks with opus-tools, and returns the decoded audio's fit to the input. */
export async function roundTrip(
  pcm: Uint8Array,
  options: Partial<OggOpusStreamOptions> & { sampleRate: number },
  factory: OpusEncoderFactory = nodeOpusEncoderFactory,
) {
  const rate = options.sampleRate;
  const { info, pcm: decoded } = await decode(await encode(pcm, options, factory), rate);
  const input = samples(pcm);
  expect(decoded.length).toBe(input.length);
  return { info, decoded, ...bestCorrelation(input, decoded, Math.round(rate * 0.002)) };
}
