#!/usr/bin/env node
// The codec, before and after it was generated from proto/: the hand-written
// codec of commit bb56871 (read from git history, never from the tree) against
// the current one (packages/core/src/codec over packages/core/src/gen), side
// by side in one process, on what a session does per message:
//
// - decoding a ~1 KB animation frame as the session does per frame
//   (decodeServerMessage: type, end, req_id, connection_id, avatar_id; the
//   keyframes are not decoded);
// - encoding a 3 KB audio message (encodeAudioInput), and, for reference, a
//   256 KiB one (the largest chunk the session sends).
//
// Both codecs are bundled with esbuild from their TypeScript sources into a
// temporary directory. Prints a table, then one JSON line.
//
//   node bench/codec.mjs [--rounds 15] [--ms 200] [--ref bb56871]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { machine, describeMachine } from "./lib/machine.mjs";
import { median } from "./lib/stats.mjs";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "15" }, ms: { type: "string", default: "200" }, ref: { type: "string", default: "bb56871" } } });
const rounds = Number(values.rounds);
const roundMs = Number(values.ms);
const root = fileURLToPath(new URL("..", import.meta.url));
const OLD_FILES = ["index", "encode", "decode", "fields", "wire"];

const dir = mkdtempSync(join(tmpdir(), "avatarkit-codec-bench-"));
try {
  // The old codec: its files as they were at the reference commit. It imports only types from outside codec/.
  mkdirSync(join(dir, "old"));
  for (const file of OLD_FILES) {
    const source = execFileSync("git", ["show", `${values.ref}:packages/core/src/codec/${file}.ts`], { cwd: root, encoding: "utf8" });
    writeFileSync(join(dir, "old", `${file}.ts`), source);
  }
  const bundle = (entry, outfile) =>
    build({ entryPoints: [entry], outfile, bundle: true, format: "esm", platform: "neutral", target: "es2022", absWorkingDir: root, nodePaths: [join(root, "node_modules")], logLevel: "error", mainFields: ["module", "main"] });
  await bundle(join(dir, "old", "index.ts"), join(dir, "old.mjs"));
  await bundle(join(root, "packages/core/src/codec/index.ts"), join(dir, "new.mjs"));
  // protobuf-es and the simulator's schema, to build the frame the same way for both.
  writeFileSync(join(dir, "schema.ts"), `export * from ${JSON.stringify(join(root, "packages/simulator/src/gen/message/message_pb.ts"))};\nexport { create, toBinary } from "@bufbuild/protobuf";\nexport { WireType } from "@bufbuild/protobuf/wire";\n`);
  await bundle(join(dir, "schema.ts"), join(dir, "schema.mjs"));

  const old = await import(pathToFileURL(join(dir, "old.mjs")).href);
  const current = await import(pathToFileURL(join(dir, "new.mjs")).href);
  const pb = await import(pathToFileURL(join(dir, "schema.mjs")).href);

  // A frame as the service sends it: ids, one FLAME keyframe, and undeclared renderer bytes.
  const floats = (n, seed) => Array.from({ length: n }, (_, i) => Math.sin(seed + i) * 0.3);
  const flame = { translation: floats(3, 1), rotation: floats(3, 2), neckPose: floats(3, 3), jawPose: floats(3, 4), eyePose: floats(6, 5), eyeLid: floats(2, 6), expression: floats(200, 7) };
  const frameMessage = pb.create(pb.MessageSchema, {
    type: pb.MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION,
    data: { case: "serverResponseAnimation", value: { connectionId: "conn_3f9c2a7d41b0e865", reqId: "20260102150405_V1StGXR8_Z5j", end: false, avatarId: "demo-avatar", animation: { keyframes: [flame] } } },
  });
  const frameValue = frameMessage.data.value;
  // An undeclared field (not in proto/), as the live service's renderer data.
  frameValue.$unknown = [{ no: 15, wireType: pb.WireType.LengthDelimited, data: new Uint8Array([120, ...Array.from({ length: 120 }, (_, i) => (i * 37) & 0xff)]) }];
  const frame = pb.toBinary(pb.MessageSchema, frameMessage);
  const audio = new Uint8Array(3 * 1024).map((_, i) => (i * 31) & 0xff);
  const bigAudio = new Uint8Array(256 * 1024).map((_, i) => (i * 31) & 0xff);
  const reqId = "20260102150405_V1StGXR8_Z5j";

  // Same results from both, or the comparison means nothing.
  const a = old.decodeServerMessage(frame);
  const b = current.decodeServerMessage(frame);
  for (const key of ["kind", "connectionId", "reqId", "end"]) if (a[key] !== b[key]) throw new Error(`decoders disagree on ${key}`);
  if (b.avatarId !== "demo-avatar") throw new Error("the new decoder lost avatar_id");
  if (Buffer.compare(old.encodeAudioInput(reqId, true, audio), current.encodeAudioInput(reqId, true, audio)) !== 0) throw new Error("encoders disagree");

  let sink = 0;
  const cases = {
    decodeFrame: { bytes: frame.length, old: () => (sink ^= old.decodeServerMessage(frame).reqId.length), new: () => (sink ^= current.decodeServerMessage(frame).reqId.length) },
    encodeAudio: { bytes: audio.length, old: (i) => (sink ^= old.encodeAudioInput(reqId, (i & 7) === 0, audio).length), new: (i) => (sink ^= current.encodeAudioInput(reqId, (i & 7) === 0, audio).length) },
    encodeAudio256k: { bytes: bigAudio.length, old: (i) => (sink ^= old.encodeAudioInput(reqId, (i & 7) === 0, bigAudio).length), new: (i) => (sink ^= current.encodeAudioInput(reqId, (i & 7) === 0, bigAudio).length) },
  };

  /** Nanoseconds per call over about `ms` milliseconds. */
  const time = (fn, ms) => {
    let n = 0;
    const start = process.hrtime.bigint();
    const until = start + BigInt(ms) * 1_000_000n;
    let now = start;
    while (now < until) {
      for (let i = 0; i < 256; i++) fn(n + i);
      n += 256;
      now = process.hrtime.bigint();
    }
    return Number(now - start) / n;
  };

  const results = {};
  for (const [name, c] of Object.entries(cases)) {
    time(c.old, 100); // warm-up
    time(c.new, 100);
    const samples = { old: [], new: [] };
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so that neither always runs on a warmer machine.
      const order = round % 2 === 0 ? ["old", "new"] : ["new", "old"];
      for (const which of order) samples[which].push(time(c[which], roundMs));
    }
    const oldNs = median(samples.old);
    const newNs = median(samples.new);
    results[name] = { bytes: c.bytes, oldNs: round(oldNs), newNs: round(newNs), ratio: round(newNs / oldNs, 3), rounds, oldSpreadNs: [round(Math.min(...samples.old)), round(Math.max(...samples.old))], newSpreadNs: [round(Math.min(...samples.new)), round(Math.max(...samples.new))] };
  }
  // The keyframes too (new only: the old codec did not know them).
  const deep = [];
  for (let round = 0; round < Math.min(rounds, 7); round++) deep.push(time(() => (sink ^= current.decodeAnimationFrame(frame).keyframes.length), roundMs));
  results.decodeAnimationFrameNs = round(median(deep));

  const m = machine();
  console.log(`Machine: ${describeMachine(m)}; reference ${values.ref}; median of ${rounds} rounds of ${roundMs} ms each`);
  console.log("");
  console.log("| workload | bytes | hand-written (ns/op) | generated (ns/op) | generated / hand-written |");
  console.log("| --- | --- | --- | --- | --- |");
  const label = { decodeFrame: "decodeServerMessage, animation frame (shallow)", encodeAudio: "encodeAudioInput, 3 KiB of audio", encodeAudio256k: "encodeAudioInput, 256 KiB of audio (the largest chunk)" };
  for (const [name, r] of Object.entries(results)) {
    if (typeof r !== "object") continue;
    console.log(`| ${label[name]} | ${r.bytes} | ${r.oldNs} (${r.oldSpreadNs.join("–")}) | ${r.newNs} (${r.newSpreadNs.join("–")}) | ${r.ratio.toFixed(3)}× |`);
  }
  console.log(`| decodeAnimationFrame, same frame with its keyframes (generated only) | ${frame.length} | — | ${results.decodeAnimationFrameNs} | — |`);
  console.log("");
  if (sink === 0.5) console.log(""); // keeps the results alive
  console.log(JSON.stringify({ machine: m, ref: values.ref, ...results }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function round(value, digits = 1) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
