// One fresh Node process of the encoder benchmark (bench/encoder.mjs): a
// session against the benchmark's simulator streams the same 60 s of PCM as
// `1 + warm` Ogg Opus requests through the built-in encoder with one libopus
// backend. The first request is the cold one: the codec loads inside it (the
// native binding's dlopen, or reading, compiling and instantiating the
// WebAssembly) and runs before any tier-up; the later ones are warm.
//
//   node --import tsx bench/lib/encoder-child.mjs <native|wasm|simd> '<simulator endpoints JSON>' <warm requests>
//
// Prints one JSON line: per request, the encoder's wall time (opening the
// stream, codec load included, plus every push() and end()), the wall time
// of the sendAudio() loop, the process' CPU time over that loop, and the
// bytes of the stream.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const bootMs = performance.now(); // Node's start and tsx, before the SDK's modules load
const [{ DEMO_CREDENTIALS }, { AvatarSession }, { createWasmOpusEncoderFactory }, { nodePlatform }, { nodeOpusEncoderFactory }, { loadNativeOpusEncoderFactory }, { speech }] =
  await Promise.all([
    import("@avatarkit/simulator"),
    import("@avatarkit/core/platform"),
    import("@avatarkit/core/audio"),
    import("../../packages/node/src/platform.ts"),
    import("../../packages/node/src/opus-encoder.ts"),
    import("../../packages/node/src/opus-native.ts"), // loads nothing until called
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

/** The backend's OpusEncoderFactory, loaded (and timed) on the first stream of the process. */
async function loadFactory() {
  switch (backend) {
    case "native":
      return loadNativeOpusEncoderFactory();
    case "wasm":
      return nodeOpusEncoderFactory; // what the SDK runs today: read and compiled on its first encoder
    case "simd": {
      const path = createRequire(new URL("../../packages/node/package.json", import.meta.url)).resolve("@evan/opus/wasm/simd.wasm");
      return createWasmOpusEncoderFactory(() => readFile(path));
    }
    default:
      throw new Error(`unknown backend ${backend}`);
  }
}

let factory;
/** Per request: ms spent in libopus (creating encoders and encoding), and in creating them alone. */
let current = { encodeMs: 0, openMs: 0, bytes: 0 };
/** The backend's encoder factory, timed: what the session's Ogg Opus streams run on. */
const timedFactory = async (options) => {
  const start = performance.now();
  factory ??= await loadFactory();
  const encoder = await factory(options);
  const openMs = performance.now() - start;
  current.openMs = openMs;
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

// The backend is chosen here (not with oggOpusEncoder.backend) so that its libopus calls can be timed.
const platform = { ...nodePlatform, loadOpusEncoder: async () => timedFactory };

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
    oggOpusEncoder: { frameDurationMs: FRAME_MS, application: "audio" },
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
  requests.push({ ...current, requestMs, cpuMs: (user + system) / 1000, sinceProcessStartMs: performance.now() });
  await done; // the simulator's frames for this request, outside the timed window
}
await session.close();
if (errors.length > 0) throw new Error(`session errors: ${errors.map((e) => e.code ?? e.message).join(", ")}`);
process.stdout.write(`${JSON.stringify({ backend, rate: RATE, seconds: SECONDS, bitrate: BITRATE, frameMs: FRAME_MS, chunkBytes: CHUNK_BYTES, bootMs, importsMs, sessionMs, frames, requests })}\n`);
