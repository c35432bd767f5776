import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { transform } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpusApplication, OpusEncoderFactory } from "@avatarkit/core/platform";
import { OGG_OPUS_SAMPLE_RATES, OPUS_FRAME_DURATIONS, opusLookahead, OggOpusStream } from "@avatarkit/core/audio";
import { nodeOpusEncoderFactory } from "./opus-encoder";
import { loadNativeOpusEncoderFactory, nativeOpusAvailable, NativeOpusUnavailableError } from "./opus-native";
// End to end: PCM through the native libopus and the Ogg muxer, checked by opus-tools (see opus-test-support.ts).
import { bestCorrelation, clip, decode, defaults, encode, fullClip, MATRIX_SECONDS, roundTrip, samples, WASM } from "./opus-test-support";

const APPLICATIONS: readonly OpusApplication[] = ["audio", "voip", "restricted_lowdelay"];
const require = createRequire(import.meta.url);

/**
 * Where `@evan/opus` 1.0.3 has a binary that must load: glibc 2.34+ Linux on
 * x64 and arm64, macOS, Windows x64. Elsewhere the native tests are skipped
 * and only the failure path runs.
 */
function nativeExpected(): boolean {
  const key = `${process.arch}-${process.platform}`;
  if (key === "x64-darwin" || key === "arm64-darwin" || key === "x64-win32") return true;
  if (key !== "x64-linux" && key !== "arm64-linux") return false;
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  const [major = 0, minor = 0] = (header?.glibcVersionRuntime ?? "0.0").split(".").map(Number);
  return major > 2 || (major === 2 && minor >= 34);
}

const available = nativeOpusAvailable();
let native: OpusEncoderFactory;

beforeAll(async () => {
  if (available) native = await loadNativeOpusEncoderFactory();
});

it("loads wherever @evan/opus has a binary for this machine", async () => {
  expect(available).toBe(nativeExpected());
  if (!available) await expect(loadNativeOpusEncoderFactory()).rejects.toBeInstanceOf(NativeOpusUnavailableError);
});

describe.runIf(available)("native libopus with OggOpusStream, checked by opus-tools", () => {
  describe.concurrent("every rate × frame duration × application (3 s of speech, 32 kb/s)", () => {
    const matrix = OGG_OPUS_SAMPLE_RATES.flatMap((rate) => OPUS_FRAME_DURATIONS.flatMap((ms) => APPLICATIONS.map((app) => [rate, ms, app] as const)));
    it.each(matrix)("%i Hz, %i ms, %s: valid stream, sample-exact length, aligned, correlation > 0.9", async (sampleRate, frameDurationMs, application) => {
      const { info, correlation, lag } = await roundTrip(clip(sampleRate), { sampleRate, frameDurationMs, application }, native);
      expect(info).toContain(`Original sample rate: ${sampleRate} Hz`);
      expect(info).toContain(`Packet duration:   ${frameDurationMs}.0ms (max)`);
      expect(info).toContain("Pre-skip: 312");
      // voip's high-pass filter takes more of the speech at 8 kHz: 0.899-0.901 there, from the WASM build too.
      expect(correlation).toBeGreaterThan(application === "voip" && sampleRate === 8000 ? 0.88 : 0.9);
      // Within 1/16 ms (3 samples at 48 kHz, where the WASM build lags as much).
      expect(Math.abs(lag)).toBeLessThanOrEqual(Math.max(1, sampleRate / 16000));
    });
  });

  describe.concurrent("decodes to nearly the same audio as the WASM libopus", () => {
    // Measured: 0.987-1.000 at 20 and 60 ms (the two are different libopus versions, so not bit-identical).
    const cases = OGG_OPUS_SAMPLE_RATES.flatMap((rate) => APPLICATIONS.map((app) => [rate, app] as const));
    it.each(cases)("%i Hz, %s: correlation of the two decodings > 0.97, no lag", async (sampleRate, application) => {
      const options = { sampleRate, application };
      const [fromNative, fromWasm] = await Promise.all([
        decode(await encode(clip(sampleRate), options, native), sampleRate),
        decode(await encode(clip(sampleRate), options, nodeOpusEncoderFactory), sampleRate),
      ]);
      expect(fromNative.pcm.length).toBe(fromWasm.pcm.length);
      const { correlation, lag } = bestCorrelation(fromNative.pcm, fromWasm.pcm, Math.round(sampleRate * 0.002));
      expect(lag).toBe(0);
      expect(correlation).toBeGreaterThan(0.97);
    });
  });

  it("encodes the whole 12.3 s clip at the default bitrate", async () => {
    const { info, correlation } = await roundTrip(fullClip, { sampleRate: 16000, bitrate: 0 }, native);
    expect(info).toContain("Encoded with avatarkit-js");
    expect(info).toMatch(/Playback length: 0m:12\.3\d\ds/);
    expect(correlation).toBeGreaterThan(0.9);
  });

  it("applies the bitrate", async () => {
    const low = await encode(clip(16000), { sampleRate: 16000, bitrate: 12000 }, native);
    const high = await encode(clip(16000), { sampleRate: 16000, bitrate: 64000 }, native);
    const kbps = (bytes: Uint8Array) => (bytes.length * 8) / MATRIX_SECONDS / 1000;
    expect(kbps(low)).toBeLessThan(16);
    expect(kbps(high)).toBeGreaterThan(48);
  });

  it("produces the same bytes whatever the chunking", async () => {
    const pcm = clip(24000);
    const stream = await OggOpusStream.open(native, { ...defaults, sampleRate: 24000, serial: 77 });
    const atOnce = Buffer.concat([stream.push(pcm), stream.end()]);
    expect(Buffer.from(await encode(pcm, { sampleRate: 24000, serial: 77 }, native)).equals(atOnce)).toBe(true);
  });

  it("keeps interleaved streams apart, although every encoder writes its packets to one shared buffer", async () => {
    const a = clip(16000);
    const b = clip(48000);
    const [sa, sb] = await Promise.all([
      OggOpusStream.open(native, { ...defaults, sampleRate: 16000, serial: 5 }),
      OggOpusStream.open(native, { ...defaults, sampleRate: 48000, serial: 6 }),
    ]);
    const pa: Uint8Array[] = [];
    const pb: Uint8Array[] = [];
    const step = 960; // 30 ms at 16 kHz, 10 ms at 48 kHz: the two streams finish frames at different calls
    for (let i = 0; i * step < Math.max(a.length, b.length); i++) {
      if (i * step < a.length) pa.push(sa.push(a.subarray(i * step, (i + 1) * step)));
      if (i * step < b.length) pb.push(sb.push(b.subarray(i * step, (i + 1) * step)));
    }
    pa.push(sa.end());
    pb.push(sb.end());
    expect(Buffer.concat(pa).equals(await encode(a, { sampleRate: 16000, serial: 5 }, native))).toBe(true);
    expect(Buffer.concat(pb).equals(await encode(b, { sampleRate: 48000, serial: 6 }, native))).toBe(true);
  });

  it("ends an empty request with a valid stream that decodes to nothing", async () => {
    const stream = await OggOpusStream.open(native, { ...defaults, sampleRate: 16000 });
    const { info, pcm } = await decode(stream.end(), 16000);
    expect(info).toContain("Playback length: 0m:00.000s");
    expect(pcm.length).toBe(0);
  });

  it("starts a valid new stream after one was abandoned (interrupt)", async () => {
    const pcm = clip(16000);
    const abandoned = await OggOpusStream.open(native, { ...defaults, sampleRate: 16000, serial: 100 });
    abandoned.push(pcm.subarray(0, 20_000));
    abandoned.destroy();
    const next = await OggOpusStream.open(native, { ...defaults, sampleRate: 16000, serial: 101 });
    const bytes = Buffer.concat([next.push(pcm), next.end()]);
    expect(bytes.equals(await encode(pcm, { sampleRate: 16000, serial: 101 }, native))).toBe(true);
    const { info, pcm: decoded } = await decode(bytes, 16000);
    expect(info).toContain("serial: 00000065");
    expect(decoded.length).toBe(pcm.length / 2);
  });

  it("rejects settings libopus refuses, with its reason", async () => {
    const options = { sampleRate: 16000, channels: 1, application: "audio", bitrate: 0 } as const;
    await expect(native({ ...options, sampleRate: 44100 })).rejects.toThrow(/opus_encoder_init failed: .*44100/);
    await expect(native({ ...options, channels: 2 as 1 })).rejects.toThrow(/mono/);
    await expect(native({ ...options, application: "music" as OpusApplication })).rejects.toThrow(/Unknown Opus application/);
    await expect(native({ ...options, bitrate: -1 })).rejects.toThrow(/bitrate/);
    const encoder = await native(options);
    expect(() => encoder.encode(new Int16Array(100))).toThrow(/opus_encode failed/);
    expect(() => encoder.encode(new Int16Array(0))).toThrow(RangeError);
    encoder.destroy();
    expect(() => encoder.encode(new Int16Array(320))).toThrow(/destroyed/);
  });

  it("encodes from any aligned view: offset Int16Array views and their bytes give the same packets", async () => {
    const options = { sampleRate: 16000, channels: 1, application: "audio", bitrate: 32000 } as const;
    const frame = samples(clip(16000).subarray(32000, 32640));
    const within = new Int16Array(1000);
    within.set(frame, 37);
    const [a, b] = await Promise.all([native(options), native(options)]);
    for (let i = 0; i < 5; i++) expect(b.encode(within.subarray(37, 357))).toEqual(a.encode(frame).slice());
    a.destroy();
    b.destroy();
  });
});

/**
 * The settings: every `OPUS_GET_*` answer of a native encoder equals the
 * WASM build's (after the same init and bitrate), and the factory's encoder
 * writes the same packets as a bare binding encoder on which the test sets
 * each of those values explicitly.
 */
describe.runIf(available)("the same encoder settings as the WASM path", () => {
  // libopus' encoder requests: [name, get, set] (set absent for read-only values).
  const REQUESTS = [
    ["application", 4001, 4000],
    ["bitrate", 4003, 4002], // with bitrate 0, the default in use; its setting stays OPUS_AUTO (set below)
    ["max_bandwidth", 4005, 4004],
    ["vbr", 4007, 4006],
    ["bandwidth", 4009, undefined], // the current bandwidth; its setting stays OPUS_AUTO (set below)
    ["complexity", 4011, 4010],
    ["inband_fec", 4013, 4012],
    ["packet_loss_perc", 4015, 4014],
    ["dtx", 4017, 4016],
    ["vbr_constraint", 4021, 4020],
    ["force_channels", 4023, 4022],
    ["signal", 4025, 4024],
    ["lookahead", 4027, undefined],
    ["sample_rate", 4029, undefined],
    ["lsb_depth", 4037, 4036],
    ["expert_frame_duration", 4041, 4040],
    ["prediction_disabled", 4043, 4042],
    ["phase_inversion_disabled", 4047, 4046],
  ] as const;
  const OPUS_SET_BANDWIDTH = 4008;
  const OPUS_SET_BITRATE = 4002;
  const OPUS_AUTO = -1000;
  const APPLICATION_CODE: Record<OpusApplication, number> = { voip: 2048, audio: 2049, restricted_lowdelay: 2051 };

  interface Wasm {
    memory: WebAssembly.Memory;
    malloc(size: number): number;
    opus_encoder_get_size(channels: number): number;
    opus_encoder_init(state: number, rate: number, channels: number, application: number): number;
    opus_encoder_ctl_set(state: number, request: number, value: number): number;
    opus_encoder_ctl_get(state: number, request: number): number;
  }
  interface Bare {
    ctl(request: number, value?: number): number;
    encode(pcm: ArrayBufferView): number;
  }
  let wasm: Wasm;
  let binding: { Encoder: new (options: object) => Bare; buffers: { encoder(): Uint8Array } };

  beforeAll(async () => {
    const { instance } = await WebAssembly.instantiate(await readFile(WASM), {
      env: { emscripten_notify_memory_growth: () => {} },
      wasi_snapshot_preview1: { fd_write: () => 52, fd_seek: () => 52, fd_close: () => 52, proc_exit: () => {} },
    });
    wasm = instance.exports as unknown as Wasm;
    binding = require(require.resolve(`@evan/opus/node/${process.arch}-${process.platform}.node`));
  });

  /** Every get request's answer of a WASM encoder after the WASM path's init and bitrate. */
  function wasmSettings(sampleRate: number, application: OpusApplication, bitrate: number): Map<string, number> {
    const state = wasm.malloc(wasm.opus_encoder_get_size(1));
    expect(wasm.opus_encoder_init(state, sampleRate, 1, APPLICATION_CODE[application])).toBe(0);
    if (bitrate > 0) expect(wasm.opus_encoder_ctl_set(state, 4002, bitrate)).toBe(0);
    return new Map(REQUESTS.map(([name, get]) => [name, wasm.opus_encoder_ctl_get(state, get)]));
  }

  const cases = OGG_OPUS_SAMPLE_RATES.flatMap((rate) => APPLICATIONS.flatMap((app) => [0, 32000].map((bitrate) => [rate, app, bitrate] as const)));

  it.each(cases)("%i Hz, %s, bitrate %i", async (sampleRate, application, bitrate) => {
    const expected = wasmSettings(sampleRate, application, bitrate);
    expect(expected.get("lookahead")).toBe(opusLookahead(sampleRate, application));

    // The binding's defaults, after the factory's calls, answer like the WASM build.
    const bare = new binding.Encoder({ channels: 1, sample_rate: sampleRate, application });
    if (bitrate > 0) bare.ctl(4002, bitrate);
    expect(new Map(REQUESTS.map(([name, get]) => [name, bare.ctl(get)]))).toEqual(expected);

    // Every setting pinned explicitly: the factory's encoder writes the same packets.
    const pinned = new binding.Encoder({ channels: 1, sample_rate: sampleRate, application });
    for (const [name, , set] of REQUESTS) if (set !== undefined) pinned.ctl(set, expected.get(name)!);
    // Requests whose answer is the value in use, not the setting: the setting stays OPUS_AUTO.
    pinned.ctl(OPUS_SET_BANDWIDTH, OPUS_AUTO);
    if (bitrate === 0) pinned.ctl(OPUS_SET_BITRATE, OPUS_AUTO);
    const encoder = await native({ sampleRate, channels: 1, application, bitrate });
    const packets = binding.buffers.encoder();
    const pcm = samples(clip(sampleRate));
    const frame = sampleRate / 50;
    for (let at = 0; at + frame <= pcm.length; at += frame) {
      const ours = encoder.encode(pcm.subarray(at, at + frame)).slice();
      const length = pinned.encode(pcm.subarray(at, at + frame));
      expect(ours).toEqual(packets.slice(0, length));
    }
    encoder.destroy();
  });
});

describe("the loader's failure path", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "avatarkit-native-"));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function failure(promise: Promise<unknown>): Promise<NativeOpusUnavailableError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NativeOpusUnavailableError);
    return error as NativeOpusUnavailableError;
  }

  it("names a platform @evan/opus has no binary for", async () => {
    const error = await failure(loadNativeOpusEncoderFactory({ platform: "freebsd", arch: "x64" }));
    expect(error.reason).toBe("unsupported-platform");
    expect(error.message).toMatch(/^Native libopus unavailable: @evan\/opus has no prebuilt binary for freebsd x64/);
    expect((await failure(loadNativeOpusEncoderFactory({ platform: "linux", arch: "riscv64" }))).reason).toBe("unsupported-platform");
  });

  it("says which file is missing, as in a bundled server that shipped without it", async () => {
    const missing = join(dir, "x64-linux.node");
    const error = await failure(loadNativeOpusEncoderFactory({ bindingPath: missing }));
    expect(error.reason).toBe("missing-binary");
    expect(error.message).toContain(missing);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("passes on the operating system's reason for a file it cannot load", async () => {
    const garbage = join(dir, "garbage.node");
    await writeFile(garbage, "not a shared object");
    const error = await failure(loadNativeOpusEncoderFactory({ bindingPath: garbage }));
    expect(error.reason).toBe("load-failed");
    expect(error.message).toContain(`cannot load ${garbage}: `);
    expect((error.cause as Error).message.length).toBeGreaterThan(0);
  });

  it("refuses a module that is not the binding", async () => {
    const other = join(dir, "other.cjs");
    await writeFile(other, "module.exports = { Encoder: class {} };");
    const error = await failure(loadNativeOpusEncoderFactory({ bindingPath: other }));
    expect(error.reason).toBe("not-a-binding");
  });

  it("refuses to load in a worker thread, where encoders would share one packet buffer with other threads", async () => {
    const source = fileURLToPath(new URL("./opus-native.ts", import.meta.url));
    const { code } = await transform(await readFile(source, "utf8"), { loader: "ts", format: "esm", target: "node18" });
    const module = join(dir, "opus-native.mjs");
    await writeFile(module, code);
    const worker = new Worker(
      `import(${JSON.stringify(pathToFileURL(module).href)}).then(async (m) => {
        const { parentPort } = await import("node:worker_threads");
        const error = await m.loadNativeOpusEncoderFactory().then(() => undefined, (e) => e);
        parentPort.postMessage({ available: m.nativeOpusAvailable(), reason: error?.reason, message: error?.message });
      });`,
      { eval: true },
    );
    const answer = await new Promise<{ available: boolean; reason?: string; message?: string }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    expect(answer).toMatchObject({ available: false, reason: "worker-thread" });
    expect(answer.message).toMatch(/worker thread/);
  });

  it("keeps the first outcome for the process: the default load is not retried", async () => {
    expect(nativeOpusAvailable()).toBe(available);
    const [a, b] = await Promise.allSettled([loadNativeOpusEncoderFactory(), loadNativeOpusEncoderFactory()]);
    expect(a.status).toBe(available ? "fulfilled" : "rejected");
    if (a.status === "fulfilled" && b.status === "fulfilled") expect(a.value).toBe(b.value);
  });
});
