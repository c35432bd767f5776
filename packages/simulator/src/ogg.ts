/**
 * An Ogg Opus stream validator, written independently of the SDK's muxer
 * (RFC 3533 for Ogg, RFC 7845 for Opus in Ogg) so that a bug shared by the
 * two cannot pass unnoticed.
 *
 * @module
 */

const FLAG_CONTINUED = 0x01;
const FLAG_BOS = 0x02;
const FLAG_EOS = 0x04;
const HEADER_SIZE = 27;
/** Granule position of a page on which no packet ends. */
const NO_GRANULE = -1n;

const CRC_TABLE = /*@__PURE__*/ (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/**
 * The Ogg CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0, no
 * final XOR. Compute it over a page whose CRC field is zeroed.
 */
export function oggCrc32(bytes: Uint8Array, crc = 0): number {
  let c = crc >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    c = ((c << 8) ^ CRC_TABLE[((c >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  }
  return c;
}

/** One parsed Ogg page. */
export interface OggPage {
  /** Byte offset of the page in the stream. */
  offset: number;
  /** Header type flags (continued 0x01, BOS 0x02, EOS 0x04). */
  flags: number;
  /** Granule position (-1 when no packet ends on the page). */
  granule: bigint;
  /** Bitstream serial number. */
  serial: number;
  /** Page sequence number. */
  sequence: number;
  /** The segment (lacing) table. */
  lacing: Uint8Array;
  /** The page body. */
  body: Uint8Array;
}

/** A stream the validator refused, and why (worded for a `ServerError`). */
export class OggError extends Error {
  override readonly name = "OggError";
}

/** Splits a byte stream into CRC-checked Ogg pages; throws {@link OggError}. */
export function parseOggPages(bytes: Uint8Array): OggPage[] {
  const pages: OggPage[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset < bytes.length) {
    const n = pages.length;
    if (bytes.length - offset < HEADER_SIZE) throw new OggError(`truncated header of page ${n}`);
    if (view.getUint32(offset) !== 0x4f676753) throw new OggError(`missing capture pattern "OggS" at byte ${offset}`);
    const version = bytes[offset + 4]!;
    if (version !== 0) throw new OggError(`unsupported stream structure version ${version} on page ${n}`);
    const flags = bytes[offset + 5]!;
    if (flags & ~(FLAG_CONTINUED | FLAG_BOS | FLAG_EOS)) throw new OggError(`unknown header flags 0x${flags.toString(16)} on page ${n}`);
    const segments = bytes[offset + 26]!;
    const bodyStart = offset + HEADER_SIZE + segments;
    if (bodyStart > bytes.length) throw new OggError(`truncated segment table of page ${n}`);
    const lacing = bytes.subarray(offset + HEADER_SIZE, bodyStart);
    let bodySize = 0;
    for (const v of lacing) bodySize += v;
    const end = bodyStart + bodySize;
    if (end > bytes.length) throw new OggError(`page ${n} is shorter than its segment table says`);
    const stored = view.getUint32(offset + 22, true);
    let crc = oggCrc32(bytes.subarray(offset, offset + 22));
    crc = oggCrc32(new Uint8Array(4), crc);
    crc = oggCrc32(bytes.subarray(offset + 26, end), crc);
    if (crc !== stored) throw new OggError(`CRC mismatch on page ${n}`);
    pages.push({
      offset,
      flags,
      granule: view.getBigInt64(offset + 6, true),
      serial: view.getUint32(offset + 14, true),
      sequence: view.getUint32(offset + 18, true),
      lacing,
      body: bytes.subarray(bodyStart, end),
    });
    offset = end;
  }
  return pages;
}

/** A packet, the page it starts on and the page it ends on. */
interface Packet {
  data: Uint8Array;
  startPage: number;
  page: number;
}

/**
 * Reassembles packets from the lacing values, checking continuation flags and
 * that exactly the pages on which a packet ends carry a granule position.
 */
function packetsOf(pages: readonly OggPage[]): Packet[] {
  const packets: Packet[] = [];
  let partial: { parts: Uint8Array[]; startPage: number } | undefined;
  pages.forEach((page, n) => {
    const continued = (page.flags & FLAG_CONTINUED) !== 0;
    if (continued !== (partial !== undefined)) {
      throw new OggError(`continuation flag of page ${n} does not match the lacing of the page before`);
    }
    let at = 0;
    let ended = false;
    for (const size of page.lacing) {
      partial ??= { parts: [], startPage: n };
      partial.parts.push(page.body.subarray(at, at + size));
      at += size;
      if (size < 255) {
        packets.push({ data: concat(partial.parts), startPage: partial.startPage, page: n });
        partial = undefined;
        ended = true;
      }
    }
    if (!ended && page.granule !== NO_GRANULE) {
      throw new OggError(`page ${n} ends no packet but has granule position ${page.granule}`);
    }
    if (ended && page.granule === NO_GRANULE) throw new OggError(`page ${n} ends a packet but has no granule position`);
  });
  if (partial) throw new OggError("the last packet is incomplete (lacing continues past the last page)");
  return packets;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const startsWith = (data: Uint8Array, magic: string): boolean =>
  data.length >= magic.length && [...magic].every((c, i) => data[i] === c.charCodeAt(0));

/** A valid Ogg Opus stream's facts. */
export interface OggOpusInfo {
  ok: true;
  /** Pre-skip from `OpusHead`, in 48 kHz samples. */
  preSkip: number;
  /** Input sample rate from `OpusHead`. */
  inputRate: number;
  /** Granule position of the last page. */
  finalGranule: bigint;
  /** Playable samples at 48 kHz: final granule minus pre-skip (never negative). */
  samples: number;
  /** Playable duration. */
  durationMs: number;
  /** Number of pages. */
  pages: number;
  /** Number of audio packets (after the two header packets). */
  audioPackets: number;
}

/** Why a stream was refused. */
export interface OggOpusInvalid {
  ok: false;
  /** The reason, e.g. `CRC mismatch on page 2`. */
  reason: string;
}

/** Options of {@link validateOggOpus}. */
export interface OggOpusExpectations {
  /**
   * When set, `OpusHead`'s input rate must equal it. The simulator does not
   * set it: the field is informational (RFC 7845 §5.1), and the service
   * accepts, say, a stream encoded from a 44.1 kHz source.
   */
  inputRate?: number;
}

/**
 * Checks one complete Ogg Opus logical stream: page structure and CRC,
 * sequence numbers from 0, one serial, BOS then `OpusHead` (version 1, mono,
 * mapping family 0) alone on page 0, `OpusTags` from page 1, non-decreasing
 * granule positions, EOS on the last page.
 */
export function validateOggOpus(bytes: Uint8Array, expect: OggOpusExpectations = {}): OggOpusInfo | OggOpusInvalid {
  try {
    return { ok: true, ...inspect(bytes, expect) };
  } catch (error) {
    if (error instanceof OggError) return { ok: false, reason: error.message };
    throw error;
  }
}

function inspect(bytes: Uint8Array, expect: OggOpusExpectations): Omit<OggOpusInfo, "ok"> {
  const pages = parseOggPages(bytes);
  const first = pages[0];
  const last = pages[pages.length - 1];
  if (!first || !last) throw new OggError("no pages");
  pages.forEach((page, n) => {
    if (page.serial !== first.serial) throw new OggError(`page ${n} has serial ${page.serial}, expected ${first.serial} (one logical stream per request)`);
    if (page.sequence !== n) throw new OggError(`page ${n} has sequence number ${page.sequence}, expected ${n}`);
    if (n === 0 && !(page.flags & FLAG_BOS)) throw new OggError("first page lacks the BOS flag");
    if (n > 0 && page.flags & FLAG_BOS) throw new OggError(`BOS flag on page ${n}`);
    if (page !== last && page.flags & FLAG_EOS) throw new OggError(`EOS flag on page ${n} before the end of the stream`);
  });
  if (!(last.flags & FLAG_EOS)) throw new OggError("last page lacks the EOS flag");

  const packets = packetsOf(pages);
  const head = packets[0];
  if (!head || !startsWith(head.data, "OpusHead")) throw new OggError("first packet is not OpusHead");
  if (head.page !== 0 || packets[1]?.startPage === 0) throw new OggError("OpusHead must be alone on the first page");
  const { preSkip, inputRate } = parseOpusHead(head.data, expect);
  if (first.granule !== 0n) throw new OggError(`OpusHead page has granule position ${first.granule}, expected 0`);

  const tags = packets[1];
  if (!tags || tags.startPage !== 1 || !startsWith(tags.data, "OpusTags")) {
    throw new OggError("second page does not start with OpusTags");
  }
  if (packets[2]?.startPage === tags.page) throw new OggError("audio data on the OpusTags page");
  const tagsPage = pages[tags.page]!;
  if (tagsPage.granule !== 0n) throw new OggError(`OpusTags page has granule position ${tagsPage.granule}, expected 0`);

  const audio = packets.slice(2);
  audio.forEach((p) => {
    if (p.data.length === 0) throw new OggError(`empty audio packet on page ${p.page}`);
  });
  let previous = 0n;
  for (let n = tags.page + 1; n < pages.length; n++) {
    const granule = pages[n]!.granule;
    if (granule === NO_GRANULE) continue;
    if (granule < previous) throw new OggError(`granule position decreases on page ${n} (${granule} < ${previous})`);
    previous = granule;
  }
  const finalGranule = last.granule;
  if (finalGranule === NO_GRANULE) throw new OggError("last page has no granule position");
  if (audio.length > 0 && finalGranule < BigInt(preSkip)) {
    throw new OggError(`final granule position ${finalGranule} is less than pre-skip ${preSkip}`);
  }
  const samples = audio.length > 0 ? Number(finalGranule - BigInt(preSkip)) : 0;
  return { preSkip, inputRate, finalGranule, samples, durationMs: samples / 48, pages: pages.length, audioPackets: audio.length };
}

function parseOpusHead(data: Uint8Array, expect: OggOpusExpectations): { preSkip: number; inputRate: number } {
  if (data.length < 19) throw new OggError(`OpusHead is ${data.length} bytes, expected at least 19`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = data[8]!;
  if (version !== 1) throw new OggError(`OpusHead version ${version}, expected 1`);
  const channels = data[9]!;
  if (channels !== 1) throw new OggError(`OpusHead channel count ${channels}, expected 1`);
  const preSkip = view.getUint16(10, true);
  const inputRate = view.getUint32(12, true);
  const family = data[18]!;
  if (family !== 0) throw new OggError(`OpusHead channel mapping family ${family}, expected 0`);
  if (expect.inputRate !== undefined && inputRate !== expect.inputRate) {
    throw new OggError(`OpusHead input rate ${inputRate} does not match the session sample rate ${expect.inputRate}`);
  }
  return { preSkip, inputRate };
}

/**
 * @internal Follows an Ogg Opus stream as its bytes arrive: reads each
 * complete page once, and tells how many playable 48 kHz samples the pages so
 * far account for (the last granule position minus the pre-skip). It checks
 * only what it needs (capture pattern, CRC, `OpusHead`); at the first page it
 * cannot read it stops counting, and {@link validateOggOpus} on the whole
 * stream says why at the request's end.
 */
export class OggOpusProgress {
  #offset = 0;
  #pages = 0;
  #preSkip = -1;
  #samples = 0;
  #broken = false;

  /** Playable samples at 48 kHz that the complete pages so far account for. */
  get samples(): number {
    return this.#samples;
  }

  /** True once a page could not be read. */
  get broken(): boolean {
    return this.#broken;
  }

  /** Reads the complete pages among the first `length` bytes of `bytes`; returns {@link samples}. */
  advance(bytes: Uint8Array, length = bytes.length): number {
    while (!this.#broken) {
      const at = this.#offset;
      if (length - at < HEADER_SIZE) break;
      const segments = bytes[at + 26]!;
      const bodyStart = at + HEADER_SIZE + segments;
      if (bodyStart > length) break;
      let bodySize = 0;
      for (let k = at + HEADER_SIZE; k < bodyStart; k++) bodySize += bytes[k]!;
      const end = bodyStart + bodySize;
      if (end > length) break;
      this.#page(bytes, at, bodyStart, end);
      this.#offset = end;
    }
    return this.#samples;
  }

  #page(bytes: Uint8Array, at: number, bodyStart: number, end: number): void {
    const u32 = (k: number): number => (bytes[k]! | (bytes[k + 1]! << 8) | (bytes[k + 2]! << 16) | (bytes[k + 3]! << 24)) >>> 0;
    let crc = oggCrc32(bytes.subarray(at, at + 22));
    crc = oggCrc32(ZERO_CRC, crc);
    crc = oggCrc32(bytes.subarray(at + 26, end), crc);
    if (u32(at) !== 0x5367674f || crc !== u32(at + 22)) {
      this.#broken = true;
      return;
    }
    const n = this.#pages++;
    if (n === 0) {
      const body = bytes.subarray(bodyStart, end);
      if (body.length < 19 || !startsWith(body, "OpusHead")) {
        this.#broken = true;
        return;
      }
      this.#preSkip = body[10]! | (body[11]! << 8);
      return;
    }
    const low = u32(at + 6);
    const high = u32(at + 10);
    if (n < 2 || (low === 0xffffffff && high === 0xffffffff)) return;
    const granule = high * 2 ** 32 + low;
    this.#samples = Math.max(this.#samples, granule - this.#preSkip);
  }
}

const ZERO_CRC = new Uint8Array(4);
