/**
 * Chromium with extra command-line switches, for tests that need a browser of
 * their own: a fake microphone fed from a file, the permission prompt
 * answered or not, audio allowed to start without a user gesture.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { CHROMIUM_PATH } from "./chromium";

const BASE_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/**
 * Switches for a fake microphone that plays `wavFile` (Chromium loops it);
 * `grant` answers the permission prompt with yes. Audio may start without a
 * user gesture.
 */
export function fakeMicrophoneArgs(wavFile: string | undefined, { grant = true } = {}): string[] {
  return [
    "--use-fake-device-for-media-stream",
    ...(wavFile === undefined ? [] : [`--use-file-for-fake-audio-capture=${wavFile}`]),
    ...(grant ? ["--use-fake-ui-for-media-stream"] : []),
    "--autoplay-policy=no-user-gesture-required",
  ];
}

/** Launches Chromium with `args()` (read when the file's tests start) before the tests and closes it after them. */
export function useChromiumWith(args: () => string[]): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...BASE_ARGS, ...args()] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (browser === undefined) throw new Error("Chromium is not running");
    return browser;
  };
}
