import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OPUS_APPLICATIONS } from "../config/defaults";
import type { OpusEncoder, OpusEncoderFactory, OpusEncoderOptions } from "./opus-encoder";
import {
  OGG_OPUS_SAMPLE_RATES,
  OPUS_FRAME_DURATIONS,
  OggOpusStream,
  isOggOpusSampleRate,
  isOpusApplication,
  isOpusFrameDuration,
  opusLookahead,
  type OggOpusStreamInit,
} from "./ogg-opus-stream";

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/**
 * A stand-in for libopus: each packet is a pure function of its frame, with
 * a length from 1 to 600 bytes so that lacing crosses 255. It records the
 * frames it saw (copied, as they may be views of the caller's memory).
 */
function fakeEncoder(): OpusEncoder & { frames: Int16Array[]; destroyed: boolean } {
  const encoder = {
    frames: [] as Int16Array[],
    destroyed: false,
    encode(pcm: Int16Array): Uint8Array {
      encoder.frames.push(pcm.slice());
      let hash = pcm.length;
      for (const s of pcm) hash = (Math.imul(hash, 31) + s) | 0;
      const packet = new Uint8Array(1 + ((hash >>> 0) % 600));
      for (let i = 0; i < packet.length; i++) packet[i] = (hash >>> (i % 24)) & 0xff;
      return packet;
    },
    destroy() {
      encoder.destroyed = true;
    },
  };
  return encoder;
}

interface ParsedPage {
  flags: number;
  granule: number;
  serial: number;
  sequence: number;
  packets: Uint8Array[];
}

/** A minimal Ogg reader for the assertions below (complete packets only). */
function parsePages(bytes: Uint8Array): ParsedPage[] {
  const pages: ParsedPage[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
    expect(view.getUint32(0)).toBe(0x4f676753);
    const segments = view.getUint8(26);
    const packets: Uint8Array[] = [];
    let data = offset + 27 + segments;
    let length = 0;
    for (let i = 0; i < segments; i++) {
      const lace = view.getUint8(27 + i);
      length += lace;
      if (lace < 255) {
        packets.push(bytes.subarray(data, data + length));
        data += length;
        length = 0;
      }
    }
    expect(length).toBe(0);
    pages.push({
      flags: view.getUint8(5),
      granule: view.getUint32(6, true) + view.getUint32(10, true) * 2 ** 32,
      serial: view.getUint32(14, true),
      sequence: view.getUint32(18, true),
      packets,
    });
    offset = data;
  }
  return pages;
}

/** Deterministic pseudo-random speech-like PCM as s16le bytes. */
function pcmBytes(samples: number, seed = 1): Uint8Array {
  const pcm = new Int16Array(samples);
  let x = seed;
  for (let i = 0; i < samples; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    pcm[i] = Math.round(8000 * Math.sin(i / 7)) + (x >> 20);
  }
  return new Uint8Array(pcm.buffer);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The index of the first byte where `a` and `b` differ, -1 when they are equal. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function newStream(patch: Partial<OggOpusStreamInit> = {}) {
  const encoder = fakeEncoder();
  const stream = new OggOpusStream({ encoder, sampleRate: 16000, frameDurationMs: 20, serial: 7, keepStream: false, ...patch });
  return { encoder, stream };
}

describe("validation helpers", () => {
  it("lists the rates, durations and applications of PROTOCOL.md §6", () => {
    expect(OGG_OPUS_SAMPLE_RATES).toEqual([8000, 12000, 16000, 24000, 48000]);
    expect(OPUS_FRAME_DURATIONS).toEqual([10, 20, 40, 60]);
    expect(OPUS_APPLICATIONS).toEqual(["audio", "voip", "restricted_lowdelay"]);
  });

  it("tells allowed values from others", () => {
    expect(isOggOpusSampleRate(16000)).toBe(true);
    expect(isOggOpusSampleRate(44100)).toBe(false);
    expect(isOggOpusSampleRate("16000")).toBe(false);
    expect(isOpusFrameDuration(60)).toBe(true);
    expect(isOpusFrameDuration(120)).toBe(false);
    expect(isOpusApplication("voip")).toBe(true);
    expect(isOpusApplication("speech")).toBe(false);
  });
});

describe("opusLookahead", () => {
  it("is 6.5 ms, or 2.5 ms for restricted_lowdelay (libopus' OPUS_GET_LOOKAHEAD)", () => {
    expect(opusLookahead(48000, "audio")).toBe(312);
    expect(opusLookahead(48000, "voip")).toBe(312);
    expect(opusLookahead(48000, "restricted_lowdelay")).toBe(120);
    expect(opusLookahead(16000, "audio")).toBe(104);
    expect(opusLookahead(8000, "restricted_lowdelay")).toBe(20);
  });
});

describe("OggOpusStream", () => {
  describe("construction", () => {
    it.each([
      ["a PCM-only rate", { sampleRate: 44100 }, /sample rate/],
      ["an unknown frame duration", { frameDurationMs: 25 }, /frame duration/],
      ["a bad serial", { serial: -1 }, /serial/],
      ["a lookahead longer than the pre-skip", { lookahead: 105 }, /lookahead/],
    ])("refuses %s", (_name, patch, message) => {
      expect(() => newStream(patch)).toThrow(message);
    });
  });

  describe("#push", () => {
    it("returns the two header pages with the first call, even without a full frame", () => {
      const { stream } = newStream({ serial: 0x12345678 });
      const pages = parsePages(stream.push(new Uint8Array(2)));
      expect(pages.map((p) => [p.flags, p.granule, p.sequence, p.serial])).toEqual([
        [2, 0, 0, 0x12345678],
        [0, 0, 1, 0x12345678],
      ]);
      expect(toHex(pages[0]!.packets[0]!)).toBe("4f7075734865616401013801803e0000000000");
      expect(new TextDecoder().decode(pages[1]!.packets[0]!.subarray(12, 24))).toBe("avatarkit-js");
      expect(stream.push(new Uint8Array(2)).length).toBe(0);
    });

    it("writes the input rate into OpusHead", () => {
      const { stream } = newStream({ sampleRate: 48000 });
      const head = parsePages(stream.push(new Uint8Array(0)))[0]!.packets[0]!;
      expect(new DataView(head.buffer, head.byteOffset).getUint32(12, true)).toBe(48000);
    });

    it("refuses a chunk with half a sample, and keeps going after it", () => {
      const { stream } = newStream();
      expect(() => stream.push(new Uint8Array(3))).toThrow(RangeError);
      expect(() => stream.push(new Uint8Array(3))).toThrow(/whole 16-bit samples/);
      expect(parsePages(stream.push(new Uint8Array(2))).length).toBe(2);
    });

    it("keeps a partial frame for the next call", () => {
      const { stream, encoder } = newStream();
      const pcm = pcmBytes(320);
      stream.push(pcm.subarray(0, 300));
      expect(encoder.frames.length).toBe(0);
      stream.push(pcm.subarray(300));
      expect(encoder.frames.length).toBe(1);
      expect(new Uint8Array(encoder.frames[0]!.buffer)).toEqual(pcm);
    });

    it("reads chunks that start at an odd byte offset", () => {
      const pcm = pcmBytes(1000);
      const odd = new Uint8Array(pcm.length + 1);
      odd.set(pcm, 1);
      const a = newStream();
      const b = newStream();
      expect(a.stream.push(odd.subarray(1))).toEqual(b.stream.push(pcm));
      expect(a.encoder.frames).toEqual(b.encoder.frames);
    });

    it.each([
      [10, 10],
      [20, 5],
      [40, 3],
      [60, 2],
    ])("closes an audio page every %i ms × %i packets", (frameDurationMs, perPage) => {
      const { stream } = newStream({ frameDurationMs });
      const frame = (16000 * frameDurationMs) / 1000;
      const pages = parsePages(stream.push(pcmBytes(frame * (2 * perPage + 1)))).slice(2);
      expect(pages.map((p) => p.packets.length)).toEqual([perPage, perPage]);
      expect(pages.map((p) => p.granule)).toEqual([perPage * frame * 3, 2 * perPage * frame * 3]);
      expect(pages.map((p) => p.sequence)).toEqual([2, 3]);
    });
  });

  describe("#end", () => {
    it("pads the last frame with zeros and trims the padding with the EOS granule", () => {
      const { stream, encoder } = newStream();
      const bytes = concat([stream.push(pcmBytes(1000)), stream.end()]);
      const pages = parsePages(bytes);
      const last = pages[pages.length - 1]!;
      expect(last.flags).toBe(4);
      expect(last.granule).toBe(312 + 1000 * 3);
      expect(pages.slice(2).flatMap((p) => p.packets).length).toBe(4);
      const padded = encoder.frames[3]!;
      expect(padded.subarray(40).every((s) => s === 0)).toBe(true);
      expect(pages.filter((p) => p.flags & 4).length).toBe(1);
    });

    it("adds a silent frame when the input ends on a frame boundary, so the decoder can output the lookahead", () => {
      const { stream, encoder } = newStream();
      const pages = parsePages(concat([stream.push(pcmBytes(960)), stream.end()])).slice(2);
      expect(encoder.frames.length).toBe(4);
      expect(encoder.frames[3]!.every((s) => s === 0)).toBe(true);
      expect(pages.map((p) => [p.flags, p.granule, p.packets.length])).toEqual([[4, 312 + 960 * 3, 4]]);
    });

    it("adds a silent frame when the padding is shorter than the lookahead (104 samples at 16 kHz)", () => {
      const { stream, encoder } = newStream();
      stream.push(pcmBytes(320 - 100));
      stream.end();
      expect(encoder.frames.length).toBe(2);
    });

    it("keeps the end frames on the EOS page", () => {
      const { stream } = newStream();
      const pages = parsePages(concat([stream.push(pcmBytes(320 * 4 + 300)), stream.end()])).slice(2);
      expect(pages.map((p) => [p.flags, p.packets.length, p.granule])).toEqual([[4, 6, 312 + (320 * 4 + 300) * 3]]);
    });

    it("ends an empty request with a valid stream: headers, then an EOS page holding one silent packet and granule = pre-skip", () => {
      const { stream, encoder } = newStream();
      const pages = parsePages(stream.end());
      expect(pages.map((p) => [p.flags, p.granule, p.sequence, p.packets.length])).toEqual([
        [2, 0, 0, 1],
        [0, 0, 1, 1],
        [4, 312, 2, 1],
      ]);
      expect(encoder.frames.length).toBe(1);
      expect(encoder.frames[0]!.every((s) => s === 0)).toBe(true);
    });

    it("destroys the encoder, and refuses calls after the end", () => {
      const { stream, encoder } = newStream();
      stream.push(pcmBytes(100));
      expect(encoder.destroyed).toBe(false);
      stream.end();
      expect(encoder.destroyed).toBe(true);
      expect(() => stream.end()).toThrow(/after end/);
      expect(() => stream.push(new Uint8Array(2))).toThrow(/after end/);
    });
  });

  describe("#destroy", () => {
    it("abandons the stream and destroys the encoder", () => {
      const { stream, encoder } = newStream();
      stream.push(pcmBytes(1000));
      stream.destroy();
      expect(encoder.destroyed).toBe(true);
      expect(() => stream.push(new Uint8Array(2))).toThrow(/destroy/);
      expect(() => stream.end()).toThrow(/destroy/);
      stream.destroy();
    });
  });

  describe("#stream", () => {
    it("is the concatenation of every returned chunk when keepStream is set", () => {
      const { stream } = newStream({ keepStream: true });
      const pcm = pcmBytes(5000);
      const parts = [stream.push(pcm.subarray(0, 3000)), stream.push(pcm.subarray(3000))];
      expect(stream.stream).toEqual(concat(parts));
      parts.push(stream.end());
      expect(stream.stream).toEqual(concat(parts));
      expect(stream.stream).toBe(stream.stream);
    });

    it("is undefined without keepStream", () => {
      const { stream } = newStream();
      stream.push(pcmBytes(5000));
      stream.end();
      expect(stream.stream).toBeUndefined();
    });
  });

  describe("OggOpusStream.open", () => {
    it("creates a mono encoder with the stream's settings and opens the stream over it", async () => {
      const encoder = fakeEncoder();
      const asked: OpusEncoderOptions[] = [];
      const factory: OpusEncoderFactory = async (options) => {
        asked.push(options);
        return encoder;
      };
      const stream = await OggOpusStream.open(factory, {
        sampleRate: 24000,
        frameDurationMs: 40,
        application: "voip",
        bitrate: 24000,
        serial: 9,
        keepStream: true,
      });
      expect(asked).toEqual([{ sampleRate: 24000, channels: 1, application: "voip", bitrate: 24000 }]);
      stream.push(pcmBytes(960));
      expect(encoder.frames.map((f) => f.length)).toEqual([960]);
      expect(parsePages(stream.end()).at(-1)!.serial).toBe(9);
      expect(stream.stream).toBeDefined();
    });

    it("destroys the encoder when the stream cannot be opened", async () => {
      const encoder = fakeEncoder();
      const options = { sampleRate: 16000, frameDurationMs: 25, application: "audio", bitrate: 0, serial: 1, keepStream: false } as const;
      await expect(OggOpusStream.open(async () => encoder, options)).rejects.toThrow(/frame duration/);
      expect(encoder.destroyed).toBe(true);
    });

    it("starts a restricted_lowdelay stream with zeros for the 4 ms its lookahead is shorter than the pre-skip", async () => {
      const encoder = fakeEncoder();
      const options = { sampleRate: 16000, frameDurationMs: 20, application: "restricted_lowdelay", bitrate: 0, serial: 1, keepStream: false } as const;
      const stream = await OggOpusStream.open(async () => encoder, options);
      const pcm = pcmBytes(640);
      stream.push(pcm);
      expect(encoder.frames.length).toBe(2); // 64 zeros + 640 samples: 2 frames and 64 samples left
      const [first, second] = encoder.frames as [Int16Array, Int16Array];
      expect(first.subarray(0, 64).every((s) => s === 0)).toBe(true);
      expect(new Uint8Array(first.buffer, 128)).toEqual(pcm.subarray(0, (320 - 64) * 2));
      expect(new Uint8Array(second.buffer)).toEqual(pcm.subarray((320 - 64) * 2, (640 - 64) * 2));
      const last = parsePages(stream.end()).at(-1)!;
      expect(last.granule).toBe(312 + 640 * 3);
    });

    it("refuses a PCM-only rate before creating an encoder", async () => {
      let created = 0;
      const factory: OpusEncoderFactory = async () => {
        created++;
        return fakeEncoder();
      };
      const options = { sampleRate: 22050, frameDurationMs: 20, application: "audio", bitrate: 0, serial: 1, keepStream: false } as const;
      await expect(OggOpusStream.open(factory, options)).rejects.toThrow(RangeError);
      expect(created).toBe(0);
    });
  });

  describe("chunking invariance", () => {
    it("produces the same bytes however the PCM is split", () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...OGG_OPUS_SAMPLE_RATES),
          fc.constantFrom(...OPUS_FRAME_DURATIONS),
          fc.integer({ min: 0, max: 12000 }),
          fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 20 }),
          fc.integer({ min: 1, max: 2 ** 31 }),
          (sampleRate, frameDurationMs, samples, cuts, seed) => {
            const pcm = pcmBytes(samples, seed);
            const whole = newStream({ sampleRate, frameDurationMs, keepStream: true });
            const expected = concat([whole.stream.push(pcm), whole.stream.end()]);

            const chunked = newStream({ sampleRate, frameDurationMs });
            const parts: Uint8Array[] = [];
            const bounds = [...new Set(cuts.map((c) => Math.min(c, samples) * 2))].sort((a, b) => a - b);
            let start = 0;
            for (const end of [...bounds, pcm.length]) {
              parts.push(chunked.stream.push(pcm.subarray(start, end)));
              start = end;
            }
            parts.push(chunked.stream.end());
            expect(firstDifference(concat(parts), expected)).toBe(-1);
            expect(firstDifference(whole.stream.stream!, expected)).toBe(-1);
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});
