// Built-in encoder vs native opusenc: 60 s of 16 kHz mono speech at 32 kb/s
// with 20 ms frames, through a whole session against the simulator, with each
// libopus backend of the SDK side by side in one run:
//
// - opusenc (Debian opus-tools, native libopus 1.3): one process per run, so
//   its wall time includes starting it and its file I/O;
// - native: the prebuilt N-API libopus of @evan/opus (packages/node/src/opus-native.ts);
// - wasm: the WebAssembly libopus the SDK ships (packages/node/src/opus-encoder.ts);
// - simd: the SIMD build of the same WebAssembly, for reference.
//
// Each SDK run is a fresh Node process (bench/lib/encoder-child.mjs) that
// opens a session with `oggOpusEncoder: { backend }` and sends the 60 s as
// 1 + WARM requests of 100 ms chunks: (a) cold is the codec's load (dlopen,
// or reading and compiling the WebAssembly; the SDK does it during start())
// plus its first request, with no JIT tier-up yet; (b) warm are the later
// requests of the same process. The figure is the encoder's wall time in the
// request (creating the request's libopus encoder plus every encode()); the
// sendAudio() loop's wall time and the process' CPU time over it (encoder,
// protobuf, WebSocket and the frames arriving meanwhile) are reported too.
// RUNS processes per backend, alternating with opusenc runs so that load from
// other processes hits all alike; median and min-max of each.
//
// The same WASM encoder also runs in Chromium (bench/lib/chromium-encoder.mjs,
// the page's own clock, warm, in-page: no session).
//
// Run from the repository root: pnpm exec tsx bench/encoder.mjs [--runs 5] [--warm 3] [--no-chromium]
// (needs opusenc: Debian opus-tools)
// The last line of output is the result as JSON.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { speech } from "./lib/audio.mjs";
import { startChromiumEncoder } from "./lib/chromium-encoder.mjs";
import { spawnSimulator } from "./lib/processes.mjs";
import { round, summarize } from "./lib/stats.mjs";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "5" }, warm: { type: "string", default: "3" }, "no-chromium": { type: "boolean", default: false } },
});
const RATE = 16000;
const SECONDS = 60;
const BITRATE = 32000;
const FRAME_MS = 20;
const CHUNK_BYTES = (RATE / 10) * 2; // 100 ms
const RUNS = Math.max(3, Number(values.runs));
const WARM = Math.max(1, Number(values.warm));
const BACKENDS = ["native", "wasm", "simd"];
const CHILD = fileURLToPath(new URL("./lib/encoder-child.mjs", import.meta.url));

const run = promisify(execFile);
const note = (line) => process.stderr.write(`  ${line}\n`);

const pcm = speech(SECONDS);
const dir = await mkdtemp(join(tmpdir(), "avatarkit-bench-"));
const input = join(dir, "speech.pcm");
await writeFile(input, pcm);

const cpuMs = ({ user, system }) => (user + system) / 1000;

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

/** One fresh SDK process with `backend`: its JSON line, plus its whole lifetime as seen from here. */
function childRun(backend, sim) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, backend, JSON.stringify(sim), String(WARM)], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => {
      const processMs = performance.now() - start;
      const line = stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
      if (code !== 0 || !line) return reject(new Error(`${backend} child exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`));
      resolve({ ...JSON.parse(line), processMs });
    });
  });
}

/** `{ median, min, max, runs }`, rounded. */
const figure = (values, digits = 1) => {
  const s = summarize(values);
  return { median: round(s.median, digits), min: round(s.min, digits), max: round(s.max, digits), runs: s.runs };
};
const text = (s) => `${Math.round(s.median)} ms (${Math.round(s.min)}–${Math.round(s.max)})`;

let chromium;
let sim;
try {
  const { stdout: version } = await run("opusenc", ["--version"]);
  console.log(`${SECONDS} s of ${RATE / 1000} kHz mono speech, ${BITRATE / 1000} kb/s, ${FRAME_MS} ms frames; ${RUNS} fresh processes per backend, each 1 cold + ${WARM} warm requests`);
  console.log(`native: ${version.split("\n")[0]}`);
  sim = await spawnSimulator({ frameIntervalMs: 0 });

  const opusenc = [];
  const children = Object.fromEntries(BACKENDS.map((b) => [b, []]));
  const unavailable = {};
  await opusencRun(); // page cache, and the dynamic loader's
  for (let i = 1; i <= RUNS; i++) {
    opusenc.push(await opusencRun());
    for (const backend of BACKENDS) {
      if (unavailable[backend]) continue;
      try {
        children[backend].push(await childRun(backend, sim));
      } catch (error) {
        unavailable[backend] = error.message;
        note(`${backend}: ${error.message}`);
      }
    }
    note(`run ${i}/${RUNS} done`);
  }

  const opusencWall = figure(opusenc.map((r) => r.wallMs));
  const opusencCpu = figure(opusenc.map((r) => r.cpuMs));
  console.log(`${"opusenc".padEnd(8)} wall ${text(opusencWall)}   cpu ${text(opusencCpu)}   ${opusenc[0].bytes} bytes`);

  const backends = {};
  for (const backend of BACKENDS) {
    const runs = children[backend];
    if (runs.length === 0) {
      backends[backend] = { unavailable: unavailable[backend] ?? "not run" };
      continue;
    }
    const cold = runs.map((r) => r.requests[0]);
    const warm = runs.flatMap((r) => r.requests.slice(1));
    const side = (requests) => ({
      encodeMs: figure(requests.map((r) => r.encodeMs)),
      requestMs: figure(requests.map((r) => r.requestMs)),
      cpuMs: figure(requests.map((r) => r.cpuMs)),
    });
    const result = {
      cold: { ...side(cold), loadMs: figure(cold.map((r) => r.openMs), 2), sinceProcessStartMs: figure(cold.map((r) => r.sinceProcessStartMs)) },
      warm: { ...side(warm), openMs: figure(warm.map((r) => r.openMs), 2) },
      processMs: figure(runs.map((r) => r.processMs)),
      bootMs: figure(runs.map((r) => r.bootMs)),
      importsMs: figure(runs.map((r) => r.importsMs)),
      sessionMs: figure(runs.map((r) => r.sessionMs)),
      bytes: cold[0].bytes,
    };
    result.coldRatio = round(result.cold.encodeMs.median / opusencWall.median, 3);
    result.warmRatio = round(result.warm.encodeMs.median / opusencWall.median, 3);
    result.coldCpuRatio = round(result.cold.cpuMs.median / opusencCpu.median, 3);
    result.warmCpuRatio = round(result.warm.cpuMs.median / opusencCpu.median, 3);
    backends[backend] = result;
    console.log(
      `${backend.padEnd(8)} cold: encoder ${text(result.cold.encodeMs)} = ${result.coldRatio.toFixed(2)}x, load ${result.cold.loadMs.median} ms, ` +
        `sendAudio loop ${text(result.cold.requestMs)}, cpu ${text(result.cold.cpuMs)}`,
    );
    console.log(
      `${"".padEnd(8)} warm: encoder ${text(result.warm.encodeMs)} = ${result.warmRatio.toFixed(2)}x, ` +
        `sendAudio loop ${text(result.warm.requestMs)}, cpu ${text(result.warm.cpuMs)} = ${result.warmCpuRatio.toFixed(2)}x   ` +
        `${result.bytes} bytes (process ${text(result.processMs)}: boot ${Math.round(result.bootMs.median)}, imports ${Math.round(result.importsMs.median)}, session ${Math.round(result.sessionMs.median)})`,
    );
  }
  await sim.close();
  sim = undefined;

  // What `oggOpusEncoder.backend: "auto"` picks here: native where it loads.
  const sdkBackend = backends.native.warm ? "native" : "wasm";
  const sdk = backends[sdkBackend];

  let inChromium;
  if (!values["no-chromium"]) {
    chromium = await startChromiumEncoder({ pcm, rate: RATE, bitrate: BITRATE, frameMs: FRAME_MS, chunkBytes: CHUNK_BYTES });
    console.log(chromium ? `browser: Chromium ${chromium.version}` : "browser: Chromium not found, skipped");
    if (chromium) {
      await chromium.once(0); // loads and compiles the WASM
      const walls = [];
      for (let i = 1; i <= RUNS; i++) walls.push((await chromium.once(i)).wallMs);
      inChromium = figure(walls);
      console.log(`${"chromium".padEnd(8)} wasm, warm, in the page: ${text(inChromium)} = ${(inChromium.median / opusencWall.median).toFixed(2)}x`);
    }
  }
  const ratio = sdk.warm.encodeMs.median / opusencWall.median;
  const cpuRatio = sdk.warm.cpuMs.median / opusencCpu.median;
  const chromiumRatio = inChromium ? inChromium.median / opusencWall.median : undefined;
  const wasmWarm = backends.wasm.warm?.encodeMs.median;
  const simdWarm = backends.simd.warm?.encodeMs.median;
  console.log(
    `SDK (${sdkBackend}) / opusenc, warm: ${ratio.toFixed(2)}x wall, ${cpuRatio.toFixed(2)}x CPU` +
      (wasmWarm && simdWarm ? `; SIMD / plain WASM, warm: ${(simdWarm / wasmWarm).toFixed(2)}x` : ""),
  );
  console.log(
    JSON.stringify({
      audioSeconds: SECONDS,
      sampleRate: RATE,
      bitrate: BITRATE,
      frameMs: FRAME_MS,
      reps: RUNS,
      warmRequestsPerProcess: WARM,
      // The default backend, warm, against opusenc (the rows bench/run.mjs prints).
      sdkBackend,
      sdkWallMs: Math.round(sdk.warm.encodeMs.median),
      opusencWallMs: Math.round(opusencWall.median),
      ratio: round(ratio, 3),
      sdkCpuMs: Math.round(sdk.warm.cpuMs.median),
      opusencCpuMs: Math.round(opusencCpu.median),
      cpuRatio: round(cpuRatio, 3),
      simdWallMs: simdWarm === undefined ? null : Math.round(simdWarm),
      chromiumWallMs: inChromium ? Math.round(inChromium.median) : null,
      chromiumRatio: chromiumRatio === undefined ? null : round(chromiumRatio, 3),
      sdkBytes: sdk.bytes,
      opusencBytes: opusenc[0].bytes,
      // Every backend, cold and warm (figures: median, min, max, runs).
      nativeColdRatio: backends.native.coldRatio ?? null,
      nativeWarmRatio: backends.native.warmRatio ?? null,
      wasmColdRatio: backends.wasm.coldRatio ?? null,
      wasmWarmRatio: backends.wasm.warmRatio ?? null,
      simdColdRatio: backends.simd.coldRatio ?? null,
      simdWarmRatio: backends.simd.warmRatio ?? null,
      opusenc: { wallMs: opusencWall, cpuMs: opusencCpu },
      backends,
    }),
  );
} finally {
  await sim?.close();
  await chromium?.close();
  await rm(dir, { recursive: true, force: true });
}
