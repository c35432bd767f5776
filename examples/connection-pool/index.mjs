#!/usr/bin/env node
// Runs rounds of concurrent requests through a pool of warm sessions and
// prints a stats row per round. Against the local simulator by default;
// against the real service when the AVATAR_* variables are set.
//
//   node index.mjs [--size 4] [--rounds 3] [--concurrency 8] [--requests N] [--clip-seconds 2]
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { connectTarget } from "@avatarkit/examples-shared";
import { SessionPool } from "./pool.mjs";
import { runRound, tableHeader, tableRow } from "./rounds.mjs";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "4" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "8" },
    requests: { type: "string" },
    "clip-seconds": { type: "string", default: "2" },
    "token-ttl-seconds": { type: "string", default: "600" },
    "renew-before-seconds": { type: "string", default: "60" },
    verbose: { type: "boolean", default: false },
  },
});
const int = (name, min = 1) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer >= ${min}, got "${values[name]}"`);
    process.exit(2);
  }
  return n;
};
const size = int("size");
const rounds = int("rounds");
const concurrency = int("concurrency");
const requests = values.requests === undefined ? concurrency * 4 : int("requests");

const sampleRate = 16000;
const clip = new Uint8Array(await readFile(new URL("../assets/speech-16k.pcm", import.meta.url)));
const seconds = Number(values["clip-seconds"]);
const audio = seconds > 0 ? clip.subarray(0, Math.min(clip.length, Math.round(seconds * sampleRate) * 2)) : clip;

const target = await connectTarget();
console.log(`Target: ${target.simulated ? "local simulator" : "avatar service"} (${target.ingressEndpointUrl})`);
console.log(`Pool of ${size}, ${rounds} round(s) of ${requests} requests, ${concurrency} at a time, ${(audio.length / 2 / sampleRate).toFixed(2)} s of audio each`);

const pool = new SessionPool({
  size,
  sessionOptions: {
    apiKey: target.apiKey,
    appId: target.appId,
    avatarId: target.avatarId,
    consoleEndpointUrl: target.consoleEndpointUrl,
    ingressEndpointUrl: target.ingressEndpointUrl,
    sampleRate,
  },
  tokenTtlMs: int("token-ttl-seconds") * 1000,
  renewBeforeMs: int("renew-before-seconds", 0) * 1000,
  log: values.verbose ? (line) => console.log(`  pool: ${line}`) : undefined,
});

let exitCode = 0;
try {
  const opened = performance.now();
  await pool.start();
  console.log(`Pool warm: ${pool.counters.opened} sessions open in ${(performance.now() - opened).toFixed(0)} ms\n`);
  console.log(tableHeader());
  for (let round = 1; round <= rounds; round++) {
    const stats = await runRound(pool, { requests, concurrency, audio, chunkBytes: (sampleRate / 10) * 2 });
    console.log(tableRow({ round, ...stats }));
    if (stats.errors > 0) {
      exitCode = 1;
      console.log(`  errors: ${JSON.stringify(stats.errorCodes)}`);
    }
  }
  console.log(`\nPool: ${JSON.stringify(pool.counters)}`);
} catch (error) {
  exitCode = 1;
  console.error("Failed:", error?.code ? `[${error.code}] ${error.message}` : error);
} finally {
  await pool.close();
  await target.close();
}
process.exitCode = exitCode;
