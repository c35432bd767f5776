#!/usr/bin/env node
// Streams one speech clip (16 kHz mono s16le PCM) through an avatar session
// and prints what comes back. Against the local simulator by default; against
// the real service when the AVATAR_* variables are set (see README.md).
//
//   node index.mjs [clip.pcm] [--opus] [--speed N | --realtime]
//
// The clip streams as a live source would: 100 ms chunks paced at 4× real
// time by default (`--speed 1` or `--realtime`: real time; `--speed 0`: as
// fast as the socket takes them), so frames come back while it still streams.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { AvatarSDKError, decodeAnimationFrame, newAvatarSession } from "@avatarkit/node";
import { connectTarget, sessionOptionsFor } from "@avatarkit/examples-shared";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    opus: { type: "boolean", default: false },
    realtime: { type: "boolean", default: false },
    speed: { type: "string", default: "4" },
    "chunk-ms": { type: "string", default: "100" },
  },
});
const clipPath = positionals[0] ?? new URL("../assets/speech-16k.pcm", import.meta.url);
const sampleRate = 16000;
const chunkBytes = Math.round((sampleRate * 2 * Number(values["chunk-ms"])) / 1000);
const speed = values.realtime ? 1 : Number(values.speed);
/** Milliseconds between chunks. */
const pace = speed > 0 ? Number(values["chunk-ms"]) / speed : 0;

const target = await connectTarget();
console.log(`Target: ${target.simulated ? "local simulator" : "avatar service"} (${target.ingressEndpointUrl})`);

let frames = 0;
let frameBytes = 0;
let startedAt = 0;
let chunksSent = 0;
let chunksTotal = 0;
/** Mouth opening (jawPose[0], radians) of every frame, decoded from its FLAME keyframe. */
const jaw = [];
let resolveLast;
const lastFrame = new Promise((resolve) => (resolveLast = resolve));

const session = newAvatarSession({
  ...sessionOptionsFor(target),
  sampleRate,
  ...(values.opus ? { audioFormat: "ogg_opus", bitrate: 32000, oggOpusEncoder: { frameDurationMs: 20 } } : {}),
  onFrame: ({ bytes, isLast }) => {
    if (frames === 0) {
      const streaming = chunksSent < chunksTotal ? `while the clip was still streaming (${chunksSent} of ${chunksTotal} chunks sent)` : "after the whole clip was sent";
      console.log(`First frame: ${(performance.now() - startedAt).toFixed(0)} ms after the first chunk, ${streaming}`);
    }
    frames++;
    frameBytes += bytes.length;
    jaw.push(decodeAnimationFrame(bytes).keyframes[0]?.jawPose[0] ?? 0);
    if (isLast) resolveLast();
  },
  onError: (error) => console.error(`onError: [${error.code}] ${error.message}`),
  onClose: () => console.log("Session closed"),
});

let exitCode = 0;
try {
  const clip = await readFile(clipPath);
  console.log(`Clip: ${(clip.length / 2 / sampleRate).toFixed(2)} s of ${sampleRate} Hz PCM${values.opus ? ", encoded to Ogg Opus by the SDK" : ""}`);
  await session.init();
  const connectionId = await session.start();
  console.log(`Connected: connection id ${connectionId}`);

  let reqId;
  chunksTotal = Math.ceil(clip.length / chunkBytes);
  startedAt = performance.now();
  for (let offset = 0; offset < clip.length; offset += chunkBytes) {
    const chunk = clip.subarray(offset, offset + chunkBytes);
    reqId = await session.sendAudio(chunk, offset + chunkBytes >= clip.length);
    chunksSent++;
    if (pace > 0) await new Promise((r) => setTimeout(r, pace));
  }
  console.log(`Sent audio: request id ${reqId}`);

  const timeout = setTimeout(() => resolveLast(new Error("no last frame within 30 s")), 30_000);
  const failure = await lastFrame;
  clearTimeout(timeout);
  if (failure) throw failure;
  console.log(`Frames received: ${frames} (${frameBytes} bytes), the last one marked isLast`);
  // A few frames, 1 s apart: the mouth opens with speech and closes in pauses.
  const samples = [0, 25, 50, 75, 100, 125].filter((i) => i < jaw.length);
  console.log(`Jaw opening (rad) at ${samples.map((i) => `${(i / 25).toFixed(0)} s: ${jaw[i].toFixed(3)}`).join(", ")}; widest ${Math.max(...jaw).toFixed(3)}`);
} catch (error) {
  exitCode = 1;
  if (error instanceof AvatarSDKError) console.error(`Failed: [${error.code}] ${error.message}`);
  else console.error("Failed:", error);
} finally {
  await session.close();
  await target.close();
}
process.exitCode = exitCode;
