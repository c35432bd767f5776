// Builds every package's dist/ (ESM + .d.ts). `pnpm build` runs this.
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import terser from "@rollup/plugin-terser";
import { dts } from "rollup-plugin-dts";
import esbuild from "rollup-plugin-esbuild";

const pkg = (name) => JSON.parse(readFileSync(`packages/${name}/package.json`, "utf8"));

/** Bare imports stay external: a package's dependencies are installed next to it. */
const external = (id) => !id.startsWith(".") && !id.startsWith("/") && !id.startsWith("\0");

/** Empties a package's dist/ when its first build starts, so that no chunk of an earlier build lingers. */
function cleanDist(name) {
  return { name: "avatarkit-clean-dist", buildStart: () => rmSync(`packages/${name}/dist`, { recursive: true, force: true }) };
}

/** One JS bundle and one declaration bundle per entry of a package. */
function entries(name, inputs, { plugins = [], clean = true } = {}) {
  const input = Object.fromEntries(inputs.map((i) => [i, `packages/${name}/src/${i}.ts`]));
  return [
    {
      input,
      external,
      plugins: [...(clean ? [cleanDist(name)] : []), esbuild({ target: "es2022", sourceMap: true, tsconfig: "tsconfig.base.json" }), ...plugins],
      output: { dir: `packages/${name}/dist`, format: "esm", sourcemap: true, entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js" },
    },
    {
      input,
      external,
      plugins: [dts({ tsconfig: "tsconfig.base.json" })],
      output: { dir: `packages/${name}/dist`, format: "esm", entryFileNames: "[name].d.ts" },
    },
  ];
}

/** Workspace packages that self-contained bundles inline from their sources. */
const WORKSPACE_SOURCES = {
  "@avatarkit/core": "packages/core/src/index.ts",
  "@avatarkit/core/audio": "packages/core/src/audio.ts",
  "@avatarkit/core/platform": "packages/core/src/platform.ts",
  "@avatarkit/node": "packages/node/src/index.ts",
  "@avatarkit/browser": "packages/browser/src/index.ts",
};

/**
 * Resolves `@avatarkit/*` to the TypeScript sources, so that a bundle needs no
 * prior build. Their modules are marked free of side effects, as the
 * packages' `"sideEffects": false` says, so that code only the lazy encoder
 * chunk uses stays in that chunk.
 */
export function workspaceSources() {
  const sources = new Set(Object.values(WORKSPACE_SOURCES).map((file) => resolve(file, "..")));
  const ours = (id) => [...sources].some((dir) => id.startsWith(dir));
  return {
    name: "avatarkit-workspace-sources",
    resolveId: (id) => (id in WORKSPACE_SOURCES ? resolve(WORKSPACE_SOURCES[id]) : null),
    transform: (_code, id) => (ours(id) ? { code: null, moduleSideEffects: false } : null),
  };
}

/**
 * Emits libopus' WebAssembly file as `opus.wasm` next to the encoder chunk,
 * which fetches it with `new URL("./opus.wasm", import.meta.url)`.
 */
function opusWasm() {
  const file = createRequire(resolve("packages/browser/package.json")).resolve("@evan/opus/wasm/opus.wasm");
  return {
    name: "avatarkit-opus-wasm",
    buildStart() {
      this.emitFile({ type: "asset", fileName: "opus.wasm", source: readFileSync(file) });
    },
  };
}

/**
 * Emits the microphone capture's AudioWorklet processor as
 * `capture-worklet.js` next to the bundle, which loads it with
 * `audioWorklet.addModule(new URL("./capture-worklet.js", import.meta.url))`
 * (a file of its own, so strict Content-Security-Policies allow it).
 */
function captureWorklet() {
  return {
    name: "avatarkit-capture-worklet",
    buildStart() {
      this.emitFile({ type: "asset", fileName: "capture-worklet.js", source: readFileSync("packages/browser/src/capture-worklet.js", "utf8") });
    },
  };
}

/**
 * The plugins of the self-contained browser bundle: core and `ofetch`
 * inlined, browser builds of dependencies (`isomorphic-ws` → the global
 * WebSocket), minified. Class names are kept: errors report them in `name`.
 * `bench/bundle-size.mjs` measures with the same plugins.
 */
export function browserBundlePlugins() {
  return [
    workspaceSources(),
    nodeResolve({ browser: true, exportConditions: ["browser"], preferBuiltins: false }),
    esbuild({ target: "es2022", sourceMap: true, tsconfig: "tsconfig.base.json" }),
    terser({ ecma: 2020, module: true, keep_classnames: true, format: { comments: false } }),
  ];
}

/** For bundles that inline the workspace packages: only npm dependencies stay external. */
const externalExceptWorkspace = (id) => external(id) && !(id in WORKSPACE_SOURCES);

pkg("core"); // fail fast if the layout changes

export default [
  ...entries("core", ["index", "platform", "audio"]),
  ...entries("node", ["index"]),
  ...entries("simulator", ["index", "cli", "gen"]),
  ...entries("browser", ["index"], { plugins: [opusWasm(), captureWorklet()] }),
  // The browser bundle pages import directly (and the e2e tests load): one ESM file, the encoder in its own chunk.
  {
    input: { "avatarkit.browser.min": "packages/browser/src/index.ts" },
    // The encoder chunk imports what it shares with the entry from the entry itself, not from a third file.
    preserveEntrySignatures: "allow-extension",
    plugins: [...browserBundlePlugins(), opusWasm(), captureWorklet()],
    output: {
      dir: "packages/browser/dist",
      format: "esm",
      sourcemap: true,
      entryFileNames: "[name].js",
      chunkFileNames: "avatarkit.browser.[name]-[hash].min.js",
    },
  },
  ...entries("sdk", ["browser", "node"]),
  // Node's entry as CommonJS, for `require("@avatarkit/sdk")`: core and @avatarkit/node inlined.
  {
    input: "packages/sdk/src/node.ts",
    external: externalExceptWorkspace,
    plugins: [workspaceSources(), esbuild({ target: "es2022", sourceMap: true, tsconfig: "tsconfig.base.json" })],
    // One file: Node's lazily loaded encoder is inlined (its .wasm is still read on first use).
    output: { file: "packages/sdk/dist/node.cjs", format: "cjs", sourcemap: true, exports: "named", inlineDynamicImports: true },
  },
  {
    input: "packages/sdk/src/node.ts",
    external: externalExceptWorkspace,
    plugins: [workspaceSources(), dts({ tsconfig: "tsconfig.base.json" })],
    output: { file: "packages/sdk/dist/node.d.cts", format: "esm", inlineDynamicImports: true },
  },
];
