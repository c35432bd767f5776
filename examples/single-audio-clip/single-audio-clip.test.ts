import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const script = "examples/single-audio-clip/index.mjs";

/** The example's environment, always the simulator: no AVATAR_* variables. */
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AVATAR_")));

/**
 * `--opus` needs the built-in encoder: its sources (`packages/core/src/audio`)
 * and a built Node entry that binds it (`nodePlatform.loadStreamEncoder`).
 */
async function encoderMissing(): Promise<string | false> {
  if (!existsSync(new URL("../../packages/core/src/audio", import.meta.url))) return "packages/core/src/audio does not exist yet";
  const dist = new URL("../../packages/node/dist/index.js", import.meta.url);
  if (!existsSync(dist)) return "packages/node/dist is not built (run pnpm build)";
  const node = await import(/* @vite-ignore */ dist.href);
  return node.nodePlatform?.loadStreamEncoder === undefined ? "the built @avatarkit/node does not bind an encoder (nodePlatform.loadStreamEncoder)" : false;
}

const missing = await encoderMissing();
const runExample = (...args: string[]) => run(process.execPath, [script, ...args], { cwd: root, env, timeout: 30_000 });

describe("single-audio-clip example", () => {
  it("connects, sends the clip and receives every frame", async () => {
    const { stdout } = await runExample(); // rejects on a non-zero exit
    expect(stdout).toMatch(/Connected: connection id \S+/);
    expect(stdout).toMatch(/Sent audio: request id \d{14}_[A-Za-z0-9_-]{12}/);
    const frames = Number(/Frames received: (\d+)/.exec(stdout)?.[1]);
    expect(frames).toBe(308); // ceil(12.31 s × 25)
    expect(stdout).toMatch(/Session closed/);
  });

  it.skipIf(missing)(`--opus encodes in the SDK and receives every frame${missing ? ` (skipped: ${missing})` : ""}`, async () => {
    const { stdout } = await runExample("--opus");
    expect(stdout).toMatch(/Connected: connection id \S+/);
    expect(Number(/Frames received: (\d+)/.exec(stdout)?.[1])).toBeGreaterThan(0);
  });
});
