/**
 * `@avatarkit/sdk` as consumers resolve it: a temporary project with the
 * package linked into its node_modules, checked in child processes (each with
 * its own export conditions), and by TypeScript's module resolution.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DEMO_CREDENTIALS, startSimulator } from "@avatarkit/simulator";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const sdkDir = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(join(sdkDir, "package.json"), "utf8")) as {
  exports: Record<string, unknown>;
  sideEffects: boolean;
  type: string;
};

let consumer: string;

beforeAll(() => {
  if (!existsSync(join(sdkDir, "dist/node.cjs"))) throw new Error("packages/sdk/dist is missing: run `pnpm build` first");
  consumer = mkdtempSync(join(tmpdir(), "avatarkit-sdk-consumer-"));
  mkdirSync(join(consumer, "node_modules/@avatarkit"), { recursive: true });
  symlinkSync(sdkDir, join(consumer, "node_modules/@avatarkit/sdk"), "dir");
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
});

afterAll(() => {
  if (consumer) rmSync(consumer, { recursive: true, force: true });
});

/** Runs an ES module in the consumer project with extra `--conditions`; returns its stdout as JSON. */
async function esm(code: string, conditions: string[] = [], env: Record<string, string> = {}): Promise<unknown> {
  const file = join(consumer, `check-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  const args = [...conditions.map((c) => `--conditions=${c}`), file];
  const { stdout } = await exec(process.execPath, args, { cwd: consumer, env: { ...process.env, ...env } });
  return JSON.parse(stdout);
}

/** Runs a CommonJS script in the consumer project; returns its stdout as JSON. */
async function cjs(code: string, env: Record<string, string> = {}): Promise<unknown> {
  const file = join(consumer, `check-${Math.random().toString(36).slice(2)}.cjs`);
  writeFileSync(file, code);
  const { stdout } = await exec(process.execPath, [file], { cwd: consumer, env: { ...process.env, ...env } });
  return JSON.parse(stdout);
}

/** Every condition name used anywhere in the exports map. */
function conditionsOf(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === "object" && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (!key.startsWith(".")) found.add(key);
      conditionsOf(inner, found);
    }
  }
  return found;
}

/** Every file target of the exports map. */
function targetsOf(value: unknown, found: string[] = []): string[] {
  if (typeof value === "string") found.push(value);
  else if (typeof value === "object" && value !== null) for (const inner of Object.values(value)) targetsOf(inner, found);
  return found;
}

describe("package.json", () => {
  it("is ESM first, side-effect free, and keeps to the conditions browser, node, default, types, import, require", () => {
    expect(manifest.type).toBe("module");
    expect(manifest.sideEffects).toBe(false);
    expect([...conditionsOf(manifest.exports)].sort()).toEqual(["browser", "default", "import", "node", "require", "types"]);
    expect(Object.keys(manifest.exports)).toEqual([".", "./browser", "./node", "./package.json"]);
  });

  it("lists types first wherever types are given, and every target exists", () => {
    const check = (value: unknown) => {
      if (typeof value !== "object" || value === null) return;
      const keys = Object.keys(value);
      if (keys.includes("types")) expect(keys[0]).toBe("types");
      for (const inner of Object.values(value)) check(inner);
    };
    check(manifest.exports);
    for (const target of targetsOf(manifest.exports)) expect(existsSync(join(sdkDir, target)), target).toBe(true);
  });
});

describe("resolution in Node", () => {
  const resolveAll = `console.log(JSON.stringify(["@avatarkit/sdk", "@avatarkit/sdk/browser", "@avatarkit/sdk/node"].map((s) => import.meta.resolve(s).replace(/^.*\\/sdk\\//, ""))));`;

  it("the default and node conditions give the Node build", async () => {
    expect(await esm(resolveAll)).toEqual(["dist/node.js", "dist/browser.js", "dist/node.js"]);
  });

  it("the browser condition gives the browser build", async () => {
    expect(await esm(resolveAll, ["browser"])).toEqual(["dist/browser.js", "dist/browser.js", "dist/node.js"]);
  });

  it("each build binds its platform: header auth in Node, query auth in browsers", async () => {
    const code = `
      const m = await import("@avatarkit/sdk");
      const s = new m.AvatarSession({ appId: "a", avatarId: "b", sessionToken: "t", ingressEndpointUrl: "wss://x.invalid" });
      console.log(JSON.stringify({ queryAuth: s.config.useQueryAuth }));`;
    expect(await esm(code)).toEqual({ queryAuth: false });
    expect(await esm(code, ["browser"])).toEqual({ queryAuth: true });
  });

  it('require("@avatarkit/sdk") from CommonJS gives the .cjs Node build, which works end to end', async () => {
    const sim = await startSimulator();
    try {
      const script = `
        const sdk = require("@avatarkit/sdk");
        const { AvatarSDKError, ConfigurationError, newAvatarSession, generateLogId } = sdk;
        (async () => {
          let last = false;
          const session = newAvatarSession({
            apiKey: process.env.API_KEY, appId: process.env.APP_ID, avatarId: process.env.AVATAR_ID,
            consoleEndpointUrl: process.env.CONSOLE, ingressEndpointUrl: process.env.INGRESS,
            expireAt: new Date(Date.now() + 60000),
            transportFrames: (frame, isLast) => { if (isLast) last = true; },
          });
          await session.init();
          const connectionId = await session.start();
          await session.sendAudio(new Uint8Array(6400), true);
          while (!last) await new Promise((r) => setTimeout(r, 5));
          await session.close();
          // The encoder inlined in the .cjs still finds libopus' .wasm in @evan/opus.
          let ogg;
          const encoded = newAvatarSession({
            apiKey: process.env.API_KEY, appId: process.env.APP_ID, avatarId: process.env.AVATAR_ID,
            consoleEndpointUrl: process.env.CONSOLE, ingressEndpointUrl: process.env.INGRESS,
            expireAt: new Date(Date.now() + 60000), audioFormat: "ogg_opus", oggOpusEncoder: {},
            onEncodedAudio: (_reqId, stream) => { ogg = Buffer.from(stream); },
          });
          await encoded.init();
          await encoded.start();
          await encoded.sendAudio(new Uint8Array(640), true);
          await encoded.close();
          console.log(JSON.stringify({
            ogg: ogg.subarray(0, 4).toString("latin1"),
            resolved: require.resolve("@avatarkit/sdk").replace(/^.*\\/sdk\\//, ""),
            connectionId,
            logId: /^\\d{14}_/.test(generateLogId()),
            errors: new ConfigurationError("f", "m") instanceof AvatarSDKError,
          }));
        })().catch((e) => { console.error(e); process.exit(1); });`;
      const result = await cjs(script, {
        API_KEY: DEMO_CREDENTIALS.apiKey,
        APP_ID: DEMO_CREDENTIALS.appId,
        AVATAR_ID: DEMO_CREDENTIALS.avatarId,
        CONSOLE: sim.consoleEndpointUrl,
        INGRESS: sim.ingressEndpointUrl,
      });
      expect(result).toEqual({ ogg: "OggS", resolved: "dist/node.cjs", connectionId: sim.connections[0]!.id, logId: true, errors: true });
      expect(sim.connections[0]).toMatchObject({ auth: "header", apiKeySeen: false });
    } finally {
      await sim.close();
    }
  });
});

describe("resolution in TypeScript", () => {
  function typesFor(specifier: string, options: ts.CompilerOptions, mode: ts.ResolutionMode): string | undefined {
    const from = join(consumer, mode === ts.ModuleKind.CommonJS ? "index.cts" : "index.mts");
    const resolved = ts.resolveModuleName(specifier, from, options, ts.sys, undefined, undefined, mode).resolvedModule;
    return resolved?.resolvedFileName.replace(/^.*\/sdk\//, "");
  }
  const node16 = { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 };
  const bundler = { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler };

  it("finds the declarations of each build", () => {
    expect(typesFor("@avatarkit/sdk", node16, ts.ModuleKind.ESNext)).toBe("dist/node.d.ts");
    expect(typesFor("@avatarkit/sdk", node16, ts.ModuleKind.CommonJS)).toBe("dist/node.d.cts");
    expect(typesFor("@avatarkit/sdk", { ...bundler, customConditions: ["browser"] }, ts.ModuleKind.ESNext)).toBe("dist/browser.d.ts");
    expect(typesFor("@avatarkit/sdk/browser", bundler, ts.ModuleKind.ESNext)).toBe("dist/browser.d.ts");
    expect(typesFor("@avatarkit/sdk/node", node16, ts.ModuleKind.CommonJS)).toBe("dist/node.d.cts");
  });

  it("a CommonJS consumer type-checks against the self-contained .d.cts", () => {
    const file = join(consumer, "consumer.cts");
    writeFileSync(
      file,
      `import sdk = require("@avatarkit/sdk");
       const session: sdk.AvatarSession = sdk.newAvatarSession({ appId: "a", avatarId: "b", sessionToken: "t", ingressEndpointUrl: "wss://x" });
       const code: sdk.AvatarSDKErrorCode = "connectionFailed";
       export = { session, code };`,
    );
    const program = ts.createProgram([file], { ...node16, strict: true, noEmit: true, skipLibCheck: false, types: [] });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);
  });
});
