/**
 * The CRC-32 of Ogg pages (RFC 3533): polynomial 0x04C11DB7, most significant
 * bit first (unreflected), initial value 0, no final xor.
 *
 * @packageDocumentation
 */

/** The generator polynomial of the Ogg checksum. */
const POLYNOMIAL = 0x04c11db7;

/** One entry per byte value: the CRC of that byte shifted into the top of the register. */
const TABLE = /* @__PURE__ */ buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 24;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x80000000 ? (crc << 1) ^ POLYNOMIAL : crc << 1;
    }
    table[byte] = crc >>> 0;
  }
  return table;
}

/**
 * Computes the Ogg CRC-32 of `bytes`.
 *
 * Pass a previous result as `crc` to continue a checksum over several
 * pieces: `oggCrc32(b, oggCrc32(a))` equals the checksum of `a` followed by `b`.
 * The checksum of a page is taken with its CRC field set to zero.
 *
 * @param bytes - the data to checksum (a view; nothing is copied)
 * @param crc - the checksum of the bytes before these, 0 to start
 * @returns the checksum as an unsigned 32-bit integer
 */
export function oggCrc32(bytes: Uint8Array, crc = 0): number {
  let c = crc | 0;
  for (let i = 0; i < bytes.length; i++) {
    c = (c << 8) ^ TABLE[((c >>> 24) ^ bytes[i]!) & 0xff]!;
  }
  return c >>> 0;
}
