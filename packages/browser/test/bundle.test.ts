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
    // @bufbuild/protobuf's int64 support reads `process.env.BUF_BIGINT_DISABLE` behind a `typeof process` guard: harmless in a page.
    ["process", /\bprocess\b/, /"object"==typeof process&&"object"==typeof process\.env&&"1"===process\.env\.BUF_BIGINT_DISABLE/g],
    ["require()", /\brequire\s*\(/],
    ["eval", /\beval\b/],
    ["new Function / Function()", /\bFunction\s*\(/],
  ] as Array<[string, RegExp, RegExp?]>)("has no %s (Node-only, or refused by a strict Content-Security-Policy)", (_what, pattern, allowed) => {
    for (const file of bundleFiles()) {
      const code = allowed === undefined ? read(file) : read(file).replace(allowed, "");
      expect({ file, found: pattern.exec(code)?.[0] }).toEqual({ file, found: undefined });
    }
  });

  it("imports nothing but its own files (core, ofetch and the WebSocket binding are inlined)", () => {
    for (const file of bundleFiles()) {
      for (const specifier of specifiers(read(file))) expect(specifier).toMatch(/^\.\/avatarkit\.browser\.([\w-]+\.)?min\.js$/);
    }
    // The entry loads lazily what a PCM page with a pre-minted token never runs: the HTTP client and the
    // token request, the libopus loader, the Ogg framing and the resampler; and what an open session runs on
    // (the protocol chunk), as a session is created. The chunks take what they share from the entry.
    const lazy = specifiers(read(BUNDLE)).map((s) => /^\.\/avatarkit\.browser\.([a-z-]+)-[\w-]+\.min\.js$/.exec(s)?.[1] ?? s);
    const known = ["http", "token", "opus-encoder", "ogg-opus-stream", "resample", "protocol"];
    expect(lazy.filter((name) => !known.includes(name))).toEqual([]);
    expect(lazy).toEqual(expect.arrayContaining(["http", "opus-encoder", "ogg-opus-stream", "protocol"]));
    // The resampler loads with the first samples sent, from the protocol chunk (where sending lives).
    const protocol = bundleFiles().find((file) => /^avatarkit\.browser\.protocol-[\w-]+\.min\.js$/.test(file));
    expect(protocol).toBeDefined();
    expect(specifiers(read(protocol!)).some((s) => /^\.\/avatarkit\.browser\.resample-[\w-]+\.min\.js$/.test(s))).toBe(true);
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

  // The page bundle carries every export (the microphone capture, the codec of the current protocol); what an
  // app's own bundle loads first is smaller and measured by bench/bundle-size.mjs.
  it("stays small: under 22 KiB gzipped, the encoder chunk under 8 KiB (bench/bundle-size.mjs has the figures)", () => {
    expect(gzipSync(read(BUNDLE), { level: 9 }).length).toBeLessThan(22 * 1024);
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
