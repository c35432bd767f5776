import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OggOpusProgress, oggCrc32, parseOggPages, validateOggOpus } from "./ogg";

// An Ogg writer written for this test only: bitwise CRC, explicit fields.

/** Ogg CRC-32, bit by bit (poly 0x04C11DB7, init 0, no reflection, no final XOR). */
function crcBitwise(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let i = 0; i < 8; i++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

interface PageSpec {
  flags?: number;
  granule?: bigint;
  serial?: number;
  sequence: number;
  /** Lacing values; the body is filled with bytes of `fill`. */
  lacing: number[];
  body: Uint8Array;
}

function page(spec: PageSpec): Uint8Array {
  const out = new Uint8Array(27 + spec.lacing.length + spec.body.length);
  const view = new DataView(out.buffer);
  out.set([0x4f, 0x67, 0x67, 0x53]);
  out[5] = spec.flags ?? 0;
  view.setBigInt64(6, spec.granule ?? 0n, true);
  view.setUint32(14, spec.serial ?? 0x1234, true);
  view.setUint32(18, spec.sequence, true);
  out[26] = spec.lacing.length;
  out.set(spec.lacing, 27);
  out.set(spec.body, 27 + spec.lacing.length);
  view.setUint32(22, crcBitwise(out), true);
  return out;
}

/** Lacing for one packet of `size` bytes. */
const lace = (size: number): number[] => [...Array(Math.floor(size / 255)).fill(255), size % 255];

function opusHead({ version = 1, channels = 1, preSkip = 312, rate = 16000, family = 0 } = {}): Uint8Array {
  const head = new Uint8Array(19);
  const view = new DataView(head.buffer);
  head.set(new TextEncoder().encode("OpusHead"));
  head[8] = version;
  head[9] = channels;
  view.setUint16(10, preSkip, true);
  view.setUint32(12, rate, true);
  head[18] = family;
  return head;
}

const opusTags = new TextEncoder().encode("OpusTags\x04\x00\x00\x00test\x00\x00\x00\x00");
/** A 20 ms SILK-only Opus packet's TOC byte followed by filler. */
const audioPacket = (size = 10): Uint8Array => new Uint8Array(size).fill(0x08, 0, 1);

const headPage = (over: Partial<PageSpec> = {}, head = opusHead()) =>
  page({ flags: 0x02, sequence: 0, lacing: lace(head.length), body: head, ...over });
const tagsPage = (over: Partial<PageSpec> = {}) => page({ sequence: 1, lacing: lace(opusTags.length), body: opusTags, ...over });
const audioPage = (over: Partial<PageSpec> = {}) => {
  const p = audioPacket();
  return page({ flags: 0x04, sequence: 2, granule: 312n + 960n, lacing: lace(p.length), body: p, ...over });
};

const join = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const valid = (): Uint8Array => join(headPage(), tagsPage(), audioPage());
const reason = (bytes: Uint8Array, expect?: { inputRate?: number }): string => {
  const result = validateOggOpus(bytes, expect);
  return result.ok ? "ok" : result.reason;
};

describe("oggCrc32", () => {
  it("matches the check value of the unreflected CRC-32 with no final XOR", () => {
    expect(oggCrc32(new TextEncoder().encode("123456789"))).toBe(0x89a1897f);
  });

  it("matches a bit-by-bit implementation", () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) & 0xff);
    expect(oggCrc32(bytes)).toBe(crcBitwise(bytes));
  });

  it("can be continued across calls", () => {
    const bytes = new TextEncoder().encode("123456789");
    expect(oggCrc32(bytes.subarray(4), oggCrc32(bytes.subarray(0, 4)))).toBe(0x89a1897f);
  });
});

describe("parseOggPages", () => {
  // Page 0 of a stream: BOS, granule 0, serial 0x1234, sequence 0, CRC a3c4b7db,
  // one 19-byte OpusHead packet (version 1, mono, pre-skip 312, 16 kHz).
  const HEAD_PAGE =
    "4f676753" + "00" + "02" + "0000000000000000" + "34120000" + "00000000" + "dbb7c4a3" + "01" + "13" +
    "4f70757348656164" + "01" + "01" + "3801" + "803e0000" + "0000" + "00";

  it("reads every field of a page from a hex fixture", () => {
    const [p, ...rest] = parseOggPages(new Uint8Array(Buffer.from(HEAD_PAGE, "hex")));
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ offset: 0, flags: 0x02, granule: 0n, serial: 0x1234, sequence: 0 });
    expect(p?.lacing).toEqual(Uint8Array.of(19));
    expect(Buffer.from(p!.body).toString("hex")).toBe(HEAD_PAGE.slice(-38));
  });

  it("agrees with this test's writer", () => {
    expect(Buffer.from(headPage()).toString("hex")).toBe(HEAD_PAGE);
  });

  it("refuses the fixture with one bit flipped", () => {
    const bytes = Buffer.from(HEAD_PAGE, "hex");
    bytes[40]! ^= 0x10;
    expect(() => parseOggPages(bytes)).toThrow("CRC mismatch on page 0");
  });
});

describe("validateOggOpus", () => {
  it("accepts a minimal stream and times it by granule minus pre-skip", () => {
    expect(validateOggOpus(valid())).toEqual({
      ok: true,
      preSkip: 312,
      inputRate: 16000,
      finalGranule: 1272n,
      samples: 960,
      durationMs: 20,
      pages: 3,
      audioPackets: 1,
    });
  });

  it("accepts a stream produced by opusenc", () => {
    const bytes = new Uint8Array(readFileSync(new URL("./fixtures/tone-16k-500ms.opus", import.meta.url)));
    expect(validateOggOpus(bytes, { inputRate: 16000 })).toMatchObject({ ok: true, preSkip: 312, durationMs: 500, audioPackets: 26 });
  });

  it("accepts a packet spanning two pages", () => {
    const big = audioPacket(300);
    const first = page({ sequence: 2, granule: -1n, lacing: [255], body: big.subarray(0, 255) });
    const second = page({ flags: 0x05, sequence: 3, granule: 1272n, lacing: [45], body: big.subarray(255) });
    expect(reason(join(headPage(), tagsPage(), first, second))).toBe("ok");
  });

  it("accepts a header-only stream as zero duration", () => {
    expect(validateOggOpus(join(headPage(), tagsPage({ flags: 0x04 })))).toMatchObject({ ok: true, samples: 0 });
  });

  it.each<[string, () => Uint8Array, string]>([
    ["no bytes", () => new Uint8Array(0), "no pages"],
    ["a bad CRC", () => { const b = valid(); b[b.length - 1]! ^= 1; return b; }, "CRC mismatch on page 2"],
    ["a wrong capture pattern", () => { const b = valid(); b[0] = 0x6f; return b; }, 'missing capture pattern "OggS" at byte 0'],
    ["a stream structure version other than 0", () => join(headPage(), tagsPage(), fixCrc(audioPage(), (b) => (b[4] = 1))), "unsupported stream structure version 1 on page 2"],
    ["a truncated page", () => valid().subarray(0, valid().length - 3), "page 2 is shorter than its segment table says"],
    ["a truncated header", () => join(valid(), Uint8Array.of(0x4f, 0x67)), "truncated header of page 3"],
    ["a skipped sequence number", () => join(headPage(), tagsPage(), audioPage({ sequence: 5 })), "page 2 has sequence number 5, expected 2"],
    ["sequence numbers not from 0", () => join(headPage({ sequence: 1 }), tagsPage({ sequence: 2 }), audioPage({ sequence: 3 })), "page 0 has sequence number 1, expected 0"],
    ["a second serial", () => join(headPage(), tagsPage(), audioPage({ serial: 9 })), "page 2 has serial 9, expected 4660 (one logical stream per request)"],
    ["no BOS on the first page", () => join(headPage({ flags: 0 }), tagsPage(), audioPage()), "first page lacks the BOS flag"],
    ["BOS on a later page", () => join(headPage(), tagsPage({ flags: 0x02 }), audioPage()), "BOS flag on page 1"],
    ["no EOS on the last page", () => join(headPage(), tagsPage(), audioPage({ flags: 0 })), "last page lacks the EOS flag"],
    ["EOS before the last page", () => join(headPage(), tagsPage({ flags: 0x04 }), audioPage()), "EOS flag on page 1 before the end of the stream"],
    ["a first packet other than OpusHead", () => join(headPage({}, opusTags), tagsPage(), audioPage()), "first packet is not OpusHead"],
    ["OpusHead version 2", () => join(headPage({}, opusHead({ version: 2 })), tagsPage(), audioPage()), "OpusHead version 2, expected 1"],
    ["two channels", () => join(headPage({}, opusHead({ channels: 2 })), tagsPage(), audioPage()), "OpusHead channel count 2, expected 1"],
    ["mapping family 1", () => join(headPage({}, opusHead({ family: 1 })), tagsPage(), audioPage()), "OpusHead channel mapping family 1, expected 0"],
    ["a short OpusHead", () => join(headPage({}, opusHead().subarray(0, 12)), tagsPage(), audioPage()), "OpusHead is 12 bytes, expected at least 19"],
    ["no OpusTags on the second page", () => join(headPage(), audioPage({ sequence: 1, flags: 0 }), audioPage()), "second page does not start with OpusTags"],
    ["audio sharing the OpusTags page", () => join(headPage(), page({ flags: 0x04, sequence: 1, lacing: [...lace(opusTags.length), 10], body: join(opusTags, audioPacket()) })), "audio data on the OpusTags page"],
    ["a decreasing granule position", () => join(headPage(), tagsPage(), audioPage({ flags: 0, granule: 5000n }), audioPage({ sequence: 3, granule: 4000n })), "granule position decreases on page 3 (4000 < 5000)"],
    ["a final granule below pre-skip", () => join(headPage(), tagsPage(), audioPage({ granule: 100n })), "final granule position 100 is less than pre-skip 312"],
    ["a continued flag with nothing to continue", () => join(headPage(), tagsPage(), audioPage({ flags: 0x05 })), "continuation flag of page 2 does not match the lacing of the page before"],
    ["a packet left incomplete", () => join(headPage(), tagsPage(), page({ flags: 0x04, sequence: 2, granule: -1n, lacing: [255], body: new Uint8Array(255) })), "the last packet is incomplete (lacing continues past the last page)"],
    ["a granule on a page that ends no packet", () => join(headPage(), tagsPage(), page({ sequence: 2, granule: 9n, lacing: [255], body: new Uint8Array(255) }), page({ flags: 0x05, sequence: 3, granule: 1272n, lacing: [1], body: new Uint8Array(1) })), "page 2 ends no packet but has granule position 9"],
    ["an empty audio packet", () => join(headPage(), tagsPage(), page({ flags: 0x04, sequence: 2, granule: 1272n, lacing: [0], body: new Uint8Array(0) })), "empty audio packet on page 2"],
  ])("refuses %s", (_name, make, why) => {
    expect(reason(make())).toBe(why);
  });

  it("checks OpusHead's input rate when asked to", () => {
    expect(reason(valid(), { inputRate: 16000 })).toBe("ok");
    expect(reason(valid(), { inputRate: 24000 })).toBe("OpusHead input rate 16000 does not match the session sample rate 24000");
  });
});

/** Edits a page and recomputes its CRC. */
function fixCrc(bytes: Uint8Array, edit: (b: Uint8Array) => void): Uint8Array {
  const b = bytes.slice();
  edit(b);
  new DataView(b.buffer).setUint32(22, 0, true);
  new DataView(b.buffer).setUint32(22, crcBitwise(b), true);
  return b;
}

describe("OggOpusProgress", () => {
  const pageOf = (granule: bigint, sequence: number, flags = 0) => audioPage({ granule, sequence, flags });
  const stream = () => join(headPage(), tagsPage(), pageOf(312n + 960n, 2), pageOf(312n + 1920n, 3), pageOf(312n + 2400n, 4, 0x04));

  it("counts playable samples page by page as bytes arrive, whatever the chunking", () => {
    const bytes = stream();
    const progress = new OggOpusProgress();
    const seen: number[] = [];
    for (let n = 1; n <= bytes.length; n += 7) seen.push(progress.advance(bytes, n));
    seen.push(progress.advance(bytes, bytes.length));
    expect([...new Set(seen)]).toEqual([0, 960, 1920, 2400]);
    expect(validateOggOpus(bytes)).toMatchObject({ ok: true, samples: 2400 });
  });

  it("stops counting at a page it cannot read", () => {
    const bytes = stream();
    bytes[bytes.length - 1]! ^= 0xff; // the last page's CRC no longer matches
    const progress = new OggOpusProgress();
    expect(progress.advance(bytes)).toBe(1920);
    expect(progress.broken).toBe(true);
  });

  it("accepts any OpusHead input rate (informational, RFC 7845)", () => {
    const bytes = join(headPage({}, opusHead({ rate: 44100 })), tagsPage(), audioPage());
    expect(validateOggOpus(bytes)).toMatchObject({ ok: true, inputRate: 44100 });
    expect(new OggOpusProgress().advance(bytes)).toBe(960);
  });
});
