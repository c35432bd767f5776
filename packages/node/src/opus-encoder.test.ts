import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { OpusApplication } from "@avatarkit/core";
// From the source until the core entry exports the encoder; then from "@avatarkit/core".
import { createWasmOpusEncoderFactory, OGG_OPUS_SAMPLE_RATES, OPUS_FRAME_DURATIONS, OggOpusStream } from "@avatarkit/core/audio";
import { nodeOpusEncoderFactory } from "./opus-encoder";
// End to end: PCM through the WASM libopus and the Ogg muxer, checked by opus-tools (see opus-test-support.ts).
import { clip, decode, defaults, encode, fullClip, MATRIX_SECONDS, roundTrip, samples, WASM } from "./opus-test-support";

describe("nodeOpusEncoderFactory with OggOpusStream, checked by opus-tools", () => {
  describe.concurrent("every rate × frame duration (3 s of speech, 32 kb/s)", () => {
    const matrix = OGG_OPUS_SAMPLE_RATES.flatMap((rate) => OPUS_FRAME_DURATIONS.map((ms) => [rate, ms] as const));
    it.each(matrix)("%i Hz, %i ms: valid stream, sample-exact length, correlation > 0.9", async (sampleRate, frameDurationMs) => {
      const { info, correlation } = await roundTrip(clip(sampleRate), { sampleRate, frameDurationMs });
      expect(info).toContain(`Original sample rate: ${sampleRate} Hz`);
      expect(info).toContain(`Packet duration:   ${frameDurationMs}.0ms (max)`);
      expect(info).toContain("Pre-skip: 312");
      expect(correlation).toBeGreaterThan(0.9);
    });
  });

  it("encodes the whole 12.3 s clip at the default bitrate", async () => {
    const { info, correlation } = await roundTrip(fullClip, { sampleRate: 16000, bitrate: 0 });
    expect(info).toContain("Encoded with avatarkit-js");
    expect(info).toMatch(/Playback length: 0m:12\.3\d\ds/);
    expect(correlation).toBeGreaterThan(0.9);
  });

  it.each<OpusApplication>(["voip", "restricted_lowdelay"])("keeps %s audio aligned with the input", async (application) => {
    const { correlation, lag } = await roundTrip(clip(16000), { sampleRate: 16000, application });
    expect(correlation).toBeGreaterThan(0.9);
    expect(Math.abs(lag)).toBeLessThanOrEqual(1);
  });

  it("applies the bitrate", async () => {
    const low = await encode(clip(16000), { sampleRate: 16000, bitrate: 12000 });
    const high = await encode(clip(16000), { sampleRate: 16000, bitrate: 64000 });
    const kbps = (bytes: Uint8Array) => (bytes.length * 8) / MATRIX_SECONDS / 1000;
    expect(kbps(low)).toBeLessThan(16);
    expect(kbps(high)).toBeGreaterThan(48);
  });

  it("produces the same bytes whatever the chunking", async () => {
    const pcm = clip(24000);
    const stream = await OggOpusStream.open(nodeOpusEncoderFactory, { ...defaults, sampleRate: 24000, serial: 77 });
    const atOnce = Buffer.concat([stream.push(pcm), stream.end()]);
    expect(Buffer.from(await encode(pcm, { sampleRate: 24000, serial: 77 })).equals(atOnce)).toBe(true);
  });

  it("ends an empty request with a valid stream that decodes to nothing", async () => {
    const stream = await OggOpusStream.open(nodeOpusEncoderFactory, { ...defaults, sampleRate: 16000 });
    const { info, pcm } = await decode(stream.end(), 16000);
    expect(info).toContain("Playback length: 0m:00.000s");
    expect(pcm.length).toBe(0);
  });

  it("starts a valid new stream after one was abandoned (interrupt)", async () => {
    const pcm = clip(16000);
    const abandoned = await OggOpusStream.open(nodeOpusEncoderFactory, { ...defaults, sampleRate: 16000, serial: 100 });
    abandoned.push(pcm.subarray(0, 20_000));
    abandoned.destroy();
    const next = await OggOpusStream.open(nodeOpusEncoderFactory, { ...defaults, sampleRate: 16000, serial: 101 });
    const bytes = Buffer.concat([next.push(pcm), next.end()]);
    expect(bytes.equals(await encode(pcm, { sampleRate: 16000, serial: 101 }))).toBe(true);
    const { info, pcm: decoded } = await decode(bytes, 16000);
    expect(info).toContain("serial: 00000065");
    expect(decoded.length).toBe(pcm.length / 2);
  });

  it("keeps working encoders while new ones grow the WebAssembly memory", async () => {
    const options = { sampleRate: 48000, channels: 1, application: "audio", bitrate: 0 } as const;
    const first = await nodeOpusEncoderFactory(options);
    const frame = samples(clip(48000).subarray(0, 960 * 2));
    const before = first.encode(frame).slice();
    const reference = await nodeOpusEncoderFactory(options);
    const others = [];
    for (let i = 0; i < 400; i++) others.push(await nodeOpusEncoderFactory(options)); // about 24 MB of state
    expect(first.encode(frame).length).toBeGreaterThan(0);
    expect(reference.encode(frame)).toEqual(before);
    for (const encoder of [first, reference, ...others]) encoder.destroy();
    expect(() => first.encode(frame)).toThrow(/destroyed/);
  });

  it("rejects settings libopus refuses, with its reason", async () => {
    const options = { sampleRate: 16000, channels: 1, application: "audio", bitrate: 0 } as const;
    await expect(nodeOpusEncoderFactory({ ...options, sampleRate: 44100 })).rejects.toThrow(/opus_encoder_init failed: invalid argument/);
    await expect(nodeOpusEncoderFactory({ ...options, channels: 2 as 1 })).rejects.toThrow(/mono/);
    const encoder = await nodeOpusEncoderFactory(options);
    expect(() => encoder.encode(new Int16Array(100))).toThrow(/opus_encode failed/);
    encoder.destroy();
  });
});

describe("createWasmOpusEncoderFactory", () => {
  const options = { sampleRate: 16000, channels: 1, application: "audio", bitrate: 0 } as const;
  const frame = new Int16Array(320).map((_, i) => Math.round(8000 * Math.sin(i / 5)));

  it("takes a compiled module, and loads it once for all encoders", async () => {
    let loads = 0;
    const factory = createWasmOpusEncoderFactory(async () => {
      loads++;
      return WebAssembly.compile(await readFile(WASM));
    });
    const [a, b] = await Promise.all([factory(options), factory(options)]);
    expect(loads).toBe(1);
    expect(a.encode(frame)).toEqual(b.encode(frame));
    a.destroy();
    b.destroy();
  });

  it("loads again after a failed load", async () => {
    let loads = 0;
    const factory = createWasmOpusEncoderFactory(async () => {
      if (++loads === 1) throw new Error("offline");
      return readFile(WASM);
    });
    await expect(factory(options)).rejects.toThrow("offline");
    const encoder = await factory(options);
    expect(encoder.encode(frame).length).toBeGreaterThan(0);
    expect(loads).toBe(2);
    encoder.destroy();
  });

  it("refuses a module that is not a libopus build", async () => {
    const empty = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00); // "\0asm", version 1, no sections
    await expect(createWasmOpusEncoderFactory(async () => empty)(options)).rejects.toThrow(/not a supported libopus build/);
  });
});
