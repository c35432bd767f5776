// (7) 2,000 concurrent sessions in this process against one simulator in
// another process. Per run: sessions open at a steady rate (all of them stay
// open), then, idle, the heap they hold is measured (after a full GC), then
// all stream a short clip at once and wait for their last frame, then all
// close. One more run opens all of them at the same instant (burst). Reports
// handshake (init+start) p50/p99, errors, frames, the event loop's delay
// while the sessions open, and heap per idle open session.
//
//   node --expose-gc bench/concurrency.mjs [--sessions 2000] [--runs 3] [--ramp-ms 10000] [--clip-seconds 2]
import { execFileSync } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { expectedFrames, speech } from "./lib/audio.mjs";
import { note, report, spawnSimulator } from "./lib/processes.mjs";
import { benchSession, sendClip } from "./lib/session.mjs";
import { distribution, round, summarize } from "./lib/stats.mjs";

const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "2000" },
    runs: { type: "string", default: "3" },
    "ramp-ms": { type: "string", default: "10000" },
    "clip-seconds": { type: "string", default: "2" },
    "no-burst": { type: "boolean", default: false },
  },
});
let sessions = Number(values.sessions);
const runs = Number(values.runs);
const rampMs = Number(values["ramp-ms"]);
const clip = speech(Number(values["clip-seconds"]));
const notes = [];

// File descriptors: each session holds a WebSocket and, while init() runs, an
// HTTP connection; the simulator's process holds the other ends. Running both
// in one process would need twice as many in that process, so sharing a
// process is no way around a low limit. Node raises its soft limit to the
// hard one at startup, so the limit seen here (by a shell it spawns) is the
// most this process can open; if it is too low, run fewer sessions and say so.
const needed = sessions * 2 + 128;
const text = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
const fdLimit = text === "unlimited" ? Infinity : Number(text);
if (fdLimit < needed) {
  const fit = Math.floor((fdLimit - 128) / 2);
  notes.push(`open-file limit ${fdLimit} fits ${fit} sessions, not ${sessions}: ran ${fit} (raise the hard limit, ulimit -Hn, to run ${sessions})`);
  sessions = fit;
}

/**
 * One run against a fresh simulator (it records every connection, so one
 * kept across runs would grow and GC more with each): open `sessions`
 * sessions spread over `spreadMs`, stream, close.
 */
async function runOnce(spreadMs, stream) {
  const sim = await spawnSimulator({ frameIntervalMs: 0 });
  try {
    return await measure(sim, spreadMs, stream);
  } finally {
    await sim.close();
  }
}

/** A full GC (the script runs with --expose-gc), twice: weak callbacks and finalizers run between. */
async function collect() {
  if (typeof globalThis.gc !== "function") return false;
  for (let i = 0; i < 2; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return true;
}

async function measure(sim, spreadMs, stream) {
  const canGc = await collect();
  const heapBefore = process.memoryUsage();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const handshakes = [];
  const errors = {};
  const fail = (error) => {
    const code = error?.code ?? error?.name ?? "Error";
    errors[code] = (errors[code] ?? 0) + 1;
  };
  const open = [];
  const t0 = performance.now();
  const opening = Array.from({ length: sessions }, async (_, i) => {
    const at = t0 + (spreadMs * i) / sessions;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const bench = benchSession(sim);
    const started = performance.now();
    try {
      await bench.session.init();
      await bench.session.start();
      handshakes.push(performance.now() - started);
      open.push(bench);
    } catch (error) {
      fail(error);
      await bench.session.close();
    }
  });
  await Promise.all(opening);
  const connectWallMs = performance.now() - t0;
  lag.disable();
  const peakOpen = open.length;
  // Idle: every session open, nothing in flight. What they hold, per session.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await collect();
  const heapOpen = process.memoryUsage();
  const perSession = (key) => (canGc && peakOpen > 0 ? round((heapOpen[key] - heapBefore[key]) / peakOpen / 1024, 2) : null);

  let streamWallMs = 0;
  const lastFrameMs = [];
  if (stream) {
    const s0 = performance.now();
    await Promise.all(
      open.map(async (bench) => {
        try {
          const last = bench.waitLast();
          await sendClip(bench.session, clip);
          lastFrameMs.push((await last) - s0);
        } catch (error) {
          fail(error);
        }
      }),
    );
    streamWallMs = performance.now() - s0;
  }
  const frames = open.reduce((n, b) => n + b.state.frames, 0);
  for (const bench of open) for (const error of bench.state.errors) fail(error);
  await Promise.all(open.map((b) => b.session.close()));
  const closes = open.reduce((n, b) => n + b.state.closes, 0);
  if (closes !== open.length) fail({ code: `onClose fired ${closes} times for ${open.length} sessions` });
  return {
    sessions,
    opened: peakOpen,
    errors: Object.values(errors).reduce((a, b) => a + b, 0),
    errorCodes: errors,
    handshakeMs: Object.fromEntries(Object.entries(distribution(handshakes)).map(([k, v]) => [k, round(v)])),
    // The event loop's delay while the sessions opened (ms).
    eventLoopLagMs: { p50: round(lag.percentile(50) / 1e6), p99: round(lag.percentile(99) / 1e6), max: round(lag.max / 1e6) },
    // Per idle open session, after a full GC: JS heap, and memory outside it (socket buffers, Buffers).
    heapKBPerSession: perSession("heapUsed"),
    externalKBPerSession: perSession("external"),
    rssKBPerSession: perSession("rss"),
    connectWallMs: round(connectWallMs),
    framesReceived: frames,
    framesExpected: stream ? peakOpen * expectedFrames(clip.length) : 0,
    lastFrameMs: stream ? Object.fromEntries(Object.entries(distribution(lastFrameMs)).map(([k, v]) => [k, round(v)])) : undefined,
    streamWallMs: round(streamWallMs),
  };
}

{
  // Warm-up, not counted: JIT and the simulator's first connections.
  await runOnce(500, false);
  const steady = [];
  for (let run = 1; run <= runs; run++) {
    const r = await runOnce(rampMs, true);
    steady.push(r);
    note(
      `run ${run}: ${r.opened}/${sessions} open (over ${r.connectWallMs} ms), handshake p50 ${r.handshakeMs.p50} ms p99 ${r.handshakeMs.p99} ms, ` +
        `${r.errors} errors, ${r.framesReceived}/${r.framesExpected} frames, last frame p99 ${r.lastFrameMs.p99} ms after all started streaming, ` +
        `event loop lag p99 ${r.eventLoopLagMs.p99} ms, heap ${r.heapKBPerSession} KB per idle session (external ${r.externalKBPerSession} KB, RSS ${r.rssKBPerSession} KB)`,
    );
  }
  const burst = values["no-burst"] ? undefined : await runOnce(0, false);
  if (burst) {
    note(
      `burst: ${burst.opened}/${sessions} opened at once in ${burst.connectWallMs} ms, handshake p50 ${burst.handshakeMs.p50} ms p99 ${burst.handshakeMs.p99} ms, ` +
        `${burst.errors} errors, event loop lag p99 ${burst.eventLoopLagMs.p99} ms`,
    );
  }
  report({
    sessions,
    fdLimit,
    rampMs,
    clipSeconds: clip.length / 32000,
    simulator: "separate process, a fresh one per run",
    notes,
    handshakeP50Ms: summarize(steady.map((r) => r.handshakeMs.p50)),
    handshakeP99Ms: summarize(steady.map((r) => r.handshakeMs.p99)),
    errors: summarize(steady.map((r) => r.errors)),
    framesReceived: summarize(steady.map((r) => r.framesReceived)),
    framesExpected: steady[0].framesExpected,
    lastFrameP99Ms: summarize(steady.map((r) => r.lastFrameMs.p99)),
    eventLoopLagP99Ms: summarize(steady.map((r) => r.eventLoopLagMs.p99)),
    heapKBPerSession: summarize(steady.map((r) => r.heapKBPerSession)),
    externalKBPerSession: summarize(steady.map((r) => r.externalKBPerSession)),
    rssKBPerSession: summarize(steady.map((r) => r.rssKBPerSession)),
    runs: steady,
    burst,
  });
}
