#!/usr/bin/env node
// Measures the browser bundle: minified + gzipped bytes of what a page needs
// to stream PCM and receive frames (the session, its errors; the built-in
// encoder stays in its own chunk), with the plugins of the self-contained
// bundle in rollup.config.mjs. Prints a table, the biggest modules, and one
// JSON line with the figures.
//
//   node bench/bundle-size.mjs [--budget BYTES] [--top N]
//
// Exits with 1 when the PCM path is over the budget (default 12 KiB gzipped).
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { rollup } from "rollup";

// rollup.config.mjs names its files relative to the repository root.
process.chdir(fileURLToPath(new URL("..", import.meta.url)));
const { browserBundlePlugins } = await import("../rollup.config.mjs");

const { values } = parseArgs({
  options: {
    budget: { type: "string", default: String(12 * 1024) },
    top: { type: "string", default: "8" },
  },
});
const budget = Number(values.budget);

/** Entries to measure, as a page would import them. */
const ENTRIES = {
  // What a page needs to stream PCM and receive frames.
  "pcm-path": 'export { AvatarSession, newAvatarSession, AvatarSDKError } from "@avatarkit/browser";',
  // The prebuilt page bundle, dist/avatarkit.browser.min.js: every export of @avatarkit/browser.
  "page-bundle": 'export * from "@avatarkit/browser";',
};

/** A virtual entry module, so the measured imports are exactly what a page writes. */
function virtualEntries() {
  return {
    name: "bench-entries",
    resolveId: (id) => (id in ENTRIES ? `\0bench:${id}` : null),
    load: (id) => (id.startsWith("\0bench:") ? ENTRIES[id.slice("\0bench:".length)] : null),
  };
}

const gzip = (code) => gzipSync(code, { level: 9 }).length;

async function measure(entry, extraPlugins = []) {
  const bundle = await rollup({
    input: entry,
    plugins: [virtualEntries(), ...extraPlugins, ...browserBundlePlugins()],
    preserveEntrySignatures: "allow-extension", // as the page bundle: no facade chunk
    logLevel: "silent",
  });
  const { output } = await bundle.generate({ format: "esm", sourcemap: false });
  await bundle.close();
  const chunks = new Map(output.filter((o) => o.type === "chunk").map((c) => [c.fileName, c]));
  // What a page loads at once: the entry and every chunk it imports statically; the rest loads lazily.
  const initial = new Set();
  const visit = (name) => {
    if (initial.has(name)) return;
    initial.add(name);
    for (const imported of chunks.get(name).imports) visit(imported);
  };
  visit([...chunks.values()].find((c) => c.isEntry).fileName);
  const loaded = [...initial].map((name) => chunks.get(name));
  const code = loaded.map((c) => c.code).join("\n");
  const lazy = [...chunks.values()].filter((c) => !initial.has(c.fileName));
  const modules = loaded
    .flatMap((c) => Object.entries(c.modules))
    .map(([id, m]) => ({ module: relative(process.cwd(), id.replace(/^\0/, "")).replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, ""), bytes: m.renderedLength }))
    .filter((m) => m.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  return {
    minBytes: Buffer.byteLength(code),
    gzipBytes: gzip(code),
    lazyChunks: lazy.map((c) => ({ name: c.name, minBytes: Buffer.byteLength(c.code), gzipBytes: gzip(c.code) })),
    modules,
  };
}

const pcm = await measure("pcm-path");
const full = await measure("page-bundle");
const encoder = pcm.lazyChunks.find((c) => c.name.includes("opus-encoder"));
// ofetch (with ufo and destr) is a lazy chunk: only init() and createSessionToken() load it.
const http = pcm.lazyChunks.find((c) => c.name.includes("http"));

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log("Browser bundle (rollup + terser, gzip -9):");
console.log(`  PCM path (AvatarSession, errors):  ${kb(pcm.minBytes).padStart(9)} min  ${kb(pcm.gzipBytes).padStart(9)} gz  (budget ${kb(budget)}; a page with a pre-minted token)`);
if (http) {
  console.log(`  HTTP chunk (lazy: init(), createSessionToken(); ofetch + ufo + destr): ${kb(http.minBytes)} min  ${kb(http.gzipBytes)} gz`);
  console.log(`  PCM path + HTTP chunk (a page that calls init()): ${kb(pcm.gzipBytes + http.gzipBytes)} gz`);
}
console.log(`  page bundle (every export):        ${kb(full.minBytes).padStart(9)} min  ${kb(full.gzipBytes).padStart(9)} gz`);
if (encoder) console.log(`  encoder chunk (lazy, + opus.wasm): ${kb(encoder.minBytes).padStart(9)} min  ${kb(encoder.gzipBytes).padStart(9)} gz`);
console.log(`Largest modules of the PCM path (minified, before gzip):`);
for (const m of pcm.modules.slice(0, Number(values.top))) console.log(`  ${kb(m.bytes).padStart(9)}  ${m.module}`);

console.log(
  JSON.stringify({
    bench: "bundle-size",
    pcmPathMinBytes: pcm.minBytes,
    pcmPathGzipBytes: pcm.gzipBytes,
    httpChunkGzipBytes: http?.gzipBytes ?? null,
    pageBundleMinBytes: full.minBytes,
    pageBundleGzipBytes: full.gzipBytes,
    encoderChunkGzipBytes: encoder?.gzipBytes ?? null,
    budgetGzipBytes: budget,
    withinBudget: pcm.gzipBytes <= budget,
  }),
);
if (pcm.gzipBytes > budget) process.exitCode = 1;
