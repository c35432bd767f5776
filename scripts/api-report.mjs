// The public surface of each published entry, as API Extractor reports it
// from the built declarations (`pnpm build` first). `node scripts/api-report.mjs`
// fails when a report differs from the committed `packages/*/api/*.api.md`;
// `--update` rewrites them (then commit the change with the code that caused it).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Extractor, ExtractorConfig } from "@microsoft/api-extractor";

const update = process.argv.includes("--update");

/** [package folder, declaration entry in dist/, report name]. */
const ENTRIES = [
  ["core", "index", "core"],
  ["node", "index", "node"],
  ["browser", "index", "browser"],
  ["sdk", "node", "sdk-node"],
  ["sdk", "browser", "sdk-browser"],
  ["simulator", "index", "simulator"],
];

const scratch = mkdtempSync(join(tmpdir(), "avatarkit-api-"));
let changed = 0;
try {
  for (const [pkg, entry, name] of ENTRIES) {
    const folder = resolve("packages", pkg);
    mkdirSync(join(folder, "api"), { recursive: true });
    const config = ExtractorConfig.prepare({
      configObjectFullPath: join(folder, "api-extractor.json"), // virtual: the object below is the whole config
      packageJsonFullPath: join(folder, "package.json"),
      configObject: {
        projectFolder: folder,
        mainEntryPointFilePath: join(folder, "dist", `${entry}.d.ts`),
        // Our own packages' declarations are part of the surface a user sees.
        bundledPackages: ["@avatarkit/core", "@avatarkit/node", "@avatarkit/browser"],
        compiler: {
          overrideTsconfig: {
            compilerOptions: { target: "ES2022", lib: ["ES2022", "DOM"], module: "ESNext", moduleResolution: "Bundler", types: ["node"], skipLibCheck: true, strict: true },
            include: [join(folder, "dist", `${entry}.d.ts`)],
          },
        },
        apiReport: { enabled: true, reportFolder: join(folder, "api"), reportTempFolder: scratch, reportFileName: `${name}.api.md` },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: "warning" } },
          extractorMessageReporting: {
            default: { logLevel: "warning", addToApiReportFile: true },
            // Release tags (@public/@beta) are not used: everything an entry exports is public.
            "ae-missing-release-tag": { logLevel: "none" },
            // Member-level TSDoc gaps and ambiguous {@link}s are documentation issues, not surface changes.
            "ae-undocumented": { logLevel: "none" },
            "ae-unresolved-link": { logLevel: "none" },
            // rollup's declaration bundles put imports above the @packageDocumentation comment.
            "ae-misplaced-package-tag": { logLevel: "none" },
          },
          tsdocMessageReporting: { default: { logLevel: "none" } },
        },
      },
    });
    const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false });
    if (result.apiReportChanged) {
      changed++;
      console.error(update ? `updated packages/${pkg}/api/${name}.api.md` : `packages/${pkg}/api/${name}.api.md is out of date`);
    }
    if (result.errorCount > 0) throw new Error(`API Extractor failed for packages/${pkg}/dist/${entry}.d.ts`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (changed > 0 && !update) {
  console.error(
    "\nThe public API changed. If that is intended, run `pnpm api:update` and commit the reports with the change; otherwise undo the change to the surface.",
  );
  process.exit(1);
}
console.log(update ? "API reports up to date" : "API reports match the build");
