import { describe, expect, it } from "vitest";
import { OggPageFlag, encodeOggPage, oggLacingCount, oggPageSize, writeOggPage } from "./page";

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, "").match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/*
 * Expected pages were written by opusenc (the first) or by a separate
 * bit-by-bit reference writer (the others), not by this module.
 */

describe("writeOggPage", () => {
  describe("header", () => {
    it("reproduces page 0 of opusenc --serial 1234 (BOS, granule 0, OpusHead for 16 kHz)", () => {
      const opusHead = hex("4f707573486561640101380180 3e0000 000000");
      const page = encodeOggPage({ flags: OggPageFlag.bos, granulePosition: 0, serial: 1234, sequence: 0, packets: [opusHead] });
      expect(toHex(page)).toBe(
        "4f676753" + "00" + "02" + "0000000000000000" + "d2040000" + "00000000" + "725b018a" + "01" + "13" +
          "4f707573486561640101380180" + "3e0000" + "000000",
      );
    });

    it("writes EOS|continued flags and granule -1 as all ones", () => {
      const page = encodeOggPage({
        flags: OggPageFlag.eos | OggPageFlag.continued,
        granulePosition: -1,
        serial: 1,
        sequence: 2,
        packets: [hex("0102")],
      });
      expect(toHex(page)).toBe("4f676753" + "00" + "05" + "ffffffffffffffff" + "01000000" + "02000000" + "6d5e7f1b" + "01" + "02" + "0102");
    });

    it("writes a granule above 2^32 and the largest serial and sequence", () => {
      const page = encodeOggPage({
        flags: 0,
        granulePosition: 2 ** 40 + 5,
        serial: 0xffffffff,
        sequence: 0xffffffff,
        packets: [hex("fcfffe")],
      });
      expect(toHex(page)).toBe("4f676753" + "00" + "00" + "0500000000010000" + "ffffffff" + "ffffffff" + "536d099a" + "01" + "03" + "fcfffe");
    });

    it("writes a page without packets", () => {
      const page = encodeOggPage({ flags: OggPageFlag.eos, granulePosition: 312, serial: 42, sequence: 3, packets: [] });
      expect(toHex(page)).toBe("4f676753" + "00" + "04" + "3801000000000000" + "2a000000" + "03000000" + "660b6818" + "00");
    });
  });

  describe("lacing", () => {
    const p255 = new Uint8Array(255).fill(0xaa);
    const p510 = new Uint8Array(510).fill(0xbb);
    const packets = [new Uint8Array(0), p255, p510, hex("010203")];

    it("ends a packet whose length is a multiple of 255 (or 0) with a 0 lacing value", () => {
      const page = encodeOggPage({ flags: 0, granulePosition: 0x1122334455, serial: 0xdeadbeef, sequence: 7, packets });
      expect(page.length).toBe(27 + 7 + 768);
      expect(toHex(page.subarray(0, 34))).toBe(
        "4f676753" + "00" + "00" + "5544332211000000" + "efbeadde" + "07000000" + "ee7c2d4b" + "07" +
          "00" + "ff00" + "ffff00" + "03",
      );
      expect(page.subarray(34, 34 + 255).every((b) => b === 0xaa)).toBe(true);
      expect(page.subarray(289, 289 + 510).every((b) => b === 0xbb)).toBe(true);
      expect(toHex(page.subarray(799))).toBe("010203");
    });

    it("counts lacing values", () => {
      expect([0, 1, 254, 255, 256, 509, 510].map(oggLacingCount)).toEqual([1, 1, 1, 2, 2, 2, 3]);
    });

    it("sizes a page as header + segment table + data", () => {
      expect(oggPageSize(packets)).toBe(27 + 7 + 768);
      expect(oggPageSize([])).toBe(27);
    });

    it("accepts exactly 255 lacing values and refuses 256", () => {
      expect(oggPageSize([new Uint8Array(255 * 254)])).toBe(27 + 255 + 255 * 254);
      expect(() => oggPageSize([new Uint8Array(255 * 255)])).toThrow(RangeError);
      expect(() => oggPageSize(Array.from({ length: 256 }, () => new Uint8Array(1)))).toThrow(/255 lacing values/);
    });
  });

  describe("output buffer", () => {
    it("writes at an offset and touches nothing else", () => {
      const target = new Uint8Array(40).fill(0x77);
      const end = writeOggPage({ flags: 0, granulePosition: 2 ** 40 + 5, serial: 0xffffffff, sequence: 0xffffffff, packets: [hex("fcfffe")] }, target, 5);
      expect(end).toBe(5 + 31);
      expect(toHex(target.subarray(5, end))).toBe("4f6767530000" + "0500000000010000" + "ffffffffffffffff" + "536d099a" + "0103fcfffe");
      expect(target.subarray(0, 5).every((b) => b === 0x77)).toBe(true);
      expect(target.subarray(end).every((b) => b === 0x77)).toBe(true);
    });

    it("writes into a view that does not start at its buffer's beginning", () => {
      const backing = new Uint8Array(64);
      const target = backing.subarray(3, 3 + 31);
      writeOggPage({ flags: 0, granulePosition: 2 ** 40 + 5, serial: 0xffffffff, sequence: 0xffffffff, packets: [hex("fcfffe")] }, target, 0);
      expect(toHex(backing.subarray(3, 34))).toContain("536d099a");
    });

    it("refuses a page that does not fit", () => {
      expect(() => writeOggPage({ flags: 0, granulePosition: 0, serial: 1, sequence: 0, packets: [hex("00")] }, new Uint8Array(28), 0)).toThrow(RangeError);
    });

    it.each([
      ["serial", { serial: -1 }],
      ["serial", { serial: 2 ** 32 }],
      ["sequence", { sequence: 1.5 }],
      ["granule", { granulePosition: 2 ** 53 }],
    ])("refuses an out-of-range %s", (_name, patch) => {
      expect(() => encodeOggPage({ flags: 0, granulePosition: 0, serial: 1, sequence: 0, packets: [], ...patch })).toThrow(RangeError);
    });
  });
});
