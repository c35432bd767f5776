// (1b) SDK CPU per received frame against a bare `ws` client. A flood
// server (bench/lib/flood-server.mjs, its own process) answers each request
// with identical ~1 KB animation frames as fast as loopback takes them. Each
// client runs in a fresh process, the variants alternating (so that load
// from other processes hits all alike), and reports its CPU time per frame:
//
// - sdk: an @avatarkit/node session counting frames in transportFrames
//   (receive; a Uint8Array view of ws' Buffer, no copy; a peek at the type
//   and `end`, nothing else decoded; the callback);
// - ws: a bare `ws` client that only counts messages (the baseline);
// - ws-view: the bare client making the view the SDK makes of each message
//   (`new Uint8Array(buffer.buffer, byteOffset, byteLength)`);
// - ws-copy / ws-slice: the bare client copying each message once, the two
//   ways of copying a Buffer into memory of its own (what the SDK did before
//   it handed out views: the bytes of a view stay valid, see
//   packages/node/src/websocket.ts).
//
// The figure is sdk / ws CPU per frame, per round of adjacent runs; median
// and spread. sdk / ws-view (ownRatio) is what the SDK adds beyond the view
// it makes of each message.
//
//   node bench/frames.mjs [--runs 5] [--frames 100000] [--floods 3]
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { note, report, runJsonChild } from "./lib/processes.mjs";
import { median, round, summarize } from "./lib/stats.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, frames: { type: "string", default: "100000" }, floods: { type: "string", default: "3" } } });
const runs = Number(values.runs);
const count = Number(values.frames);
const floods = Number(values.floods);
const VARIANTS = ["ws", "sdk", "ws-view", "ws-copy", "ws-slice"];
const here = (file) => fileURLToPath(new URL(file, import.meta.url));

const server = spawn(process.execPath, [here("./lib/flood-server.mjs"), String(count)], { stdio: ["pipe", "pipe", "inherit"] });
const exited = new Promise((resolve) => server.once("exit", resolve));
const { url, frameBytes } = await new Promise((resolve, reject) => {
  let buffer = "";
  server.stdout.on("data", (chunk) => {
    buffer += chunk;
    const line = buffer.split("\n").find((l) => l.startsWith("{"));
    if (line) resolve(JSON.parse(line));
  });
  server.once("exit", (code) => reject(new Error(`flood server exited with ${code}`)));
});

try {
  const perRun = [];
  for (let run = 1; run <= runs; run++) {
    const row = {};
    for (const variant of VARIANTS) {
      const { results } = await runJsonChild(here("./lib/frames-client.mjs"), [variant, url, String(count), String(floods)]);
      row[variant] = { cpuUsPerFrame: median(results.map((r) => r.cpuUsPerFrame)), framesPerSecond: median(results.map((r) => (count / r.wallMs) * 1000)) };
    }
    row.ratio = row.sdk.cpuUsPerFrame / row.ws.cpuUsPerFrame;
    row.viewRatio = row["ws-view"].cpuUsPerFrame / row.ws.cpuUsPerFrame;
    row.copyRatio = row["ws-copy"].cpuUsPerFrame / row.ws.cpuUsPerFrame;
    // The SDK against a bare client that makes the same view: what the SDK adds beyond it.
    row.ownRatio = row.sdk.cpuUsPerFrame / row["ws-view"].cpuUsPerFrame;
    row.sliceRatio = row["ws-slice"].cpuUsPerFrame / row.ws.cpuUsPerFrame;
    perRun.push(row);
    note(
      `run ${run}: CPU per frame ws ${row.ws.cpuUsPerFrame.toFixed(3)} µs, sdk ${row.sdk.cpuUsPerFrame.toFixed(3)} µs (${row.ratio.toFixed(3)}×), ` +
        `sdk / ws-view ${row.ownRatio.toFixed(3)}×, ws-view ${row.viewRatio.toFixed(3)}×, ws-copy ${row.copyRatio.toFixed(3)}×, ws-slice ${row.sliceRatio.toFixed(3)}×`,
    );
  }
  const fig = (pick, digits = 3) => {
    const s = summarize(perRun.map(pick));
    return { median: round(s.median, digits), min: round(s.min, digits), max: round(s.max, digits), runs: s.runs };
  };
  report({
    frameBytes,
    framesPerFlood: count,
    floodsPerProcess: floods,
    ratio: fig((r) => r.ratio),
    viewRatio: fig((r) => r.viewRatio),
    copyRatio: fig((r) => r.copyRatio),
    ownRatio: fig((r) => r.ownRatio),
    sliceRatio: fig((r) => r.sliceRatio),
    sdkCpuUsPerFrame: fig((r) => r.sdk.cpuUsPerFrame),
    wsCpuUsPerFrame: fig((r) => r.ws.cpuUsPerFrame),
    sdkFramesPerSecond: fig((r) => r.sdk.framesPerSecond, 0),
    wsFramesPerSecond: fig((r) => r.ws.framesPerSecond, 0),
    runs: perRun.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "number" ? round(v, 3) : { cpuUsPerFrame: round(v.cpuUsPerFrame, 3), framesPerSecond: round(v.framesPerSecond, 0) }]))),
  });
} finally {
  server.stdin.end();
  await exited;
}
