// One fresh Node process of the encoder benchmark (bench/encoder.mjs): a
// session against the benchmark's simulator streams the same 60 s of PCM as
// `1 + warm` Ogg Opus requests through the built-in encoder, with the
// session option `oggOpusEncoder: { backend }` choosing libopus ("native":
// the N-API binding, "wasm": the WebAssembly build). The SDK loads the codec
// during start(); the cold figure is that load plus the first request's
// encoding (no JIT tier-up yet); the later requests are warm. "simd" runs
// the SIMD build of the same WebAssembly, for reference (not a session
// option: its factory stands in for the platform's).
//
//   node --import tsx bench/lib/encoder-child.mjs <native|wasm|simd> '<simulator endpoints JSON>' <warm requests>
//
// Prints one JSON line: per request, the encoder's wall time (creating the
// request's libopus encoder plus every encode() call; the codec's load is
// added to the first), the wall time of the sendAudio() loop (Ogg framing,
// protobuf and the socket too), the process' CPU time over that loop, and
// the bytes of the stream.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const bootMs = performance.now(); // Node's start and tsx, before the SDK's modules load
const [{ DEMO_CREDENTIALS }, { AvatarSession }, { createWasmOpusEncoderFactory }, { nodePlatform }, { speech }] = await Promise.all([
  import("@avatarkit/simulator"),
  import("@avatarkit/core/platform"),
  import("@avatarkit/core/audio"),
  import("../../packages/node/src/platform.ts"),
  import("./audio.mjs"),
]);

const RATE = 16000;
const SECONDS = 60;
const BITRATE = 32000;
const FRAME_MS = 20;
const CHUNK_BYTES = (RATE / 10) * 2; // 100 ms, as an application would send

const [backend, simJson, warmText = "3"] = process.argv.slice(2);
const importsMs = performance.now() - bootMs; // the SDK's sources through tsx (a built package loads faster)
const sim = JSON.parse(simJson);
const warm = Number(warmText);
const pcm = speech(SECONDS);

/** Per request: ms spent in libopus (creating the request's encoder, every encode()), and the bytes it produced. */
let current = { encodeMs: 0, openMs: 0, bytes: 0 };
/** The codec's load, as the session asked for it during start(). */
let loadMs = 0;

/** Times every encoder a factory creates and every frame it encodes. */
const timedFactory = (factory) => async (options) => {
  const t0 = performance.now();
  const encoder = await factory(options);
  const openMs = performance.now() - t0;
  current.openMs += openMs;
  current.encodeMs += openMs;
  return {
    encode(pcm) {
      const t = performance.now();
      try {
        const packet = encoder.encode(pcm);
        current.bytes += packet.length;
        return packet;
      } finally {
        current.encodeMs += performance.now() - t;
      }
    },
    destroy: () => encoder.destroy(),
  };
};

/** The SDK's own loader for native and wasm (what `oggOpusEncoder.backend` selects); the SIMD build for simd. */
async function loadOpusEncoder(requested, logger) {
  const t0 = performance.now();
  let factory;
  if (backend === "simd") {
    const path = createRequire(new URL("../../packages/node/package.json", import.meta.url)).resolve("@evan/opus/wasm/simd.wasm");
    factory = createWasmOpusEncoderFactory(() => readFile(path));
    await (await factory({ sampleRate: RATE, channels: 1, application: "audio", bitrate: BITRATE })).destroy(); // compile now, as the SDK does during start()
  } else {
    factory = await nodePlatform.loadOpusEncoder(requested, logger);
  }
  loadMs = performance.now() - t0;
  return timedFactory(factory);
}
const platform = { ...nodePlatform, loadOpusEncoder };

let lastFrame;
let frames = 0;
const errors = [];
const session = new AvatarSession(
  {
    ...DEMO_CREDENTIALS,
    consoleEndpointUrl: sim.consoleEndpointUrl,
    ingressEndpointUrl: sim.ingressEndpointUrl,
    expireAt: new Date(Date.now() + 30 * 60_000),
    audioFormat: "ogg_opus",
    sampleRate: RATE,
    bitrate: BITRATE,
    oggOpusEncoder: { frameDurationMs: FRAME_MS, application: "audio", backend: backend === "simd" ? "wasm" : backend },
    logger: { warn: () => {} },
    transportFrames: (_frame, isLast) => {
      frames++;
      if (isLast) lastFrame?.();
    },
    onError: (error) => errors.push(error),
  },
  platform,
);

const sessionStart = performance.now();
await session.init();
await session.start();
const sessionMs = performance.now() - sessionStart;

const requests = [];
for (let i = 0; i <= warm; i++) {
  current = { encodeMs: 0, openMs: 0, bytes: 0 };
  const done = new Promise((resolve) => (lastFrame = resolve));
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let at = 0; at < pcm.length; at += CHUNK_BYTES) await session.sendAudio(pcm.subarray(at, at + CHUNK_BYTES), at + CHUNK_BYTES >= pcm.length);
  const requestMs = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  // The codec loaded during start(): the cold request carries its load.
  if (i === 0) {
    current.encodeMs += loadMs;
    current.openMs += loadMs;
  }
  requests.push({ ...current, requestMs, cpuMs: (user + system) / 1000, sinceProcessStartMs: performance.now() });
  await done; // the simulator's frames for this request, outside the timed window
}
await session.close();
if (errors.length > 0) throw new Error(`session errors: ${errors.map((e) => e.code ?? e.message).join(", ")}`);
process.stdout.write(`${JSON.stringify({ backend, loadMs, rate: RATE, seconds: SECONDS, bitrate: BITRATE, frameMs: FRAME_MS, chunkBytes: CHUNK_BYTES, bootMs, importsMs, sessionMs, frames, requests })}\n`);
