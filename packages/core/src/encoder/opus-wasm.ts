/**
 * An {@link OpusEncoderFactory} over a WebAssembly build of libopus. Core
 * only instantiates the module; each platform says where its bytes come from.
 *
 * @packageDocumentation
 */

import type { OpusApplication, OpusEncoder, OpusEncoderFactory, OpusEncoderOptions } from "./opus-encoder";

/** What the loader passed to {@link createWasmOpusEncoderFactory} may resolve to. */
export type OpusWasmSource = BufferSource | WebAssembly.Module;

/** libopus' `OPUS_APPLICATION_*` values. */
const APPLICATION: Record<OpusApplication, number> = {
  voip: 2048,
  audio: 2049,
  restricted_lowdelay: 2051,
};

const OPUS_SET_BITRATE_REQUEST = 4002;

/** The packet buffer size libopus recommends: enough for any packet. */
const MAX_PACKET_BYTES = 4000;

/** The longest frame libopus encodes, in milliseconds. */
const MAX_FRAME_MS = 120;

/** WASI's "function not supported" errno, for the file calls libopus never needs. */
const ERRNO_NOSYS = 52;

/** The exports the glue relies on (a standalone Emscripten build, as in `@evan/opus`). */
interface OpusWasmExports {
  readonly memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(pointer: number): void;
  opus_strerror(code: number): number;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(state: number, sampleRate: number, channels: number, application: number): number;
  opus_encoder_ctl_set(state: number, request: number, value: number): number;
  opus_encode(state: number, pcm: number, frameSize: number, data: number, maxDataBytes: number): number;
  _initialize?(): void;
}

const REQUIRED_FUNCTIONS = [
  "malloc",
  "free",
  "opus_strerror",
  "opus_encoder_get_size",
  "opus_encoder_init",
  "opus_encoder_ctl_set",
  "opus_encode",
] as const;

/**
 * Creates an {@link OpusEncoderFactory} backed by a WebAssembly libopus.
 *
 * `load` is called once, on the first encoder request, and the instance is
 * shared by every encoder of the factory (a failed load is retried on the
 * next request). The module must be a standalone Emscripten build of libopus
 * exporting `memory`, `malloc`, `free`, `opus_strerror`,
 * `opus_encoder_get_size`, `opus_encoder_init`, `opus_encode` and
 * `opus_encoder_ctl_set(state, request, value)`, such as `wasm/opus.wasm` of
 * the `@evan/opus` package; its only imports are stubbed WASI file calls and
 * `env.emscripten_notify_memory_growth`.
 *
 * Each encoder allocates its state, one input frame and one packet buffer in
 * the module's memory once; `destroy()` frees them.
 *
 * @param load - resolves to the `.wasm` bytes or a compiled module
 *
 * @example
 * ```ts
 * const factory = createWasmOpusEncoderFactory(() => WebAssembly.compileStreaming(fetch(wasmUrl)));
 * ```
 */
export function createWasmOpusEncoderFactory(load: () => Promise<OpusWasmSource>): OpusEncoderFactory {
  let codec: Promise<OpusWasm> | undefined;
  return async (options) => {
    checkOptions(options);
    if (codec === undefined) {
      const attempt = instantiate(load);
      codec = attempt;
      attempt.catch(() => {
        if (codec === attempt) codec = undefined;
      });
    }
    return (await codec).createEncoder(options);
  };
}

function checkOptions(options: OpusEncoderOptions): void {
  if (options.channels !== 1) throw new RangeError(`The Opus encoder takes mono audio; got ${String(options.channels)} channels`);
  if (!Object.hasOwn(APPLICATION, options.application)) {
    throw new RangeError(`Unknown Opus application ${JSON.stringify(options.application)}`);
  }
  if (!Number.isInteger(options.bitrate) || options.bitrate < 0) {
    throw new RangeError(`Opus bitrate must be a whole number of bits per second, or 0 for the default; got ${options.bitrate}`);
  }
}

async function instantiate(load: () => Promise<OpusWasmSource>): Promise<OpusWasm> {
  const source = await load();
  const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source);
  const instance = await WebAssembly.instantiate(module, {
    env: { emscripten_notify_memory_growth: () => {} },
    wasi_snapshot_preview1: {
      fd_write: () => ERRNO_NOSYS,
      fd_seek: () => ERRNO_NOSYS,
      fd_close: () => ERRNO_NOSYS,
      proc_exit: (code: number) => {
        throw new Error(`libopus exited with code ${code}`);
      },
    },
  });
  const exports = instance.exports as Partial<Record<string, unknown>>;
  if (!(exports["memory"] instanceof WebAssembly.Memory)) {
    throw new Error("The WebAssembly module is not a supported libopus build: it exports no memory");
  }
  for (const name of REQUIRED_FUNCTIONS) {
    if (typeof exports[name] !== "function") {
      throw new Error(`The WebAssembly module is not a supported libopus build: it does not export ${name}`);
    }
  }
  const wasm = exports as unknown as OpusWasmExports;
  wasm._initialize?.();
  return new OpusWasm(wasm);
}

/** One instance of the module: its exports and up-to-date views of its memory. */
class OpusWasm {
  readonly #wasm: OpusWasmExports;
  #u8: Uint8Array;
  #i16: Int16Array;

  constructor(wasm: OpusWasmExports) {
    this.#wasm = wasm;
    this.#u8 = new Uint8Array(wasm.memory.buffer);
    this.#i16 = new Int16Array(wasm.memory.buffer);
  }

  /** The memory as bytes; a new view after the memory grew (which detaches the old buffer). */
  get u8(): Uint8Array {
    if (this.#u8.buffer !== this.#wasm.memory.buffer) this.#refresh();
    return this.#u8;
  }

  get i16(): Int16Array {
    if (this.#i16.buffer !== this.#wasm.memory.buffer) this.#refresh();
    return this.#i16;
  }

  #refresh(): void {
    this.#u8 = new Uint8Array(this.#wasm.memory.buffer);
    this.#i16 = new Int16Array(this.#wasm.memory.buffer);
  }

  createEncoder(options: OpusEncoderOptions): OpusEncoder {
    const wasm = this.#wasm;
    const maxSamples = Math.ceil((options.sampleRate * MAX_FRAME_MS) / 1000);
    const state = this.#malloc(wasm.opus_encoder_get_size(1));
    const input = this.#malloc(maxSamples * 2);
    const output = this.#malloc(MAX_PACKET_BYTES);
    const free = () => {
      wasm.free(output);
      wasm.free(input);
      wasm.free(state);
    };
    if (state === 0 || input === 0 || output === 0) {
      free();
      throw new Error("libopus: out of WebAssembly memory");
    }
    try {
      this.#check("opus_encoder_init", wasm.opus_encoder_init(state, options.sampleRate, 1, APPLICATION[options.application]));
      if (options.bitrate > 0) {
        this.#check("OPUS_SET_BITRATE", wasm.opus_encoder_ctl_set(state, OPUS_SET_BITRATE_REQUEST, options.bitrate));
      }
    } catch (error) {
      free();
      throw error;
    }

    let destroyed = false;
    return {
      encode: (pcm) => {
        if (destroyed) throw new Error("This Opus encoder was destroyed");
        if (pcm.length === 0 || pcm.length > maxSamples) {
          throw new RangeError(`An Opus frame holds 1 to ${maxSamples} samples at ${options.sampleRate} Hz; got ${pcm.length}`);
        }
        this.i16.set(pcm, input >>> 1);
        const length = this.#check("opus_encode", wasm.opus_encode(state, input, pcm.length, output, MAX_PACKET_BYTES));
        return this.u8.subarray(output, output + length);
      },
      destroy: () => {
        if (destroyed) return;
        destroyed = true;
        free();
      },
    };
  }

  #malloc(size: number): number {
    return this.#wasm.malloc(size) >>> 0;
  }

  /** Returns a non-negative libopus result, throws for an error code. */
  #check(call: string, result: number): number {
    if (result >= 0) return result;
    throw new Error(`libopus: ${call} failed: ${this.#message(result)} (${result})`);
  }

  #message(code: number): string {
    const bytes = this.u8;
    let end = this.#wasm.opus_strerror(code) >>> 0;
    const start = end;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(start, end));
  }
}
