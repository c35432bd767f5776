// Load rounds against a pool: concurrent requests, then one stats row per round.

/**
 * Sends `requests` requests through the pool, `concurrency` at a time.
 * Time to last frame runs from asking the pool for a session (so it includes
 * waiting for a free one) to the request's last frame.
 * @param {import("./pool.mjs").SessionPool} pool
 * @param {{ requests: number, concurrency: number, audio: Uint8Array, chunkBytes?: number, timeoutMs?: number }} options
 */
export async function runRound(pool, { requests, concurrency, audio, chunkBytes, timeoutMs }) {
  const before = { ...pool.counters };
  const times = [];
  const errors = {};
  let frames = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < requests) {
      next++;
      const t0 = performance.now();
      try {
        const result = await pool.animate(audio, { chunkBytes, timeoutMs });
        times.push(performance.now() - t0);
        frames += result.frames;
      } catch (error) {
        const code = error?.code ?? error?.name ?? "Error";
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
  const after = pool.counters;
  return {
    requests,
    ok: times.length,
    errors: requests - times.length,
    errorCodes: errors,
    frames,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    wallMs: performance.now() - started,
    replaced: after.lost - before.lost,
    renewed: after.renewed - before.renewed,
  };
}

/** The nearest-rank percentile of `values` (NaN when empty). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const COLUMNS = [
  ["round", (r) => String(r.round)],
  ["requests", (r) => String(r.requests)],
  ["ok", (r) => String(r.ok)],
  ["errors", (r) => String(r.errors)],
  ["frames", (r) => String(r.frames)],
  ["p50 last frame", (r) => ms(r.p50Ms)],
  ["p99 last frame", (r) => ms(r.p99Ms)],
  ["wall", (r) => ms(r.wallMs)],
  ["replaced", (r) => String(r.replaced)],
  ["renewed", (r) => String(r.renewed)],
];

const ms = (value) => (Number.isNaN(value) ? "-" : `${value.toFixed(1)} ms`);

/** The header and separator lines of the stats table. */
export function tableHeader() {
  const cells = COLUMNS.map(([name]) => name);
  return [row(cells), row(cells.map((c, i) => "-".repeat(width(i))))].join("\n");
}

/** One stats table line. */
export function tableRow(stats) {
  return row(COLUMNS.map(([, cell]) => cell(stats)));
}

const width = (i) => Math.max(COLUMNS[i][0].length, 9);
const row = (cells) => `| ${cells.map((c, i) => c.padStart(width(i))).join(" | ")} |`;
