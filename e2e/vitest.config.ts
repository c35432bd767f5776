import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * The e2e tests: Chromium (the system's /usr/bin/chromium, driven by
 * playwright-core) loads pages that import the built browser bundle, against
 * the simulator. They read `packages/browser/dist`: run `pnpm build` first.
 * Each file launches Chromium once.
 */
export default defineConfig({
  root,
  test: {
    include: ["e2e/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
