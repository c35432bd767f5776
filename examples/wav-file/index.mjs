#!/usr/bin/env node
// Streams a WAV file of any sample rate and channel count through an avatar
// session and prints what comes back. The SDK mixes the channels down to
// mono, converts to 16 bits and resamples to the session's rate; this
// program only parses the file (wav.mjs) and sends it in ~100 ms chunks.
// Against the local simulator by default; against the real service when the
// AVATAR_* variables are set (see README.md).
//
//   node index.mjs [file.wav] [--rate 16000] [--chunk-ms 100] [--realtime]
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { AvatarSDKError, newAvatarSession } from "@avatarkit/node";
import { connectTarget, sessionOptionsFor } from "@avatarkit/examples-shared";
import { encodeWav16, parseWav } from "./wav.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rate: { type: "string", default: "16000" },
    realtime: { type: "boolean", default: false },
    "chunk-ms": { type: "string", default: "100" },
  },
});
const sessionRate = Number(values.rate);
const chunkMs = Number(values["chunk-ms"]);

/** The WAV to send: the file given, or the bundled 16 kHz clip wrapped in a WAV header. */
async function loadWav() {
  if (positionals[0]) return { name: positionals[0], wav: parseWav(await readFile(positionals[0])) };
  const pcm = await readFile(new URL("../assets/speech-16k.pcm", import.meta.url));
  const samples = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length >> 1);
  return { name: "the bundled clip (pass a .wav file to send your own)", wav: parseWav(encodeWav16(samples, 16000)) };
}

let frames = 0;
let resolveLast;
const lastFrame = new Promise((resolve) => (resolveLast = resolve));
let target;
let session;
let exitCode = 0;
try {
  const { name, wav } = await loadWav();
  if (wav.frames === 0) throw new Error(`${name} holds no audio`);
  const seconds = wav.frames / wav.sampleRate;
  console.log(
    `WAV: ${name}: ${seconds.toFixed(2)} s, ${wav.sampleRate} Hz, ${wav.channels} channel${wav.channels > 1 ? "s" : ""}, ` +
      `${wav.bitsPerSample}-bit ${wav.encoding}; the session takes ${sessionRate} Hz mono`,
  );

  target = await connectTarget();
  console.log(`Target: ${target.simulated ? "local simulator" : "avatar service"} (${target.ingressEndpointUrl})`);
  session = newAvatarSession({
    ...sessionOptionsFor(target),
    sampleRate: sessionRate,
    transportFrames: (frame, isLast) => {
      frames++;
      if (isLast) resolveLast();
    },
    onError: (error) => console.error(`onError: [${error.code}] ${error.message}`),
    onClose: () => console.log("Session closed"),
  });
  await session.init();
  console.log(`Connected: connection id ${await session.start()}`);

  // Whole frames per chunk: the SDK keeps the resampler's state from one chunk to the next.
  const chunkFrames = Math.max(1, Math.round((wav.sampleRate * chunkMs) / 1000));
  let reqId;
  for (let frame = 0; frame < wav.frames; frame += chunkFrames) {
    const end = frame + chunkFrames >= wav.frames;
    const samples = wav.samples.subarray(frame * wav.channels, Math.min(wav.frames, frame + chunkFrames) * wav.channels);
    reqId = await session.sendAudio({ samples, sampleRate: wav.sampleRate, channels: wav.channels }, end);
    if (values.realtime) await new Promise((r) => setTimeout(r, chunkMs));
  }
  console.log(`Sent audio: request id ${reqId}`);

  const timeout = setTimeout(() => resolveLast(new Error("no last frame within 30 s")), 30_000);
  const failure = await lastFrame;
  clearTimeout(timeout);
  if (failure) throw failure;
  console.log(`Frames received: ${frames}, the last one marked isLast`);
} catch (error) {
  exitCode = 1;
  if (error instanceof AvatarSDKError) console.error(`Failed: [${error.code}] ${error.message}`);
  else console.error("Failed:", error instanceof Error ? error.message : error);
} finally {
  await session?.close();
  await target?.close();
}
process.exitCode = exitCode;
