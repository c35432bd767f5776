/**
 * The native libopus of the Node entry: the prebuilt N-API binary that the
 * `@evan/opus` package ships (`node/<arch>-<platform>.node`: Linux x64 and
 * arm64 with glibc 2.34 or later, macOS x64 and arm64, Windows x64). Nothing
 * is compiled at install time; where the binary cannot load, the loader says
 * why and the caller falls back to the WebAssembly build
 * (`./opus-encoder`).
 *
 * Settings are those of the WebAssembly path (`createWasmOpusEncoderFactory`
 * in core): the application at init, `OPUS_SET_BITRATE` when the bitrate is
 * not 0, and libopus' defaults for everything else (complexity 9, VBR on,
 * constrained VBR, automatic signal, bandwidth and channels, no DTX, no FEC,
 * 24-bit LSB depth); `opus-native.test.ts` checks that every `OPUS_GET_*`
 * answer matches the WebAssembly build's. The binding's `ctl()` can set all
 * of those; of libopus' encoder requests it refuses only the newer DRED ones
 * (`Unimplemented`), which the WebAssembly build (libopus 1.3) lacks too.
 * The binary is a newer libopus (its sources include the packet extensions
 * of 1.5), so the packets of the two builds differ while the decoded audio
 * is nearly the same.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { isMainThread } from "node:worker_threads";
import type { OpusApplication, OpusEncoder, OpusEncoderFactory, OpusEncoderOptions } from "@avatarkit/core/platform";

/** Why the native encoder cannot be used in this process. */
export type NativeOpusUnavailableReason =
  /** No binary for this operating system and CPU (`@evan/opus` ships Linux x64/arm64, macOS x64/arm64, Windows x64). */
  | "unsupported-platform"
  /** Linux with musl libc (Alpine): the Linux binaries are built for glibc. */
  | "musl"
  /** glibc older than 2.34, which the Linux binaries need. */
  | "glibc-too-old"
  /** A worker thread: the binding writes every packet to one buffer shared by all threads of the process. */
  | "worker-thread"
  /** The `.node` file is not there (e.g. a bundled server shipped without `@evan/opus`). */
  | "missing-binary"
  /** The operating system refused to load the file. */
  | "load-failed"
  /** The file loaded but is not the binding this loader knows. */
  | "not-a-binding";

/** Thrown (as the rejection of {@link loadNativeOpusEncoderFactory}) when the native encoder cannot be used. */
export class NativeOpusUnavailableError extends Error {
  override readonly name = "NativeOpusUnavailableError";
  readonly reason: NativeOpusUnavailableReason;

  constructor(reason: NativeOpusUnavailableReason, message: string, options?: { cause?: unknown }) {
    super(`Native libopus unavailable: ${message}`, options);
    this.reason = reason;
  }
}

/** What the loader may be pointed at instead of this process' own platform and binary. */
export interface NativeOpusLoadOptions {
  /**
   * The binding file to load, instead of the one `@evan/opus` ships for this
   * platform: for a bundled server that copies the `.node` file next to its
   * bundle.
   */
  readonly bindingPath?: string;
  /** The operating system to pick the binary for; defaults to `process.platform`. */
  readonly platform?: string;
  /** The CPU architecture to pick the binary for; defaults to `process.arch`. */
  readonly arch?: string;
}

/** `<arch>-<platform>` of every binary in `@evan/opus` 1.0.3. */
const BINARIES: readonly string[] = ["x64-linux", "arm64-linux", "x64-darwin", "arm64-darwin", "x64-win32"];

/** The oldest glibc the Linux binaries load on (they link `pthread_key_create@GLIBC_2.34`). */
const MIN_GLIBC = [2, 34] as const;

/** The module id of the binary for `arch` and `platform`. */
const bindingModule = (arch: string, platform: string) => `@evan/opus/node/${arch}-${platform}.node`;

const OPUS_SET_BITRATE_REQUEST = 4002;

/** The longest frame libopus encodes, in milliseconds. */
const MAX_FRAME_MS = 120;

/** The packet buffer size libopus recommends (and the WebAssembly path uses): enough for any packet. */
const MIN_PACKET_BUFFER_BYTES = 4000;

const APPLICATIONS: readonly OpusApplication[] = ["audio", "voip", "restricted_lowdelay"];

/** One encoder of the binding (a napi-rs class over `OpusEncoder *`). */
interface NativeEncoder {
  /** `opus_encoder_ctl(request)` for a get request, `opus_encoder_ctl(request, value)` for a set request; throws on an error code. */
  ctl(request: number, value?: number): number;
  /** Encodes the samples in the view's bytes (`byteLength / 2` of them) into the shared packet buffer; returns the packet's length. */
  encode(pcm: ArrayBufferView): number;
}

/** The exports of `@evan/opus/node/<arch>-<platform>.node`. */
interface NativeOpusBinding {
  readonly Encoder: new (options: { channels: number; sample_rate: number; application: OpusApplication }) => NativeEncoder;
  readonly buffers: { encoder(): Uint8Array };
}

/** The outcome of loading the binary this process would use, once per process. */
let defaultLoad: { readonly factory: OpusEncoderFactory } | { readonly error: NativeOpusUnavailableError } | undefined;

/**
 * Loads the native libopus and resolves to an {@link OpusEncoderFactory}
 * over it, with the same settings as the WebAssembly one. Rejects with a
 * {@link NativeOpusUnavailableError} saying why it cannot be used (its
 * `reason` and message; the operating system's error as `cause`).
 *
 * Loading takes a few milliseconds (finding the file, about 1 ms of
 * `dlopen`), once per process: later calls answer from the first outcome. With `options`, it
 * loads what they say and caches nothing.
 *
 * Each encoder returns its packet in the binding's own packet buffer, which
 * the next `encode()` of any encoder overwrites (the interface allows it: the
 * Ogg muxer copies every packet). `destroy()` drops the encoder; its native
 * memory (about 18 kB at 16 kHz) is freed when the garbage collector
 * collects it, as the binding has no explicit free.
 *
 * Not in worker threads: the binding has one packet buffer for the whole
 * process, so encoders on two threads at once would overwrite each other's
 * packets. Use the WebAssembly encoder there.
 */
export function loadNativeOpusEncoderFactory(options?: NativeOpusLoadOptions): Promise<OpusEncoderFactory> {
  const outcome = options === undefined ? loadDefault() : load(options);
  return "factory" in outcome ? Promise.resolve(outcome.factory) : Promise.reject(outcome.error);
}

/**
 * Tells, synchronously, whether {@link loadNativeOpusEncoderFactory} (without
 * options) resolves. The first call loads the binding (a few milliseconds),
 * so that a later load is free.
 */
export function nativeOpusAvailable(): boolean {
  return "factory" in loadDefault();
}

function loadDefault(): { readonly factory: OpusEncoderFactory } | { readonly error: NativeOpusUnavailableError } {
  defaultLoad ??= load({});
  return defaultLoad;
}

function load(options: NativeOpusLoadOptions): { readonly factory: OpusEncoderFactory } | { readonly error: NativeOpusUnavailableError } {
  try {
    const { binding, packets } = loadBinding(options);
    return { factory: createFactory(binding, packets) };
  } catch (error) {
    if (error instanceof NativeOpusUnavailableError) return { error };
    return { error: new NativeOpusUnavailableError("load-failed", describe(error), { cause: error }) };
  }
}

/** Finds, checks and loads the binary; throws a {@link NativeOpusUnavailableError}. */
function loadBinding(options: NativeOpusLoadOptions): { binding: NativeOpusBinding; packets: Uint8Array } {
  if (!isMainThread) {
    throw new NativeOpusUnavailableError(
      "worker-thread",
      "not in a worker thread: the binding writes every packet to one buffer shared by all threads of the process",
    );
  }
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const require = createRequire(import.meta.url);
  let path = options.bindingPath;
  if (path === undefined) {
    if (!BINARIES.includes(`${arch}-${platform}`)) {
      throw new NativeOpusUnavailableError(
        "unsupported-platform",
        `@evan/opus has no prebuilt binary for ${platform} ${arch} (it has Linux x64 and arm64 with glibc, macOS x64 and arm64, Windows x64)`,
      );
    }
    if (platform === "linux" && platform === process.platform && usesMusl()) {
      throw new NativeOpusUnavailableError("musl", "this Linux uses musl libc (Alpine?); the prebuilt Linux binaries of @evan/opus need glibc 2.34 or later");
    }
    try {
      path = require.resolve(bindingModule(arch, platform));
    } catch (error) {
      throw new NativeOpusUnavailableError(
        "missing-binary",
        `cannot find ${bindingModule(arch, platform)} from ${import.meta.url} (a bundled server needs node_modules/@evan/opus next to its bundle, or bindingPath): ${describe(error)}`,
        { cause: error },
      );
    }
  }

  let exports: unknown;
  try {
    exports = require(path);
  } catch (error) {
    throw loadFailure(path, error);
  }
  const binding = exports as Partial<NativeOpusBinding> | undefined;
  if (typeof binding?.Encoder !== "function" || typeof binding.buffers?.encoder !== "function") {
    throw new NativeOpusUnavailableError("not-a-binding", `${path} is not the @evan/opus binding (no Encoder class or packet buffer)`);
  }
  const packets = binding.buffers.encoder();
  if (!(packets instanceof Uint8Array) || packets.length < MIN_PACKET_BUFFER_BYTES) {
    throw new NativeOpusUnavailableError("not-a-binding", `${path} is not a supported @evan/opus binding (its packet buffer holds less than a packet)`);
  }
  return { binding: binding as NativeOpusBinding, packets };
}

/** Turns a `require()` failure of the binary into the reason it failed. */
function loadFailure(path: string, error: unknown): NativeOpusUnavailableError {
  const message = describe(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === "MODULE_NOT_FOUND" || code === "ENOENT" || /no such file/i.test(message)) {
    return new NativeOpusUnavailableError("missing-binary", `${path} is missing: ${message}`, { cause: error });
  }
  if (/GLIBC_[\d.]+'? not found/.test(message)) {
    const runtime = glibcVersion();
    return new NativeOpusUnavailableError(
      "glibc-too-old",
      `${path} needs glibc ${MIN_GLIBC.join(".")} or later${runtime === undefined ? "" : `; this system has ${runtime}`}: ${message}`,
      { cause: error },
    );
  }
  return new NativeOpusUnavailableError("load-failed", `cannot load ${path}: ${message}`, { cause: error });
}

/** Whether this process runs on musl libc: its memory maps name musl's loader rather than glibc's. */
function usesMusl(): boolean {
  try {
    const maps = readFileSync("/proc/self/maps", "latin1");
    return /\/(?:ld-musl-[^/\s]*\.so|libc\.musl-[^/\s]*\.so)/.test(maps) && !/\/libc\.so\.6\b/.test(maps);
  } catch {
    return false; // no /proc: let the load itself tell
  }
}

/** The glibc this process runs on, e.g. "2.31" (error path only: a report takes a few milliseconds). */
function glibcVersion(): string | undefined {
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: unknown } } | undefined;
    const version = report?.header?.glibcVersionRuntime;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkOptions(options: OpusEncoderOptions): void {
  if (options.channels !== 1) throw new RangeError(`The Opus encoder takes mono audio; got ${String(options.channels)} channels`);
  if (!APPLICATIONS.includes(options.application)) {
    throw new RangeError(`Unknown Opus application ${JSON.stringify(options.application)}`);
  }
  if (!Number.isInteger(options.bitrate) || options.bitrate < 0) {
    throw new RangeError(`Opus bitrate must be a whole number of bits per second, or 0 for the default; got ${options.bitrate}`);
  }
}

/** An {@link OpusEncoderFactory} over a loaded binding; `packets` is its packet buffer, where `encode()` writes. */
function createFactory(binding: NativeOpusBinding, packets: Uint8Array): OpusEncoderFactory {
  return async (options) => {
    checkOptions(options);
    let native: NativeEncoder | undefined;
    try {
      native = new binding.Encoder({ channels: 1, sample_rate: options.sampleRate, application: options.application });
    } catch (error) {
      throw new Error(`libopus: opus_encoder_init failed: ${describe(error)}`, { cause: error });
    }
    if (options.bitrate > 0) {
      try {
        native.ctl(OPUS_SET_BITRATE_REQUEST, options.bitrate);
      } catch (error) {
        throw new Error(`libopus: OPUS_SET_BITRATE failed: ${describe(error)}`, { cause: error });
      }
    }
    const { sampleRate } = options;
    const maxSamples = Math.ceil((sampleRate * MAX_FRAME_MS) / 1000);
    return {
      encode(pcm: Int16Array): Uint8Array {
        if (native === undefined) throw new Error("This Opus encoder was destroyed");
        if (pcm.length === 0 || pcm.length > maxSamples) {
          throw new RangeError(`An Opus frame holds 1 to ${maxSamples} samples at ${sampleRate} Hz; got ${pcm.length}`);
        }
        let length: number;
        try {
          length = native.encode(pcm);
        } catch (error) {
          throw new Error(`libopus: opus_encode failed: ${describe(error)}`, { cause: error });
        }
        return packets.subarray(0, length);
      },
      destroy(): void {
        native = undefined;
      },
    } satisfies OpusEncoder;
  };
}
