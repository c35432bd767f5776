#!/usr/bin/env node
// `pnpm bench`: runs every benchmark (each in its own process, against a
// simulator in another one), prints one table and writes bench/results.json.
// docs/benchmarks.md explains each figure.
//
//   node bench/run.mjs [--quick] [--only throughput,latency,...]
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { describeMachine, machine } from "./lib/machine.mjs";
import { runJsonChild } from "./lib/processes.mjs";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" } } });
const quick = values.quick;
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));

/** Every benchmark: how to run it and how its JSON becomes table rows. */
const BENCHMARKS = [
  {
    key: "throughput",
    script: "throughput.mjs",
    args: quick ? ["--audio-seconds", "120", "--runs", "3"] : [],
    rows: (r) => [
      ["1", `throughput, one session (${r.audioSeconds / 60} min request, ${r.framesPerRun} frames)`, "frames/s to transportFrames after the last chunk", spread(r.fps, 0)],
      ["", "", "client CPU per frame (µs)", spread(r.cpuUsPerFrame, 2)],
    ],
  },
  {
    key: "frames",
    script: "frames.mjs",
    args: quick ? ["--runs", "3", "--frames", "50000", "--floods", "2"] : [],
    timeoutMs: 240_000,
    rows: (r) => [
      ["1b", `CPU per received ${r.frameBytes}-byte frame, flooded (${r.framesPerFlood} frames), fresh process per run`, "SDK / bare ws client that only counts", ratioSpread(r.ratio), "≤ 1.05×", r.ratio.median <= 1.05],
      ["", "", "SDK / bare ws client making the same view", ratioSpread(r.ownRatio)],
      ["", "", "bare ws + the view the SDK hands out / bare ws", ratioSpread(r.viewRatio)],
      ["", "", "SDK, µs per frame", spread(r.sdkCpuUsPerFrame, 3)],
      ["", "", "bare ws client, µs per frame", spread(r.wsCpuUsPerFrame, 3)],
      ["", "", "bare ws + new Uint8Array(buffer) copy / bare ws (the copy the SDK no longer makes)", ratioSpread(r.copyRatio)],
      ["", "", "bare ws + Uint8Array slice copy / bare ws", ratioSpread(r.sliceRatio)],
    ],
  },
  {
    key: "codec",
    script: "codec.mjs",
    args: quick ? ["--rounds", "7", "--ms", "100"] : [],
    // The generated codec against the hand-written one it replaced (loaded from git history), per operation.
    rows: (r) =>
      [
        ["decodeFrame", "shallow decode of an animation frame, the per-frame work"],
        ["encodeAudio", "encode a 3 KiB audio message"],
      ].map(([key, what], i) => {
        const w = r[key];
        const figure = [`${fixed(w.ratio, 3)}×`, `${fixed(w.newSpreadNs[0] / w.oldNs, 3)}–${fixed(w.newSpreadNs[1] / w.oldNs, 3)}×`, String(w.rounds ?? "")];
        return [i === 0 ? "8" : "", i === 0 ? "generated codec vs the hand-written one (ns/op)" : "", `${what}: generated ${w.newNs} / hand-written ${w.oldNs} ns`, figure, "≤ 1.0×", w.ratio <= 1];
      }),
  },
  {
    key: "latency",
    script: "latency.mjs",
    args: quick ? ["--runs", "5"] : [],
    rows: (r) => [
      ["2", `sendAudio(…, true) → last frame, ${r.clipSeconds} s clip (${r.frames} frames)`, "ms", spread(r.lastFrameMs, 2)],
      ["", "", "ms from the first chunk to the first frame", spread(r.firstFrameMs, 2)],
    ],
  },
  {
    key: "handshake",
    script: "handshake.mjs",
    args: quick ? ["--runs", "10"] : [],
    rows: (r) => [
      ["3", "handshake, one session at a time", "init()+start() ms", spread(r.initAndStartMs, 2)],
      ["", "", "start() alone, pre-minted token, ms", spread(r.startOnlyMs, 2)],
    ],
  },
  {
    key: "encoder",
    script: "encoder.mjs",
    // It imports the TypeScript sources of the encoder: run it through tsx.
    nodeArgs: ["--import", "tsx"],
    missing: "n/a (encoder not built)",
    timeoutMs: 180_000,
    rows: (r) => typeof r.ratio !== "number" ? [["4", "built-in encoder vs opusenc", "unrecognized output", [JSON.stringify(r).slice(0, 60), "", ""]]] : [
      ["4", `built-in encoder vs opusenc (${r.audioSeconds} s at ${r.bitrate / 1000} kb/s)`, "SDK / opusenc wall time", [`${fixed(r.ratio, 3)}×`, `medians of ${r.reps}`, String(r.reps)], "≤ 1.10×", r.ratio <= 1.1],
      ["", "", "SDK / opusenc CPU time", [`${fixed(r.cpuRatio, 3)}×`, `${r.sdkCpuMs} / ${r.opusencCpuMs} ms`, String(r.reps)], "≤ 1.10×", r.cpuRatio <= 1.1],
      typeof r.chromiumRatio === "number"
        ? ["", "", "SDK in Chromium / opusenc wall time", [`${fixed(r.chromiumRatio, 3)}×`, `${r.chromiumWallMs} / ${r.opusencWallMs} ms`, String(r.reps)], "≤ 1.10×", r.chromiumRatio <= 1.1]
        : ["", "", "SDK in Chromium", ["n/a (Chromium not found)", "", ""]],
      ...encoderBackendRows(r),
    ],
  },
  {
    key: "bundleSize",
    script: "bundle-size.mjs",
    missing: "n/a (bench/bundle-size.mjs not present)",
    acceptExitCode: [0, 1], // 1: over its budget, still a figure
    rows: (r) => {
      const rows = [];
      if (typeof r.pcmPathGzipBytes === "number") {
        const figure = [String(r.pcmPathGzipBytes), `${r.pcmPathMinBytes} min`, "1"];
        // A session cannot fit in 1 KiB: a smaller figure means the measurement missed the code (e.g. in a shared chunk).
        rows.push(
          r.pcmPathMinBytes < 1024
            ? ["5", "browser bundle (minified + gzip -9)", "PCM path, gzip bytes", figure, `≤ ${r.budgetGzipBytes} ? implausibly small, not checked`]
            : ["5", "browser bundle (minified + gzip -9)", "PCM path, gzip bytes", figure, `≤ ${r.budgetGzipBytes}`, r.pcmPathGzipBytes <= r.budgetGzipBytes],
        );
      }
      // Every other `…GzipBytes` figure the script reports, named after its key.
      for (const [key, value] of Object.entries(r)) {
        if (!key.endsWith("GzipBytes") || key === "pcmPathGzipBytes" || key === "budgetGzipBytes" || typeof value !== "number") continue;
        const stem = key.slice(0, -"GzipBytes".length);
        const label = stem.replace(/([A-Z])/g, " $1").toLowerCase();
        const min = r[`${stem}MinBytes`];
        const row = [rows.length ? "" : "5", rows.length ? "" : "browser bundle (minified + gzip -9)", `${label}, gzip bytes`, [String(value), min === undefined ? "" : `${min} min`, "1"]];
        // An application's first load of newAvatarSession from @avatarkit/sdk: the same budget (not the protocol chunk a session loads later).
        if (stem.startsWith("sdk") && !stem.endsWith("Protocol")) row.push(`≤ ${r.budgetGzipBytes}`, value <= r.budgetGzipBytes);
        rows.push(row);
      }
      return rows;
    },
  },
  {
    key: "memory",
    script: "memory.mjs",
    nodeArgs: ["--expose-gc"],
    args: quick ? ["--audio-seconds", "60"] : [],
    timeoutMs: 180_000,
    rows: (r) => [
      ["6", `memory, ${r.audioSeconds / 60} min of audio at ${r.speed}× (${r.wallSeconds} s, ${r.frames} frames)`, "RSS growth after GC, MB", [fixed(r.rssGrowthMB, 2), `${r.baselineRssMB} → ${r.endRssMB} MB`, "1"], "≤ 10 MB", r.rssGrowthMB <= 10],
      ["", "", "peak RSS above baseline, MB", [fixed(r.peakGrowthMB, 2), `heap ${signed(r.heapGrowthMB)} MB`, "1"]],
    ],
  },
  {
    key: "concurrency",
    script: "concurrency.mjs",
    nodeArgs: ["--expose-gc"],
    args: quick ? ["--runs", "1", "--sessions", "500", "--ramp-ms", "2500"] : [],
    timeoutMs: 300_000,
    rows: (r) => [
      ["7", `${r.sessions} concurrent sessions (opened over ${r.rampMs / 1000} s, ${r.clipSeconds} s clip each)`, "handshake p50, ms", spread(r.handshakeP50Ms, 2)],
      ["", "", "handshake p99, ms", spread(r.handshakeP99Ms, 2), "≤ 50 ms", r.handshakeP99Ms.median <= 50],
      ["", "", "errors", spread(r.errors, 0), "0", r.errors.max === 0],
      ["", "", "frames received", [`${r.framesReceived.median}/${r.framesExpected}`, `${r.framesReceived.min}–${r.framesReceived.max}`, String(r.framesReceived.runs)], "all", r.framesReceived.min === r.framesExpected],
      ["", "", "last frame p99, ms after all start streaming", spread(r.lastFrameP99Ms, 0)],
      ["", "", "event-loop lag p99 while opening, ms", spread(r.eventLoopLagP99Ms, 2)],
      ["", "", "heap per idle open session, KB (after GC)", spread(r.heapKBPerSession, 2), "≤ 50 KB", r.heapKBPerSession.max <= 50],
      ["", "", "RSS per idle open session, KB", spread(r.rssKBPerSession, 2)],
      ...(r.burst
        ? [
            ["", `burst: all ${r.sessions} opened at once`, "handshake p50 / p99, ms", [`${fixed(r.burst.handshakeMs.p50, 0)} / ${fixed(r.burst.handshakeMs.p99, 0)}`, `${r.burst.errors} errors`, "1"]],
            ["", "", "event-loop lag p99 / max, ms", [`${fixed(r.burst.eventLoopLagMs.p99, 0)} / ${fixed(r.burst.eventLoopLagMs.max, 0)}`, "", "1"]],
          ]
        : []),
    ],
  },
];

const fixed = (value, digits) => (typeof value === "number" ? value.toFixed(digits) : String(value));
const signed = (value) => (value >= 0 ? `+${value}` : String(value));
/** [median, "min–max", runs] of a summary. */
const spread = (s, digits) => [fixed(s.median, digits), `${fixed(s.min, digits)}–${fixed(s.max, digits)}`, String(s.runs)];
/** The same for a ratio: "1.234×". */
const ratioSpread = (s) => [`${fixed(s.median, 3)}×`, `${fixed(s.min, 3)}–${fixed(s.max, 3)}×`, String(s.runs)];

/**
 * Each libopus backend of the encoder (`oggOpusEncoder.backend`) against
 * opusenc: the medians of its cold (codec load + first request) and warm
 * requests over opusenc's median wall time; the spread is each run's figure
 * over the same median.
 */
function encoderBackendRows(r) {
  const rows = [];
  const opusenc = r.opusenc?.wallMs?.median;
  for (const [backend, label] of [["native", "native libopus (N-API)"], ["wasm", "WASM libopus"]]) {
    const b = r.backends?.[backend];
    if (!b || b.unavailable || !opusenc) {
      rows.push(["", "", `${label}`, [`n/a (${b?.unavailable ?? "not run"})`.slice(0, 60), "", ""]]);
      continue;
    }
    for (const phase of ["cold", "warm"]) {
      const e = b[phase].encodeMs;
      rows.push([
        "",
        "",
        `${label}, ${phase}${phase === "cold" ? " (load + 1st request)" : ""} / opusenc wall time`,
        [`${fixed(r[`${backend}${phase === "cold" ? "Cold" : "Warm"}Ratio`], 3)}×`, `${fixed(e.min / opusenc, 3)}–${fixed(e.max / opusenc, 3)}×`, String(e.runs)],
        ...(phase === "warm" ? ["≤ 1.10×", r[`${backend}WarmRatio`] <= 1.1] : []),
      ]);
    }
  }
  return rows;
}

/** The number a benchmark's rows carry in the table (its first row's). */
const number = (bench) => ({ throughput: "1", frames: "1b", latency: "2", handshake: "3", encoder: "4", bundleSize: "5", memory: "6", concurrency: "7", codec: "8" })[bench.key] ?? "";

const selected = values.only ? BENCHMARKS.filter((b) => values.only.split(",").includes(b.key)) : BENCHMARKS;
const m = machine();
const started = Date.now();
console.log(`Machine: ${describeMachine(m)}${quick ? " (--quick)" : ""}`);
const results = { machine: m, startedAt: new Date(started).toISOString(), quick, benchmarks: {} };
const rows = [];
let failed = false;

for (const bench of selected) {
  const script = here(bench.script);
  if (!existsSync(script)) {
    results.benchmarks[bench.key] = { skipped: bench.missing };
    rows.push([number(bench), bench.key, bench.missing, ["—", "", ""]]);
    continue;
  }
  const t0 = Date.now();
  process.stderr.write(`▶ ${bench.key}\n`);
  try {
    const result = await runJsonChild(script, bench.args ?? [], {
      nodeArgs: bench.nodeArgs ?? [],
      timeoutMs: bench.timeoutMs ?? 120_000,
      cwd: root,
      acceptExitCode: bench.acceptExitCode,
    });
    results.benchmarks[bench.key] = { ...result, seconds: Math.round((Date.now() - t0) / 100) / 10, measuredAt: new Date(t0).toISOString() };
    rows.push(...bench.rows(result));
  } catch (error) {
    failed = true;
    results.benchmarks[bench.key] = { error: error.message };
    rows.push([number(bench), bench.key, `failed: ${error.message.split("\n")[0]}`, ["—", "", ""]]);
  }
}
results.seconds = Math.round((Date.now() - started) / 1000);

// The table: markdown, so it can be pasted as is.
const header = ["#", "benchmark", "figure", "median", "spread (min–max)", "runs", "target"];
const lines = rows.map(([n, name, figure, [median, range, runs], target, ok]) => [
  n,
  name,
  figure,
  median,
  range,
  runs,
  target === undefined ? "" : ok === undefined ? target : `${target} ${ok ? "✓" : "✗"}`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => [...l[i]].length)));
const format = (cells) => `| ${cells.map((c, i) => c + " ".repeat(widths[i] - [...c].length)).join(" | ")} |`;
console.log("");
console.log(format(header));
console.log(format(widths.map((w) => "-".repeat(w))));
for (const line of lines) console.log(format(line));
console.log(`\n${selected.length} benchmarks in ${results.seconds} s; details in bench/results.json`);

const out = here("results.json");
if (values.only) {
  // A partial run updates its benchmarks in the last full results and keeps the others.
  const previous = await readFile(out, "utf8").then(JSON.parse, () => undefined);
  if (previous?.benchmarks) results.benchmarks = { ...previous.benchmarks, ...results.benchmarks };
}
await writeFile(`${out}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
await rename(`${out}.tmp`, out);
if (failed) process.exitCode = 1;
