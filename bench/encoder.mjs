// Built-in encoder vs native opusenc: 60 s of 16 kHz mono speech at 32 kb/s
// with 20 ms frames, 5 timed runs each after one warm-up, medians compared:
// wall time (opusenc's includes starting its process and file I/O) and CPU
// time (user + system), which other load on the machine disturbs less.
// The SDK side is the WASM libopus of @avatarkit/node under core's Ogg Opus
// stream, fed 100 ms chunks as an application would.
//
// Run from the repository root: pnpm exec tsx bench/encoder.mjs
// (needs opusenc: Debian opus-tools)
// The last line of output is the result as JSON.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { openOggOpusStream } from "../packages/core/src/audio/ogg-opus-stream.ts";
import { createWasmOpusEncoderFactory } from "../packages/core/src/audio/opus-wasm.ts";
import { nodeOpusEncoderFactory } from "../packages/node/src/opus-encoder.ts";
import { startChromiumEncoder } from "./lib/chromium-encoder.mjs";

const RATE = 16000;
const SECONDS = 60;
const BITRATE = 32000;
const FRAME_MS = 20;
const REPS = 5;
const CHUNK_BYTES = (RATE / 10) * 2; // 100 ms

const run = promisify(execFile);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const clip = await readFile(new URL("../examples/assets/speech-16k.pcm", import.meta.url));
const pcm = new Uint8Array(RATE * 2 * SECONDS);
for (let offset = 0; offset < pcm.length; offset += clip.length) pcm.set(clip.subarray(0, pcm.length - offset), offset);

const dir = await mkdtemp(join(tmpdir(), "avatarkit-bench-"));
const input = join(dir, "speech.pcm");
await writeFile(input, pcm);

const cpuMs = ({ user, system }) => (user + system) / 1000;

/** Encodes the whole input through the SDK's stream encoder; returns { wallMs, cpuMs, bytes }. */
async function sdkRun(factory, serial) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const stream = await openOggOpusStream(factory, {
    sampleRate: RATE,
    frameDurationMs: FRAME_MS,
    application: "audio",
    bitrate: BITRATE,
    serial,
    keepStream: false,
  });
  let bytes = 0;
  for (let offset = 0; offset < pcm.length; offset += CHUNK_BYTES) bytes += stream.push(pcm.subarray(offset, offset + CHUNK_BYTES)).length;
  bytes += stream.end().length;
  return { wallMs: performance.now() - start, cpuMs: cpuMs(process.cpuUsage(cpu)), bytes };
}

/** Runs opusenc on the same input; returns { wallMs, cpuMs, bytes }. bash's `times` reports the child's CPU time. */
async function opusencRun() {
  const output = join(dir, "speech.opus");
  const args = ["--quiet", "--raw", "--raw-rate", String(RATE), "--raw-chan", "1", "--bitrate", String(BITRATE / 1000), "--framesize", String(FRAME_MS), input, output];
  const start = performance.now();
  const { stdout } = await run("bash", ["-c", 'opusenc "$@" && times', "opusenc", ...args]);
  const wallMs = performance.now() - start;
  const [user, system] = stdout.trim().split("\n").at(-1).split(" ").map((t) => {
    const [, min, sec] = /^(\d+)m([\d.]+)s$/.exec(t);
    return (Number(min) * 60 + Number(sec)) * 1e6;
  });
  return { wallMs, cpuMs: cpuMs({ user, system }), bytes: (await stat(output)).size };
}

/**
 * Times each contender REPS times after one warm-up each (which loads and
 * compiles the WASM). Runs alternate between contenders, so that load from
 * other processes hits them alike.
 */
async function measure(contenders) {
  for (const c of contenders) await c.once(0);
  const runs = contenders.map(() => []);
  for (let i = 1; i <= REPS; i++) {
    for (const [k, c] of contenders.entries()) runs[k].push(await c.once(i));
  }
  return contenders.map((c, k) => {
    const wall = runs[k].map((r) => r.wallMs);
    const cpu = runs[k].map((r) => r.cpuMs);
    const result = { wallMs: median(wall), cpuMs: median(cpu), bytes: runs[k][0].bytes };
    const list = (values) => values.map((v) => Math.round(v)).join(", ");
    const cpuText = Number.isNaN(result.cpuMs) ? "cpu n/a (inside a page)" : `cpu median ${Math.round(result.cpuMs)} ms (${list(cpu)})`;
    console.log(`${c.name.padEnd(28)} wall median ${Math.round(result.wallMs)} ms (${list(wall)})   ${cpuText}   ${result.bytes} bytes`);
    return result;
  });
}

let chromium;
try {
  const { stdout: version } = await run("opusenc", ["--version"]);
  console.log(`${SECONDS} s of ${RATE / 1000} kHz mono speech, ${BITRATE / 1000} kb/s, ${FRAME_MS} ms frames, ${REPS} runs each`);
  console.log(`native: ${version.split("\n")[0]}`);
  const simdPath = createRequire(join(process.cwd(), "packages/node/package.json")).resolve("@evan/opus/wasm/simd.wasm");
  const simdFactory = createWasmOpusEncoderFactory(() => readFile(simdPath));
  chromium = await startChromiumEncoder({ pcm, rate: RATE, bitrate: BITRATE, frameMs: FRAME_MS, chunkBytes: CHUNK_BYTES });
  console.log(chromium ? `browser: Chromium ${chromium.version}` : "browser: Chromium not found, skipped");
  const [sdk, native, simd, inChromium] = await measure([
    { name: "SDK (WASM libopus)", once: (i) => sdkRun(nodeOpusEncoderFactory, i) },
    { name: "opusenc (native libopus)", once: opusencRun },
    { name: "SDK, SIMD build (reference)", once: (i) => sdkRun(simdFactory, i) },
    ...(chromium ? [{ name: "SDK in Chromium", once: chromium.once }] : []),
  ]);
  const ratio = sdk.wallMs / native.wallMs;
  const cpuRatio = sdk.cpuMs / native.cpuMs;
  const chromiumRatio = inChromium ? inChromium.wallMs / native.wallMs : undefined;
  console.log(`SDK / opusenc: ${ratio.toFixed(2)}x wall, ${cpuRatio.toFixed(2)}x CPU (target <= 1.10x); SIMD build / plain: ${(simd.wallMs / sdk.wallMs).toFixed(2)}x wall`);
  if (chromiumRatio !== undefined) console.log(`SDK in Chromium / opusenc: ${chromiumRatio.toFixed(2)}x wall (the page's own clock; opusenc's includes starting its process)`);
  console.log(
    JSON.stringify({
      audioSeconds: SECONDS,
      sampleRate: RATE,
      bitrate: BITRATE,
      frameMs: FRAME_MS,
      reps: REPS,
      sdkWallMs: Math.round(sdk.wallMs),
      opusencWallMs: Math.round(native.wallMs),
      ratio: Number(ratio.toFixed(3)),
      sdkCpuMs: Math.round(sdk.cpuMs),
      opusencCpuMs: Math.round(native.cpuMs),
      cpuRatio: Number(cpuRatio.toFixed(3)),
      simdWallMs: Math.round(simd.wallMs),
      chromiumWallMs: inChromium ? Math.round(inChromium.wallMs) : null,
      chromiumRatio: chromiumRatio === undefined ? null : Number(chromiumRatio.toFixed(3)),
      sdkBytes: sdk.bytes,
      opusencBytes: native.bytes,
    }),
  );
} finally {
  await chromium?.close();
  await rm(dir, { recursive: true, force: true });
}
