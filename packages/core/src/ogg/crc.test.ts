import { describe, expect, it } from "vitest";
import { oggCrc32 } from "./crc";

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, "").match(/../g) ?? [], (b) => parseInt(b, 16));
const ascii = (s: string) => new TextEncoder().encode(s);

/**
 * Page 0 of `opusenc --serial 1234 --raw --raw-rate 16000 --raw-chan 1`
 * (opus-tools 0.2, libopus 1.3.1), byte for byte. Its CRC field (offset 22)
 * holds 72 5b 01 8a, i.e. 0x8a015b72 little-endian.
 */
const OPUSENC_PAGE_0 = hex(`
  4f676753 00 02 0000000000000000 d2040000 00000000 725b018a 01 13
  4f707573486561640101380180 3e0000 000000
`);

describe("oggCrc32", () => {
  describe("check values (CRC-32/POSIX without its final xor, computed bit by bit elsewhere)", () => {
    it.each([
      ["empty input", new Uint8Array(0), 0x00000000],
      ['"123456789"', ascii("123456789"), 0x89a1897f],
      ['"a"', ascii("a"), 0xa864db20],
      ["a zero byte", hex("00"), 0x00000000],
      ["0xff", hex("ff"), 0xb1f740b4],
      ['"OggS"', ascii("OggS"), 0x5fb0a94f],
    ])("%s", (_name, bytes, expected) => {
      expect(oggCrc32(bytes)).toBe(expected);
    });
  });

  it("returns an unsigned 32-bit value", () => {
    const crc = oggCrc32(ascii("123456789"));
    expect(crc).toBeGreaterThan(0x7fffffff);
    expect(Number.isInteger(crc)).toBe(true);
  });

  it("matches the CRC stored in a page written by opusenc", () => {
    const page = OPUSENC_PAGE_0.slice();
    const stored = new DataView(page.buffer).getUint32(22, true);
    expect(stored).toBe(0x8a015b72);
    page.fill(0, 22, 26);
    expect(oggCrc32(page)).toBe(stored);
  });

  it("continues a checksum across pieces", () => {
    const data = ascii("123456789");
    expect(oggCrc32(data.subarray(4), oggCrc32(data.subarray(0, 4)))).toBe(0x89a1897f);
  });

  it("reads only the view it is given", () => {
    const buffer = ascii("xx123456789yy");
    expect(oggCrc32(buffer.subarray(2, 11))).toBe(0x89a1897f);
  });
});
