/**
 * Chromium for the e2e tests: the system's /usr/bin/chromium (Playwright's
 * own browser downloads are not used), launched once per test file.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";

/** Where Chromium is: `CHROMIUM_PATH`, or Debian's package. */
export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Launches Chromium before the file's tests and closes it after them. */
export function useChromium(): () => Browser {
  return useChromiumWith(() => []);
}

/**
 * Launches Chromium with extra switches, `args()` (read when the file's tests
 * start), before the file's tests and closes it after them.
 */
export function useChromiumWith(args: () => string[]): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...ARGS, ...args()] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (browser === undefined) throw new Error("Chromium is not running");
    return browser;
  };
}
