/** URL-safe alphabet of 64 symbols (nanoid's): one symbol per 6 random bits. */
const ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";

/** Fills a byte array with cryptographically strong random values. */
export type RandomSource = (bytes: Uint8Array) => Uint8Array;

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Builds a `generateLogId` from a random source: ids look like
 * `YYYYMMDDHHMMSS_<12 URL-safe characters>` with the current UTC time.
 */
export function createLogIdGenerator(random: RandomSource, now: () => Date = () => new Date()): () => string {
  return () => {
    const d = now();
    const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
    const bytes = random(new Uint8Array(12));
    let id = "";
    for (const byte of bytes) id += ALPHABET[byte & 63];
    return `${stamp}_${id}`;
  };
}
