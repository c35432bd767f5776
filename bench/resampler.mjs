// The resampler of sendAudio() (packages/core/src/resample): speed in times
// real time for each rate pair, in Node and in Chromium, and its size as a
// page downloads it.
//
// - Node: 20 s of audio (tones and noise) pushed in 100 ms chunks through
//   one resampler and flushed, as one request; one warm-up, then RUNS timed
//   runs per pair, median and min–max. × real time = 20 s / the run's wall
//   time; also 20 s / the process' CPU time over the run (less disturbed by
//   other load on the machine, but it counts every thread of the process).
// - Chromium (/usr/bin/chromium, or CHROMIUM_PATH; skipped when missing):
//   the same loop in a page, on the module bundled by esbuild, timed with
//   performance.now(), after the Node runs (Chromium is not running while
//   Node is timed).
// - Size: the module (createResampler, toMonoFloat, floatToInt16) bundled
//   and minified by esbuild, gzipped at level 9.
//
// Run from the repository root: pnpm exec tsx bench/resampler.mjs [--runs N] [--seconds S]
// The last line of output is the result as JSON.
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { createResampler } from "../packages/core/src/resample/index.ts";
import { describeMachine, machine } from "./lib/machine.mjs";
import { round, summarize } from "./lib/stats.mjs";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    seconds: { type: "string", default: "20" },
  },
});
const RUNS = Math.max(3, Number(values.runs));
const SECONDS = Number(values.seconds);
const PAIRS = [
  [48000, 16000],
  [44100, 16000],
  [22050, 24000],
  [8000, 16000],
  [16000, 48000],
];
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ENTRY = fileURLToPath(new URL("../packages/core/src/resample/index.ts", import.meta.url));

/**
 * The timed loop; the page runs the same source (stringified) on the bundled
 * module. `cpuNow` gives the process' CPU time in ms (Node only).
 */
function timeOne(createResamplerFn, inputRate, outputRate, seconds, cpuNow = () => Number.NaN) {
  const x = new Float32Array(inputRate * seconds);
  let seed = 12345;
  for (let k = 0; k < x.length; k++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    x[k] = 0.4 * Math.sin(k * 0.013) + 0.2 * Math.sin(k * 0.31) + 0.1 * (seed / 2 ** 32 - 0.5);
  }
  const chunk = Math.round(inputRate / 10);
  const cpuStart = cpuNow();
  const start = performance.now();
  const r = createResamplerFn(inputRate, outputRate);
  let samples = 0;
  for (let at = 0; at < x.length; at += chunk) samples += r.push(x.subarray(at, at + chunk)).length;
  samples += r.flush().length;
  return { wallMs: performance.now() - start, cpuMs: cpuNow() - cpuStart, samples };
}

const processCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const nodeRun = (inputRate, outputRate) => timeOne(createResampler, inputRate, outputRate, SECONDS, processCpuMs);

async function bundle(format) {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format,
    globalName: format === "iife" ? "AvatarResample" : undefined,
    platform: "neutral",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

async function startChromium() {
  if (!existsSync(CHROMIUM_PATH)) return undefined;
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = await browser.newPage();
  await page.addScriptTag({ content: `${await bundle("iife")}\nwindow.timeOne = ${timeOne.toString()};` });
  return {
    version: browser.version(),
    run: (inputRate, outputRate) =>
      page.evaluate(([i, o, s]) => window.timeOne(window.AvatarResample.createResampler, i, o, s), [inputRate, outputRate, SECONDS]),
    close: () => browser.close(),
  };
}

const esm = await bundle("esm");
const size = { minBytes: Buffer.byteLength(esm), gzipBytes: gzipSync(esm, { level: 9 }).length };

console.log(describeMachine());
console.log(`${SECONDS} s per request in 100 ms chunks; ${RUNS} timed runs per pair after a warm-up, median (min–max)`);

const speed = (wallMs) => (SECONDS * 1000) / wallMs;
const text = (s) => `${Math.round(s.median)}× (${Math.round(s.min)}–${Math.round(s.max)})`;

// Node first, with no browser running: an idle Chromium still takes CPU from a small machine.
const results = [];
// Warm-up: the filter tables' design (cached after) and the JIT's optimized code, which the
// first pair would otherwise run partly without.
for (const [inputRate, outputRate] of PAIRS) nodeRun(inputRate, outputRate);
for (const [inputRate, outputRate] of PAIRS) {
  nodeRun(inputRate, outputRate);
  const wall = [];
  const cpu = [];
  let samples = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = nodeRun(inputRate, outputRate);
    wall.push(speed(r.wallMs));
    cpu.push(speed(r.cpuMs));
    samples = r.samples;
  }
  results.push({ pair: `${inputRate / 1000}k→${outputRate / 1000}k`, inputRate, outputRate, outputSamples: samples, node: summarize(wall), nodeCpu: summarize(cpu) });
}

let chromium;
try {
  chromium = await startChromium();
} catch (error) {
  console.log(`Chromium: not run (${error.message.split("\n")[0]})`);
}
if (chromium) console.log(`Chromium ${chromium.version}: the same loop in a page, after Node's runs`);
else if (!existsSync(CHROMIUM_PATH)) console.log(`Chromium: not run (${CHROMIUM_PATH} not found)`);
try {
  for (const row of chromium ? results : []) await chromium.run(row.inputRate, row.outputRate); // warm-up, as in Node
  for (const row of chromium ? results : []) {
    await chromium.run(row.inputRate, row.outputRate);
    const page = [];
    for (let i = 0; i < RUNS; i++) page.push(speed((await chromium.run(row.inputRate, row.outputRate)).wallMs));
    row.chromium = summarize(page);
  }
} finally {
  await chromium?.close();
}
for (const row of results) {
  console.log(
    `${row.pair.padEnd(12)} Node ${text(row.node).padEnd(18)} Node process CPU ${text(row.nodeCpu).padEnd(18)} ${row.chromium ? `Chromium ${text(row.chromium)}` : ""}`,
  );
}
console.log(`Size: ${size.minBytes} bytes minified, ${size.gzipBytes} bytes gzipped (esbuild, gzip -9)`);

const compact = (s) => s && { median: round(s.median, 1), min: round(s.min, 1), max: round(s.max, 1), runs: s.runs };
console.log(
  JSON.stringify({
    bench: "resampler",
    machine: machine(),
    seconds: SECONDS,
    chromium: chromium?.version ?? null,
    size,
    pairs: results.map((r) => ({ pair: r.pair, outputSamples: r.outputSamples, node: compact(r.node), nodeCpu: compact(r.nodeCpu), chromium: compact(r.chromium) ?? null })),
  }),
);
