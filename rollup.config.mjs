// Builds every package's dist/ (ESM + .d.ts). `pnpm build` runs this.
import { readFileSync } from "node:fs";
import { dts } from "rollup-plugin-dts";
import esbuild from "rollup-plugin-esbuild";

const pkg = (name) => JSON.parse(readFileSync(`packages/${name}/package.json`, "utf8"));

/** Bare imports stay external: a package's dependencies are installed next to it. */
const external = (id) => !id.startsWith(".") && !id.startsWith("/") && !id.startsWith("\0");

/** One JS bundle and one declaration bundle per entry of a package. */
function entries(name, inputs) {
  const input = Object.fromEntries(inputs.map((i) => [i, `packages/${name}/src/${i}.ts`]));
  return [
    {
      input,
      external,
      plugins: [esbuild({ target: "es2022", sourceMap: true, tsconfig: "tsconfig.base.json" })],
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

pkg("core"); // fail fast if the layout changes

export default [
  ...entries("core", ["index"]),
  ...entries("node", ["index"]),
  ...entries("simulator", ["index", "cli", "gen"]),
];
