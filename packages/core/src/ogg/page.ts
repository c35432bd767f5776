/**
 * Writing one Ogg page (RFC 3533 §6) straight into an output buffer.
 *
 * @packageDocumentation
 */

import { oggCrc32 } from "./crc";

/** Bits of the page header's `header_type` byte. */
export const OggPageFlag = {
  /** The first packet on the page continues one from the previous page. */
  continued: 0x01,
  /** First page of a logical stream (beginning of stream). */
  bos: 0x02,
  /** Last page of a logical stream (end of stream). */
  eos: 0x04,
} as const;

/** Size of the fixed part of a page header, before the segment table. */
export const OGG_PAGE_HEADER_SIZE = 27;

/** Most lacing values (segments) one page can hold. */
export const OGG_MAX_SEGMENTS = 255;

/** Offset of the CRC field within a page. */
const CRC_OFFSET = 22;

const TWO_POW_32 = 0x1_0000_0000;

/** One page to write. Every packet on it ends on it. */
export interface OggPage {
  /** {@link OggPageFlag} bits, or-ed together. */
  readonly flags: number;
  /**
   * The granule position: a safe integer, written as a signed 64-bit
   * little-endian value. -1 means that no packet ends on the page.
   */
  readonly granulePosition: number;
  /** The logical stream's serial number (unsigned 32-bit). */
  readonly serial: number;
  /** The page sequence number (unsigned 32-bit). */
  readonly sequence: number;
  /** The packets, in order; each is laced so that it ends on this page. */
  readonly packets: readonly Uint8Array[];
}

/**
 * How many lacing values a complete packet of `length` bytes takes: one per
 * full 255 bytes, plus one smaller value (0 when the length is a multiple of
 * 255) that ends the packet.
 */
export function oggLacingCount(length: number): number {
  return Math.floor(length / 255) + 1;
}

/**
 * The size in bytes of a page holding `packets`.
 *
 * @throws RangeError when the packets need more than 255 lacing values
 */
export function oggPageSize(packets: readonly Uint8Array[]): number {
  let segments = 0;
  let body = 0;
  for (const packet of packets) {
    segments += oggLacingCount(packet.length);
    body += packet.length;
  }
  if (segments > OGG_MAX_SEGMENTS) {
    throw new RangeError(`An Ogg page holds at most ${OGG_MAX_SEGMENTS} lacing values; these packets need ${segments}`);
  }
  return OGG_PAGE_HEADER_SIZE + segments + body;
}

/**
 * Writes `page` into `target` at `offset`: header, segment table and packet
 * bytes (each copied once), then the CRC computed in place.
 *
 * @returns the offset just past the page
 * @throws RangeError when the page does not fit, needs more than 255 lacing
 *   values, or a header field is out of range
 */
export function writeOggPage(page: OggPage, target: Uint8Array, offset: number): number {
  checkUint32("serial", page.serial);
  checkUint32("sequence", page.sequence);
  if (!Number.isSafeInteger(page.granulePosition)) {
    throw new RangeError(`Granule position must be a safe integer, got ${page.granulePosition}`);
  }
  const size = oggPageSize(page.packets);
  if (offset < 0 || offset + size > target.length) {
    throw new RangeError(`An Ogg page of ${size} bytes does not fit at offset ${offset} of ${target.length}`);
  }

  const view = new DataView(target.buffer, target.byteOffset + offset, size);
  view.setUint32(0, 0x4f676753); // "OggS"
  view.setUint8(4, 0); // stream structure version
  view.setUint8(5, page.flags & 0x07);
  const granule = page.granulePosition;
  view.setUint32(6, granule >>> 0, true);
  view.setUint32(10, Math.floor(granule / TWO_POW_32) >>> 0, true);
  view.setUint32(14, page.serial, true);
  view.setUint32(18, page.sequence, true);
  view.setUint32(CRC_OFFSET, 0, true);

  let lacing = offset + OGG_PAGE_HEADER_SIZE;
  let data = lacing;
  for (const packet of page.packets) data += oggLacingCount(packet.length);
  view.setUint8(26, data - lacing); // number of segments

  for (const packet of page.packets) {
    let left = packet.length;
    while (left >= 255) {
      target[lacing++] = 255;
      left -= 255;
    }
    target[lacing++] = left;
    target.set(packet, data);
    data += packet.length;
  }

  view.setUint32(CRC_OFFSET, oggCrc32(target.subarray(offset, offset + size)), true);
  return offset + size;
}

/** Writes `page` into a buffer of its own, allocated at its exact size. */
export function encodeOggPage(page: OggPage): Uint8Array {
  const bytes = new Uint8Array(oggPageSize(page.packets));
  writeOggPage(page, bytes, 0);
  return bytes;
}

function checkUint32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`Ogg page ${name} must be an unsigned 32-bit integer, got ${value}`);
  }
}
