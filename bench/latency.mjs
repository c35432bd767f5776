// (2) Time from sendAudio(…, true) to the request's last frame, for a 10 s
// clip streamed in 100 ms chunks at 10× real time (so the simulator has no
// backlog when the last chunk leaves); the simulator, in its own process,
// emits the 250 frames as fast as it can once the request ends.
//
//   node bench/latency.mjs [--clip-seconds 10] [--runs 10] [--speed 10]
import { parseArgs } from "node:util";
import { expectedFrames, speech } from "./lib/audio.mjs";
import { note, report, spawnSimulator } from "./lib/processes.mjs";
import { benchSession } from "./lib/session.mjs";
import { distribution, round, summarize } from "./lib/stats.mjs";

const { values } = parseArgs({ options: { "clip-seconds": { type: "string", default: "10" }, runs: { type: "string", default: "10" }, speed: { type: "string", default: "10" } } });
const clip = speech(Number(values["clip-seconds"]));
const runs = Number(values.runs);
const rounded = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));
const CHUNK = 3200; // 100 ms
const pauseMs = 100 / Number(values.speed);
const sleepUntil = (t) => new Promise((resolve) => setTimeout(resolve, Math.max(0, t - performance.now())));

const sim = await spawnSimulator({ frameIntervalMs: 0 });
const { session, state, waitLast } = benchSession(sim, {
  transportFrames: (_frame, isLast) => {
    firstFrameAt ??= performance.now();
    state.frames++;
    if (isLast) lastFrame?.(performance.now());
  },
});
let firstFrameAt;
let lastFrame;
try {
  await session.init();
  await session.start();
  const lastMs = [];
  const firstMs = [];
  for (let run = -2; run <= runs; run++) { // two warm-up runs
    // Frames stream while audio arrives: count the request's frames, and time its first one, from its first chunk.
    const before = state.frames;
    firstFrameAt = undefined;
    const start = performance.now();
    let i = 0;
    for (let at = 0; at + CHUNK < clip.length; at += CHUNK) {
      await sleepUntil(start + i++ * pauseMs);
      await session.sendAudio(clip.subarray(at, at + CHUNK), false);
    }
    await sleepUntil(start + i * pauseMs);
    const tail = clip.subarray(clip.length - (clip.length % CHUNK || CHUNK));
    const last = new Promise((resolve) => (lastFrame = resolve));
    const t0 = performance.now();
    await session.sendAudio(tail, true);
    const t1 = await last;
    if (state.frames - before !== expectedFrames(clip.length)) throw new Error(`run ${run}: ${state.frames - before} frames, expected ${expectedFrames(clip.length)}`);
    if (run < 1) continue;
    lastMs.push(t1 - t0);
    firstMs.push(firstFrameAt - start);
    note(`run ${run}: first frame ${round(firstFrameAt - start)} ms after the first chunk, last (frame ${expectedFrames(clip.length)}) after ${round(t1 - t0)} ms`);
  }
  if (state.errors.length > 0) throw new Error(`session errors: ${state.errors.map((e) => e.code).join(", ")}`);
  report({
    clipSeconds: clip.length / 32000,
    speed: Number(values.speed),
    frames: expectedFrames(clip.length),
    lastFrameMs: rounded({ ...summarize(lastMs), ...distribution(lastMs) }),
    firstFrameMs: rounded(summarize(firstMs)),
  });
} finally {
  await session.close();
  await sim.close();
}
