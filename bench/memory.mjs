// (6) Memory under streaming: 10 minutes of speech sent at 10× real time
// (100 ms chunks, one every 10 ms, each awaited) as 10 s requests whose
// frames arrive while the next request streams. Prints the RSS growth
// between a warmed-up baseline and the end, both after a full GC.
// Run it with --expose-gc (bench/run.mjs does); the simulator runs in its own
// process so only the SDK's memory is measured.
//
//   node --expose-gc bench/memory.mjs [--audio-seconds 600] [--speed 10]
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { BYTES_PER_SECOND, expectedFrames, speech } from "./lib/audio.mjs";
import { note, report, spawnSimulator } from "./lib/processes.mjs";
import { benchSession } from "./lib/session.mjs";
import { round } from "./lib/stats.mjs";

if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
const { values } = parseArgs({ options: { "audio-seconds": { type: "string", default: "600" }, speed: { type: "string", default: "10" } } });
const audioSeconds = Number(values["audio-seconds"]);
const speed = Number(values.speed);
const CHUNK_MS = 100;
const CHUNK = (BYTES_PER_SECOND * CHUNK_MS) / 1000;
const REQUEST_SECONDS = 10;
const MB = 1024 * 1024;

const fullGc = async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await sleep(20);
  }
};

/** Streams `seconds` of audio paced at `speed`× real time; returns how late the sends ran. */
async function stream(session, seconds, onTick) {
  const request = speech(REQUEST_SECONDS); // reused: the audio itself is not what we measure
  const chunks = Math.round((seconds * 1000) / CHUNK_MS);
  const perRequest = (REQUEST_SECONDS * 1000) / CHUNK_MS;
  const interval = CHUNK_MS / speed;
  const start = performance.now();
  let late = 0;
  let maxLagMs = 0;
  for (let i = 0; i < chunks; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const lag = performance.now() - due;
    maxLagMs = Math.max(maxLagMs, lag);
    if (lag > interval) late++;
    const k = i % perRequest;
    await session.sendAudio(request.subarray(k * CHUNK, (k + 1) * CHUNK), k === perRequest - 1 || i === chunks - 1);
    onTick?.();
  }
  return { chunks, late, maxLagMs, wallMs: performance.now() - start };
}

const sim = await spawnSimulator({ frameIntervalMs: 0 });
const { session, state, waitLastFrames } = benchSession(sim);
try {
  await session.init();
  await session.start();

  // Warm-up: 20 s of audio at the same pace, then a full GC: the baseline.
  await stream(session, 20);
  await waitLastFrames(2);
  await fullGc();
  const baseline = process.memoryUsage();
  const framesBefore = state.frames;
  note(`baseline after warm-up: RSS ${round(baseline.rss / MB)} MB, heap ${round(baseline.heapUsed / MB)} MB`);

  let peakRss = baseline.rss;
  let nextSample = 0;
  const samples = [];
  const t0 = performance.now();
  const paced = await stream(session, audioSeconds, () => {
    const now = performance.now();
    if (now < nextSample) return;
    nextSample = now + 1000;
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    samples.push({ s: round((now - t0) / 1000, 1), rssMB: round(usage.rss / MB), heapTotalMB: round(usage.heapTotal / MB), heapUsedMB: round(usage.heapUsed / MB) });
  });
  await waitLastFrames(2 + Math.ceil(audioSeconds / REQUEST_SECONDS));
  const frames = state.frames - framesBefore;
  await fullGc();
  const end = process.memoryUsage();
  peakRss = Math.max(peakRss, end.rss);

  const expected = Math.floor(audioSeconds / REQUEST_SECONDS) * expectedFrames(REQUEST_SECONDS * BYTES_PER_SECOND);
  if (frames !== expected) throw new Error(`${frames} frames received, expected ${expected}`);
  if (state.errors.length > 0) throw new Error(`session errors: ${state.errors.map((e) => e.code).join(", ")}`);
  const result = {
    audioSeconds,
    speed,
    wallSeconds: round(paced.wallMs / 1000, 1),
    chunks: paced.chunks,
    lateChunks: paced.late,
    maxLagMs: round(paced.maxLagMs),
    requests: Math.ceil(audioSeconds / REQUEST_SECONDS),
    frames,
    baselineRssMB: round(baseline.rss / MB),
    endRssMB: round(end.rss / MB),
    peakRssMB: round(peakRss / MB),
    rssGrowthMB: round((end.rss - baseline.rss) / MB),
    peakGrowthMB: round((peakRss - baseline.rss) / MB),
    heapGrowthMB: round((end.heapUsed - baseline.heapUsed) / MB),
    heapTotalGrowthMB: round((end.heapTotal - baseline.heapTotal) / MB),
    externalGrowthMB: round((end.external - baseline.external) / MB),
    samples,
  };
  note(`${audioSeconds} s of audio in ${result.wallSeconds} s: RSS ${result.baselineRssMB} → ${result.endRssMB} MB (growth ${result.rssGrowthMB} MB, peak +${result.peakGrowthMB} MB), heap growth ${result.heapGrowthMB} MB, ${frames} frames`);
  report(result);
} finally {
  await session.close();
  await sim.close();
}
