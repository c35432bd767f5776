// (1) Frames per second through one session: the simulator (in its own
// process) emits frames as fast as it can; we count frames delivered to
// transportFrames per second of wall time, and this process's CPU time per frame.
//
//   node bench/throughput.mjs [--audio-seconds 600] [--runs 3]
import { parseArgs } from "node:util";
import { BYTES_PER_SECOND, expectedFrames, speech } from "./lib/audio.mjs";
import { note, report, spawnSimulator } from "./lib/processes.mjs";
import { benchSession, sendClip } from "./lib/session.mjs";
import { round, summarize } from "./lib/stats.mjs";

const { values } = parseArgs({ options: { "audio-seconds": { type: "string", default: "600" }, runs: { type: "string", default: "7" } } });
const seconds = Number(values["audio-seconds"]);
const runs = Number(values.runs);

const sim = await spawnSimulator({ frameIntervalMs: 0 });
const { session, state, waitLast } = benchSession(sim);
try {
  await session.init();
  await session.start();
  const audio = speech(seconds);
  const frames = expectedFrames(audio.length);
  // Warm-up, not counted: one full run (JIT of both processes, socket buffers).
  let last = waitLast();
  await sendClip(session, audio, BYTES_PER_SECOND);
  await last;

  const results = [];
  for (let run = 1; run <= runs; run++) {
    last = waitLast();
    const start = state.frames;
    // 1 s chunks. Frames stream while audio arrives; with 1 s chunks sent as
    // fast as the socket takes them, most come after the last chunk: the
    // window counts those.
    await sendClip(session, audio, BYTES_PER_SECOND);
    const before = state.frames;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const t1 = await last;
    const cpu = process.cpuUsage(cpu0);
    if (state.frames - start !== frames) throw new Error(`run ${run}: ${state.frames - start} frames delivered, expected ${frames}`);
    const delivered = state.frames - before;
    const wallMs = t1 - t0;
    const cpuUs = cpu.user + cpu.system;
    const result = {
      frames: delivered,
      wallMs: round(wallMs),
      fps: round((delivered / wallMs) * 1000, 0),
      cpuUsPerFrame: round(cpuUs / delivered, 2),
      // Share of one core this process used while receiving: well under 1 means the simulator sets the pace.
      clientCpuShare: round(cpuUs / 1000 / wallMs, 2),
    };
    results.push(result);
    note(`run ${run}: ${result.frames} frames in ${result.wallMs} ms = ${result.fps} frames/s, ${result.cpuUsPerFrame} µs CPU per frame (client at ${Math.round(result.clientCpuShare * 100)}% of a core)`);
  }
  if (state.errors.length > 0) throw new Error(`session errors: ${state.errors.map((e) => e.code).join(", ")}`);
  report({
    audioSeconds: seconds,
    framesPerRun: frames,
    runs: results,
    fps: summarize(results.map((r) => r.fps)),
    cpuUsPerFrame: summarize(results.map((r) => r.cpuUsPerFrame)),
    clientCpuShare: summarize(results.map((r) => r.clientCpuShare)),
  });
} finally {
  await session.close();
  await sim.close();
}
