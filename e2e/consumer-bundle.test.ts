/**
 * A fresh consumer, as a Vite or Rollup user writes it: a page whose code
 * does `import { newAvatarSession } from "@avatarkit/sdk"`, bundled by Rollup
 * with browser resolution and no Node polyfills, streams to the simulator in
 * Chromium. The package is resolved through its `exports` map (the `browser`
 * condition), from the built dist, as npm would install it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import { DEMO_CREDENTIALS, startSimulator } from "@avatarkit/simulator";
import { rollup } from "rollup";
import { describe, expect, it } from "vitest";
import { useChromium } from "./support/chromium";
import { startStaticServer, type ExtraFiles } from "./support/static-server";

const browser = useChromium();

const PAGE_CODE = `
import { newAvatarSession, AvatarSDKError } from "@avatarkit/sdk";

const options = JSON.parse(decodeURIComponent(location.hash.slice(1)));
const state = { frames: 0, last: false, errors: [], isSdkError: false };
window.consumer = state;
const session = newAvatarSession({
  ...options,
  transportFrames: (frame, isLast) => {
    state.frames++;
    if (isLast) state.last = true;
  },
  onError: (error) => state.errors.push(error.code),
});
try {
  state.connectionId = await session.start();
  state.reqId = await session.sendAudio(new Uint8Array(16000), true); // 0.5 s of silence
} catch (error) {
  state.failed = String(error);
}
state.isSdkError = new AvatarSDKError("unknown", "x") instanceof AvatarSDKError;
`;

/** Bundles PAGE_CODE the way a bundler resolves packages for browsers. */
async function bundleConsumer(): Promise<Record<string, string>> {
  const bundle = await rollup({
    input: { consumer: "consumer" },
    plugins: [
      { name: "page", resolveId: (id) => (id === "consumer" ? "\0consumer" : null), load: (id) => (id === "\0consumer" ? PAGE_CODE : null) },
      // Resolution from the e2e package, where @avatarkit/sdk is installed; no polyfills for Node built-ins.
      nodeResolve({ browser: true, exportConditions: ["browser"], preferBuiltins: false, rootDir: join(process.cwd(), "e2e") }),
    ],
    onwarn: (warning) => {
      // @bufbuild/protobuf's TypeScript helpers test `this` at module level (size-delimited.js), which Rollup notes and
      // rewrites to undefined, as intended there. Every other warning fails the test.
      if (warning.code === "THIS_IS_UNDEFINED" && /@bufbuild[\\/]protobuf/.test(warning.id ?? "")) return;
      throw new Error(`rollup: ${warning.message}`);
    },
  });
  const { output } = await bundle.write({ dir: mkdtempSync(join(tmpdir(), "avatarkit-consumer-")), format: "esm" });
  await bundle.close();
  return Object.fromEntries(output.flatMap((o) => (o.type === "chunk" ? [[o.fileName, o.code]] : [])));
}

describe("a consumer bundle of @avatarkit/sdk", () => {
  it("resolves to the browser build, needs no Node polyfills, and streams in Chromium", async () => {
    const files = await bundleConsumer();
    const code = Object.values(files).join("\n");
    // @bufbuild/protobuf's int64 support reads process.env.BUF_BIGINT_DISABLE behind `typeof process` checks: harmless in a page.
    const guarded = /typeof process != "object" \|\|\s*typeof process\.env != "object" \|\|\s*process\.env\.BUF_BIGINT_DISABLE !== "1"/g;
    // Whole-line comments (the protobuf runtime's license names "Protocol Buffer") are not code.
    expect(code.replace(guarded, "").replace(/^\s*\/\/.*$/gm, "")).not.toMatch(/["']node:|\brequire\(|\bBuffer\b|\bprocess\b/);
    expect(code).not.toMatch(/from\s*["']ws["']/);

    const sim = await startSimulator();
    const extra: ExtraFiles = { "/consumer.html": { type: "text/html", body: '<!doctype html><script type="module" src="/consumer/consumer.js"></script>' } };
    for (const [name, body] of Object.entries(files)) extra[`/consumer/${name}`] = { type: "text/javascript", body };
    const server = await startStaticServer(extra);
    const context = await browser().newContext();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
      const options = {
        sessionToken: sim.mintToken(DEMO_CREDENTIALS.appId, new Date(Date.now() + 60_000)),
        appId: DEMO_CREDENTIALS.appId,
        avatarId: DEMO_CREDENTIALS.avatarId,
        ingressEndpointUrl: sim.ingressEndpointUrl,
      };
      await page.goto(`${server.origin}/consumer.html#${encodeURIComponent(JSON.stringify(options))}`);
      await page
        .waitForFunction(() => (window as unknown as { consumer?: { last: boolean; failed?: string } }).consumer?.last || (window as unknown as { consumer?: { failed?: string } }).consumer?.failed, undefined, { timeout: 10_000 })
        .catch((error: Error) => {
          throw new Error(`${error.message}; page problems: ${JSON.stringify(problems)}`);
        });
      const state = await page.evaluate(() => (window as unknown as { consumer: Record<string, unknown> }).consumer);
      expect(state).toMatchObject({ frames: 13, last: true, errors: [], isSdkError: true, connectionId: sim.connections[0]!.id });
      expect(sim.connections[0]).toMatchObject({ auth: "query", apiKeySeen: false });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
      await server.close();
      await sim.close();
    }
  });
});
