import { describe, expect, it } from "vitest";
import { OGG_OPUS_VENDOR, OPUS_PRE_SKIP, OggOpusMuxer, opusHeadPacket, opusTagsPacket } from "./muxer";

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, "").match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/*
 * Expected bytes come from opusenc (OpusHead at 16 kHz is the same as ours)
 * and from a separate reference writer; each page is split as
 * capture | version | flags | granule | serial | sequence | crc | segments | lacing | data.
 */
const PAGE_0 = "4f676753 00 02 0000000000000000 78563412 00000000 76138369 01 13 4f7075734865616401013801803e0000000000";
const PAGE_1 =
  "4f676753 00 00 0000000000000000 78563412 01000000 3cbcb520 01 1c 4f707573546167730c0000006176617461726b69742d6a7300000000";

describe("opusHeadPacket", () => {
  it("matches the OpusHead opusenc writes for 16 kHz input", () => {
    expect(toHex(opusHeadPacket(16000))).toBe("4f707573486561640101380180 3e0000 000000".replace(/ /g, ""));
  });

  it.each([
    [8000, "401f0000"],
    [48000, "80bb0000"],
  ])("stores the input rate %i", (rate, rateHex) => {
    expect(toHex(opusHeadPacket(rate))).toBe(`4f70757348656164 01 01 3801 ${rateHex} 0000 00`.replace(/ /g, ""));
  });

  it("defaults the pre-skip to 312", () => {
    expect(OPUS_PRE_SKIP).toBe(312);
    expect(new DataView(opusHeadPacket(16000).buffer).getUint16(10, true)).toBe(312);
  });
});

describe("opusTagsPacket", () => {
  it("holds the vendor string and no user comments", () => {
    expect(OGG_OPUS_VENDOR).toBe("avatarkit-js");
    expect(toHex(opusTagsPacket())).toBe("4f70757354616773 0c000000 6176617461726b69742d6a73 00000000".replace(/ /g, ""));
  });

  it("encodes a vendor string as UTF-8", () => {
    expect(toHex(opusTagsPacket("é"))).toBe("4f70757354616773 02000000 c3a9 00000000".replace(/ /g, ""));
  });
});

describe("OggOpusMuxer", () => {
  const serial = 0x12345678;

  describe("headers", () => {
    it("writes OpusHead with BOS on page 0 and OpusTags on page 1", () => {
      const muxer = new OggOpusMuxer({ serial, inputSampleRate: 16000 });
      muxer.writeHeaders();
      expect(toHex(muxer.take())).toBe((PAGE_0 + PAGE_1).replace(/ /g, ""));
    });

    it("writes them once, before the first audio page", () => {
      const muxer = new OggOpusMuxer({ serial, inputSampleRate: 16000 });
      muxer.addPacket(hex("01"), 320);
      muxer.writeHeaders();
      muxer.flushPage();
      const bytes = muxer.take();
      expect(toHex(bytes.subarray(0, 47 + 56))).toBe((PAGE_0 + PAGE_1).replace(/ /g, ""));
      expect(bytes.length).toBe(47 + 56 + 27 + 1 + 1);
    });
  });

  describe("audio pages", () => {
    it("counts decoded 48 kHz samples in the granule (pre-skip included), and only the real samples plus pre-skip on the EOS page", () => {
      const muxer = new OggOpusMuxer({ serial, inputSampleRate: 16000 });
      muxer.addPacket(hex("01"), 320);
      muxer.addPacket(hex("0203"), 320);
      muxer.flushPage();
      muxer.addPacket(hex("04"), 320);
      muxer.finish(650); // the last frame: 10 real samples, then zeros covering the 104-sample lookahead
      expect(toHex(muxer.take())).toBe(
        [
          PAGE_0,
          PAGE_1,
          // granule 640 * 3 = 1920 (0x780): the decoder's output so far, pre-skip included
          "4f676753 00 00 8007000000000000 78563412 02000000 76d18a0f 02 0102 010203",
          // granule 312 + 650 * 3 = 2262 (0x8d6), EOS: 650 playable samples out of the 960 encoded
          "4f676753 00 04 d608000000000000 78563412 03000000 b73a1163 01 01 04",
        ]
          .join("")
          .replace(/ /g, ""),
      );
      expect(muxer.finished).toBe(true);
    });

    it("hands out each page once", () => {
      const muxer = new OggOpusMuxer({ serial, inputSampleRate: 16000 });
      muxer.writeHeaders();
      expect(muxer.take().length).toBe(47 + 56);
      expect(muxer.take().length).toBe(0);
      muxer.addPacket(hex("01"), 320);
      expect(muxer.take().length).toBe(0);
      expect(muxer.pendingPackets).toBe(1);
      muxer.flushPage();
      expect(muxer.pendingPackets).toBe(0);
      expect(muxer.take().length).toBe(29);
    });

    it("copies packets, so the caller may reuse its buffer", () => {
      const muxer = new OggOpusMuxer({ serial, inputSampleRate: 16000 });
      const reused = hex("aa");
      muxer.addPacket(reused, 320);
      reused[0] = 0xbb;
      muxer.finish(200);
      expect(toHex(muxer.take().subarray(-1))).toBe("aa");
    });

    it("closes a page early rather than exceed 255 lacing values", () => {
      const muxer = new OggOpusMuxer({ serial, inputSampleRate: 48000 });
      muxer.writeHeaders();
      muxer.take();
      for (let i = 0; i < 3; i++) muxer.addPacket(new Uint8Array(255 * 100), 960); // 101 lacing values each
      muxer.finish(2 * 960 + 100);
      const bytes = muxer.take();
      const page2 = new DataView(bytes.buffer, 0, 27);
      expect(page2.getUint8(26)).toBe(202);
      expect(page2.getUint32(6, true)).toBe(2 * 960);
      const page3 = new DataView(bytes.buffer, 27 + 202 + 2 * 25500, 27);
      expect(page3.getUint8(5)).toBe(4);
      expect(page3.getUint8(26)).toBe(101);
      expect(page3.getUint32(6, true)).toBe(312 + 2 * 960 + 100);
    });

    it("converts granules from 8 kHz input", () => {
      const muxer = new OggOpusMuxer({ serial, inputSampleRate: 8000 });
      muxer.addPacket(hex("01"), 160);
      muxer.flushPage();
      muxer.addPacket(hex("02"), 160);
      muxer.finish(161);
      const bytes = muxer.take();
      const view = new DataView(bytes.buffer);
      expect(view.getUint32(47 + 56 + 6, true)).toBe(160 * 6);
      expect(view.getUint32(47 + 56 + 29 + 6, true)).toBe(312 + 161 * 6);
    });
  });

  describe("end", () => {
    it("refuses an end the packets do not reach: real samples plus pre-skip", () => {
      const muxer = new OggOpusMuxer({ serial, inputSampleRate: 16000 });
      expect(() => muxer.finish(0)).toThrow(RangeError);
      muxer.addPacket(hex("01"), 320);
      expect(() => muxer.finish(217)).toThrow(/pre-skip/); // 312 + 217 * 3 > 960
      muxer.finish(216);
      expect(muxer.finished).toBe(true);
    });

    it("ends a stream without real samples when one packet covers the pre-skip", () => {
      const muxer = new OggOpusMuxer({ serial, inputSampleRate: 16000 });
      muxer.addPacket(hex("01"), 320);
      muxer.finish(0);
      const bytes = muxer.take();
      expect(new DataView(bytes.buffer).getUint32(47 + 56 + 6, true)).toBe(312);
    });

    it("refuses to trim audio that is already on an earlier page", () => {
      const muxer = new OggOpusMuxer({ serial, inputSampleRate: 16000 });
      muxer.addPacket(hex("01"), 320);
      muxer.flushPage();
      muxer.addPacket(hex("02"), 320);
      expect(() => muxer.finish(200)).toThrow(/earlier page/); // 312 + 600 < 960
    });

    it("refuses packets after the end", () => {
      const muxer = new OggOpusMuxer({ serial, inputSampleRate: 16000 });
      muxer.addPacket(hex("01"), 320);
      muxer.finish(0);
      expect(() => muxer.addPacket(hex("01"), 320)).toThrow(/already ended/);
      expect(() => muxer.finish(0)).toThrow(/already ended/);
    });
  });

  describe("options", () => {
    it.each([
      ["a negative serial", { serial: -1, inputSampleRate: 16000 }],
      ["a serial above 32 bits", { serial: 2 ** 32, inputSampleRate: 16000 }],
      ["a rate that does not divide 48000", { serial: 1, inputSampleRate: 44100 }],
      ["a pre-skip above 16 bits", { serial: 1, inputSampleRate: 16000, preSkip: 65536 }],
    ])("refuses %s", (_name, options) => {
      expect(() => new OggOpusMuxer(options)).toThrow(RangeError);
    });

    it("refuses a packet without samples or too large for a page", () => {
      const muxer = new OggOpusMuxer({ serial, inputSampleRate: 16000 });
      expect(() => muxer.addPacket(hex("01"), 0)).toThrow(RangeError);
      expect(() => muxer.addPacket(new Uint8Array(255 * 255), 320)).toThrow(/does not fit/);
    });
  });
});
