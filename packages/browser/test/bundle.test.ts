/**
 * Guards on the built browser bundle (`pnpm test` builds first): what a page
 * imports must run in any browser, under a strict Content-Security-Policy,
 * and be importable during server-side rendering.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const dist = new URL("../dist/", import.meta.url);
const BUNDLE = "avatarkit.browser.min.js";

const read = (name: string) => readFileSync(new URL(name, dist), "utf8");
/** Every file of the self-contained bundle: the entry and its lazy chunks. */
const bundleFiles = () => readdirSync(dist).filter((f) => /^avatarkit\.browser\..*js$/.test(f) && !f.endsWith(".map"));
/** Module specifiers a file imports, statically or dynamically. */
function specifiers(code: string): string[] {
  const found: string[] = [];
  for (const re of [/\bfrom\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, /\bimport\s*["']([^"']+)["']/g, /\brequire\s*\(\s*["']([^"']+)["']/g]) {
    for (const match of code.matchAll(re)) found.push(match[1]!);
  }
  return found;
}

beforeAll(() => {
  if (!existsSync(new URL(BUNDLE, dist))) throw new Error(`packages/browser/dist/${BUNDLE} is missing: run \`pnpm build\` first`);
});

describe("the browser bundle", () => {
  it("is an entry, a separate encoder chunk and a separate HTTP chunk", () => {
    const files = bundleFiles();
    expect(files).toContain(BUNDLE);
    expect(files.filter((f) => f.includes("opus-encoder"))).toHaveLength(1);
    expect(files.filter((f) => f.includes(".http-"))).toHaveLength(1);
  });

  it.each([
    ["a node: import", /["']node:/],
    // "ws" alone is also a URL scheme here; these strings are only in the `ws` library.
    ["the ws package", /Sec-WebSocket-Key|permessage-deflate|\bfrom\s*["']ws["']|import\(\s*["']ws["']/i],
    ["Buffer", /\bBuffer\b/],
    ["process", /\bprocess\b/],
    ["require()", /\brequire\s*\(/],
    ["eval", /\beval\b/],
    ["new Function / Function()", /\bFunction\s*\(/],
  ])("has no %s (Node-only, or refused by a strict Content-Security-Policy)", (_what, pattern) => {
    for (const file of bundleFiles()) expect({ file, found: pattern.exec(read(file))?.[0] }).toEqual({ file, found: undefined });
  });

  it("imports nothing but its own files (core, ofetch and the WebSocket binding are inlined)", () => {
    for (const file of bundleFiles()) {
      for (const specifier of specifiers(read(file))) expect(specifier).toMatch(/^\.\/avatarkit\.browser\.([\w-]+\.)?min\.js$/);
    }
    // The entry loads the encoder and ofetch lazily; the chunks take what they share from the entry.
    expect(specifiers(read(BUNDLE)).sort()).toEqual([
      expect.stringMatching(/^\.\/avatarkit\.browser\.http-[\w-]+\.min\.js$/),
      expect.stringMatching(/^\.\/avatarkit\.browser\.opus-encoder-[\w-]+\.min\.js$/),
    ]);
  });

  it("exports what the package exports", async () => {
    const script = `
      const page = await import(${JSON.stringify(new URL(BUNDLE, dist).href)});
      const pkg = await import(${JSON.stringify(new URL("index.js", dist).href)});
      console.log(JSON.stringify({ page: Object.keys(page).sort(), pkg: Object.keys(pkg).sort() }));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script]);
    const { page, pkg } = JSON.parse(stdout) as { page: string[]; pkg: string[] };
    expect(pkg.filter((name) => !page.includes(name))).toEqual([]);
    // The entry may export more: internal bindings its encoder chunk imports (mangled short names).
    expect(page.filter((name) => !pkg.includes(name)).every((name) => name.length <= 3)).toBe(true);
  });

  it("keeps the encoder and its WebAssembly out of the entry", () => {
    const entry = read(BUNDLE);
    const chunk = read(bundleFiles().find((f) => f.includes("opus-encoder"))!);
    expect(entry).not.toMatch(/opus_encode|OpusHead|opus\.wasm/);
    expect(chunk).toContain('new URL("./opus.wasm",import.meta.url)');
    const wasm = readFileSync(new URL("opus.wasm", dist));
    expect([...wasm.subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]); // "\0asm"
  });

  it("stays small: under 18 KiB gzipped, the encoder chunk under 8 KiB (bench/bundle-size.mjs has the figures)", () => {
    expect(gzipSync(read(BUNDLE), { level: 9 }).length).toBeLessThan(18 * 1024);
    const chunk = read(bundleFiles().find((f) => f.includes("opus-encoder"))!);
    expect(gzipSync(chunk, { level: 9 }).length).toBeLessThan(8 * 1024);
  });

  // Reading `WebSocket` and `fetch` to detect them is allowed (isomorphic-ws and ofetch do, at import).
  it("imports and builds a session without touching window, document or other page globals (SSR safe)", async () => {
    const script = `
      const touched = [];
      for (const name of ["window", "document", "navigator", "location", "localStorage", "XMLHttpRequest"]) {
        Object.defineProperty(globalThis, name, { configurable: true, get() { touched.push(name); return undefined; } });
      }
      const m = await import(${JSON.stringify(new URL(BUNDLE, dist).href)});
      const session = new m.AvatarSession({ appId: "a", avatarId: "b", sessionToken: "t", ingressEndpointUrl: "wss://example.invalid/v2/driveningress" });
      let header;
      try { new m.AvatarSession({ appId: "a", avatarId: "b", sessionToken: "t", ingressEndpointUrl: "wss://x.invalid", useQueryAuth: false }); } catch (e) { header = e; }
      console.log(JSON.stringify({
        touched,
        state: session.state,
        queryAuth: session.config.useQueryAuth,
        headerError: { name: header.name, code: header.code, field: header.field, isSdkError: header instanceof m.AvatarSDKError },
        exports: ["AvatarSession", "newAvatarSession", "generateLogId", "AvatarSDKError", "SessionConfigBuilder", "createSessionToken"].filter((k) => !(k in m)),
      }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script]);
    expect(JSON.parse(stdout)).toEqual({
      touched: [],
      state: "idle",
      queryAuth: true,
      // Class names survive minification: errors report them in `name`.
      headerError: { name: "ConfigurationError", code: "invalidRequest", field: "useQueryAuth", isSdkError: true },
      exports: [],
    });
  });
});

describe("the package build (dist/index.js)", () => {
  it("imports only its declared dependencies and its own chunk", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> };
    for (const specifier of specifiers(read("index.js"))) {
      if (specifier.startsWith("./")) expect(specifier).toMatch(/^\.\/(opus-encoder|http)-[\w-]+\.js$/);
      else expect(Object.keys(pkg.dependencies)).toContain(specifier.replace(/^(@[^/]+\/[^/]+).*$/, "$1"));
    }
  });
});
