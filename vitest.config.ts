import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Tests run against the TypeScript sources of every package (no build
 * needed); the bundle checks in `packages/*\/test` read `dist/`, which
 * `pnpm test` builds first.
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@avatarkit\/core$/, replacement: src("packages/core/src/index.ts") },
      { find: /^@avatarkit\/core\/audio$/, replacement: src("packages/core/src/audio.ts") },
      { find: /^@avatarkit\/core\/platform$/, replacement: src("packages/core/src/platform.ts") },
      { find: /^@avatarkit\/node$/, replacement: src("packages/node/src/index.ts") },
      { find: /^@avatarkit\/browser$/, replacement: src("packages/browser/src/index.ts") },
      { find: /^@avatarkit\/simulator\/gen$/, replacement: src("packages/simulator/src/gen.ts") },
      { find: /^@avatarkit\/simulator$/, replacement: src("packages/simulator/src/index.ts") },
    ],
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "examples/**/*.test.ts", "tools/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
