// The built-in encoder in Chromium, for bench/encoder.mjs: core's Ogg Opus
// stream over the browser package's WebAssembly libopus, bundled as a page
// would load it, timed inside the page (performance.now()) on the same PCM.
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { rollup } from "rollup";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const ENTRY = `
import { OggOpusStream } from "@avatarkit/core/audio";
import { browserOpusEncoderFactory } from ${JSON.stringify(resolve("packages/browser/src/opus-encoder.ts"))};
let pcm;
window.encode = async (serial, o) => {
  pcm ??= new Uint8Array(await (await fetch("/speech.pcm")).arrayBuffer());
  const start = performance.now();
  const stream = await OggOpusStream.open(browserOpusEncoderFactory, {
    sampleRate: o.rate, frameDurationMs: o.frameMs, application: "audio", bitrate: o.bitrate, serial, keepStream: false,
  });
  let bytes = 0;
  for (let at = 0; at < pcm.length; at += o.chunkBytes) bytes += stream.push(pcm.subarray(at, at + o.chunkBytes)).length;
  bytes += stream.end().length;
  return { wallMs: performance.now() - start, bytes };
};
window.ready = true;
`;

/**
 * Bundles the encoder page, serves it with the PCM on loopback and opens it
 * in Chromium. Returns a contender for encoder.mjs (`once(serial)`), or
 * undefined when Chromium is not installed. Run from the repository root.
 */
export async function startChromiumEncoder({ pcm, rate, bitrate, frameMs, chunkBytes }) {
  if (!existsSync(CHROMIUM_PATH)) return undefined;
  const { chromium } = await import("playwright-core");
  const { browserBundlePlugins } = await import(resolve("rollup.config.mjs"));
  const dir = await mkdtemp(join(tmpdir(), "avatarkit-bench-chromium-"));
  const bundle = await rollup({
    input: { page: "\0page" },
    plugins: [{ name: "page", resolveId: (id) => (id === "\0page" ? id : null), load: (id) => (id === "\0page" ? ENTRY : null) }, ...browserBundlePlugins()],
    logLevel: "silent",
  });
  await bundle.write({ dir, format: "esm", entryFileNames: "[name].js" });
  await bundle.close();
  await copyFile(createRequire(resolve("packages/browser/package.json")).resolve("@evan/opus/wasm/opus.wasm"), join(dir, "opus.wasm"));
  await writeFile(join(dir, "speech.pcm"), pcm);
  await writeFile(join(dir, "index.html"), '<!doctype html><script type="module" src="/page.js"></script>');
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".pcm": "application/octet-stream" };
  const server = createServer(async (req, res) => {
    const name = new URL(req.url ?? "/", "http://x").pathname.slice(1) || "index.html";
    try {
      const body = await readFile(join(dir, name.replace(/[^\w.-]/g, "")));
      res.writeHead(200, { "Content-Type": types[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.ready === true);
  const options = { rate, bitrate, frameMs, chunkBytes };
  return {
    version: browser.version(),
    /** Encodes the PCM once in the page; CPU time is not measurable there. */
    once: async (serial) => ({ ...(await page.evaluate(([s, o]) => window.encode(s, o), [serial, options])), cpuMs: Number.NaN }),
    close: async () => {
      await browser.close();
      server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
