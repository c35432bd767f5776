#!/usr/bin/env node
// Measures the browser bundle: minified + gzipped bytes of what a page needs
// at first load to stream PCM and receive frames with a pre-minted token
// (the session, its options and errors; the built-in encoder, the token
// request and ofetch stay in lazily loaded chunks), and what a session then
// loads as it is created (the protocol chunk: codec, handshake, sender,
// receiver, the classification of server errors):
//
// - with the plugins of the self-contained bundle in rollup.config.mjs,
//   from the sources (the PCM path; its protocol chunk also without
//   @bufbuild/protobuf, to show what the protobuf runtime weighs);
// - as an application bundles `newAvatarSession` from `@avatarkit/sdk`
//   (the built packages: run `pnpm build` first) with esbuild (splitting,
//   minify) and with Vite (a production build of a page).
//
// Prints a table, the biggest modules, and one JSON line with the figures.
//
//   node bench/bundle-size.mjs [--budget BYTES] [--top N]
//
// Exits with 1 when the PCM path is over the budget (default 10 KiB gzipped).
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { rollup } from "rollup";

// rollup.config.mjs names its files relative to the repository root.
process.chdir(fileURLToPath(new URL("..", import.meta.url)));
const { browserBundlePlugins } = await import("../rollup.config.mjs");

const { values } = parseArgs({
  options: {
    budget: { type: "string", default: String(10 * 1024) },
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

async function measure(entry, extraPlugins = [], external = []) {
  const bundle = await rollup({
    input: entry,
    external,
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
    if (initial.has(name) || !chunks.has(name)) return; // an external import (--measured without it)
    initial.add(name);
    for (const imported of chunks.get(name).imports) visit(imported);
  };
  visit([...chunks.values()].find((c) => c.isEntry).fileName);
  const loaded = [...initial].map((name) => chunks.get(name));
  const code = loaded.map((c) => c.code).join("\n");
  const lazy = [...chunks.values()].filter((c) => !initial.has(c.fileName));
  const session = sessionChunks(new Map([...chunks].map(([name, c]) => [name, { imports: c.imports, dynamicImports: c.dynamicImports }])), initial);
  const modules = loaded
    .flatMap((c) => Object.entries(c.modules))
    .map(([id, m]) => ({ module: relative(process.cwd(), id.replace(/^\0/, "")).replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, ""), bytes: m.renderedLength }))
    .filter((m) => m.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  return {
    minBytes: Buffer.byteLength(code),
    gzipBytes: gzip(code),
    lazyChunks: lazy.map((c) => ({ name: c.name, minBytes: Buffer.byteLength(c.code), gzipBytes: gzip(c.code) })),
    session: sizes(session.map((name) => chunks.get(name).code)),
    modules,
  };
}

/** Min and gzip bytes of some chunks, gzipped as one (as the first load is). */
function sizes(codes) {
  const code = codes.join("\n");
  return { minBytes: Buffer.byteLength(code), gzipBytes: gzip(code) };
}

/**
 * The chunks a session loads as it is created: the protocol chunk (a
 * dynamic import of the first load) and what it imports that the first
 * load does not hold.
 */
function sessionChunks(files, initial) {
  const protocol = [...initial].flatMap((name) => files.get(name).dynamicImports ?? []).find((name) => /(^|\/)(avatarkit\.browser\.)?protocol[-.]/.test(name.split("/").pop()));
  const out = new Set();
  const visit = (name) => {
    if (name === undefined || initial.has(name) || out.has(name) || !files.has(name)) return;
    out.add(name);
    for (const imported of files.get(name).imports) visit(imported);
  };
  visit(protocol);
  return [...out];
}

/** Initial (entry + static imports) and lazy bytes of a bundler's output: `files` maps a name to `{ code, imports, isEntry }`. */
function split(files) {
  const initial = new Set();
  const visit = (name) => {
    if (initial.has(name) || !files.has(name)) return;
    initial.add(name);
    for (const imported of files.get(name).imports) visit(imported);
  };
  for (const [name, file] of files) if (file.isEntry) visit(name);
  const code = [...initial].map((name) => files.get(name).code).join("\n");
  const lazy = [...files.keys()].filter((name) => !initial.has(name));
  return {
    minBytes: Buffer.byteLength(code),
    gzipBytes: gzip(code),
    session: sizes(sessionChunks(files, initial).map((name) => files.get(name).code)),
    lazyChunks: lazy.map((name) => ({ name, minBytes: Buffer.byteLength(files.get(name).code), gzipBytes: gzip(files.get(name).code) })),
  };
}

/** What a page that imports `newAvatarSession` from `@avatarkit/sdk` loads, bundled by esbuild and by Vite. */
async function applicationBundles() {
  const sdk = resolve("packages/sdk/dist/browser.js"); // what the "browser" condition of @avatarkit/sdk picks
  if (!existsSync(sdk)) return { note: "packages/sdk/dist is missing: run pnpm build" };
  const dir = await mkdtemp(join(tmpdir(), "avatarkit-bundle-"));
  const results = {};
  try {
    const main = join(dir, "main.js");
    // A page: a session with a pre-minted token, PCM, frames to a renderer.
    await writeFile(main, 'import { newAvatarSession, AvatarSDKError } from "@avatarkit/sdk";\nglobalThis.avatar = { newAvatarSession, AvatarSDKError };\n');
    await writeFile(join(dir, "index.html"), '<!doctype html><script type="module" src="./main.js"></script>\n');

    const esbuild = await import("esbuild");
    const built = await esbuild.build({
      entryPoints: [main],
      bundle: true,
      splitting: true,
      format: "esm",
      minify: true,
      platform: "browser",
      target: "es2022",
      outdir: join(dir, "esbuild"),
      write: false,
      metafile: true,
      alias: { "@avatarkit/sdk": sdk },
      logLevel: "silent",
    });
    const byPath = new Map(built.outputFiles.map((f) => [relative(process.cwd(), f.path), f.text]));
    const files = new Map(
      Object.entries(built.metafile.outputs)
        .filter(([name]) => name.endsWith(".js"))
        .map(([name, out]) => [
          name,
          {
            code: byPath.get(name) ?? "",
            isEntry: out.entryPoint !== undefined && resolve(out.entryPoint) === main,
            imports: out.imports.filter((i) => i.kind === "import-statement").map((i) => i.path),
            dynamicImports: out.imports.filter((i) => i.kind === "dynamic-import").map((i) => i.path),
          },
        ]),
    );
    results.esbuild = split(files);

    try {
      const vite = await import(createRequire(createRequire(import.meta.url).resolve("vitest/package.json")).resolve("vite"));
      const output = await vite.build({
        root: dir,
        configFile: false,
        logLevel: "silent",
        resolve: { alias: { "@avatarkit/sdk": sdk } },
        build: { write: false, minify: true, modulePreload: false, reportCompressedSize: false, rollupOptions: { input: join(dir, "index.html") } },
      });
      const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output).filter((o) => o.type === "chunk");
      results.vite = split(new Map(chunks.map((c) => [c.fileName, { code: c.code, isEntry: c.isEntry, imports: c.imports, dynamicImports: c.dynamicImports }])));
      results.viteVersion = vite.version;
    } catch (error) {
      results.vite = { note: `Vite failed: ${error.message.split("\n")[0]}` };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

const pcm = await measure("pcm-path");
const full = await measure("page-bundle");
const noProtobuf = await measure("pcm-path", [], (id) => id === "@bufbuild/protobuf" || id.startsWith("@bufbuild/protobuf/"));
const apps = await applicationBundles();
const encoder = pcm.lazyChunks.find((c) => c.name.includes("opus-encoder"));
// ofetch (with ufo and destr) is a lazy chunk: only init() and createSessionToken() load it, with the token request.
const http = pcm.lazyChunks.find((c) => c.name.includes("http"));
const token = pcm.lazyChunks.find((c) => c.name === "token");

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const line = (label, m) => console.log(`  ${label.padEnd(44)} ${kb(m.minBytes).padStart(9)} min  ${kb(m.gzipBytes).padStart(9)} gz`);
console.log("Browser bundle (rollup + terser, gzip -9):");
line("PCM path (a page with a pre-minted token)", pcm);
console.log(`    budget ${kb(budget)}: ${pcm.gzipBytes <= budget ? "within" : "over"}`);
line("  then, as a session is created: protocol chunk", pcm.session);
console.log(`  PCM path + protocol chunk (all a session has loaded once open): ${kb(pcm.gzipBytes + pcm.session.gzipBytes)} gz`);
line("    of which not @bufbuild/protobuf", noProtobuf.session);
if (token) line("token chunk (lazy: init(), createSessionToken())", token);
if (http) line("HTTP chunk (lazy, with it; ofetch, ufo, destr)", http);
if (token && http) console.log(`  PCM path + token + HTTP chunks (a page that calls init()): ${kb(pcm.gzipBytes + token.gzipBytes + http.gzipBytes)} gz`);
line("page bundle (every export)", full);
if (encoder) line("encoder chunk (lazy, + opus.wasm)", encoder);
for (const c of pcm.lazyChunks) if (c !== encoder && c !== http && c !== token) line(`lazy chunk ${c.name}`, c);
for (const tool of ["esbuild", "vite"]) {
  const r = apps[tool];
  if (r?.gzipBytes === undefined) console.log(`  @avatarkit/sdk with ${tool}: ${r?.note ?? apps.note}`);
  else {
    line(`@avatarkit/sdk, newAvatarSession, ${tool}${tool === "vite" ? ` ${apps.viteVersion}` : ""}: first load`, r);
    line(`  then the protocol chunk (${tool})`, r.session);
  }
}
console.log(`Largest modules of the PCM path (minified, before gzip):`);
for (const m of pcm.modules.slice(0, Number(values.top))) console.log(`  ${kb(m.bytes).padStart(9)}  ${m.module}`);

console.log(
  JSON.stringify({
    bench: "bundle-size",
    pcmPathMinBytes: pcm.minBytes,
    pcmPathGzipBytes: pcm.gzipBytes,
    protocolChunkWithoutProtobufGzipBytes: noProtobuf.session.gzipBytes,
    protocolChunkGzipBytes: pcm.session.gzipBytes,
    tokenChunkGzipBytes: token?.gzipBytes ?? null,
    httpChunkGzipBytes: http?.gzipBytes ?? null,
    pageBundleMinBytes: full.minBytes,
    pageBundleGzipBytes: full.gzipBytes,
    encoderChunkGzipBytes: encoder?.gzipBytes ?? null,
    sdkEsbuildMinBytes: apps.esbuild?.minBytes ?? null,
    sdkEsbuildGzipBytes: apps.esbuild?.gzipBytes ?? null,
    sdkEsbuildProtocolGzipBytes: apps.esbuild?.session?.gzipBytes ?? null,
    sdkViteMinBytes: apps.vite?.minBytes ?? null,
    sdkViteGzipBytes: apps.vite?.gzipBytes ?? null,
    sdkViteProtocolGzipBytes: apps.vite?.session?.gzipBytes ?? null,
    viteVersion: apps.viteVersion ?? null,
    lazyChunks: pcm.lazyChunks,
    budgetGzipBytes: budget,
    withinBudget: pcm.gzipBytes <= budget,
  }),
);
if (pcm.gzipBytes > budget) process.exitCode = 1;
