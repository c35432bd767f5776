import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const script = "examples/single-audio-clip/index.mjs";

/** The example's environment, always the simulator: no AVATAR_* variables. */
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AVATAR_")));

const runExample = (...args: string[]) => run(process.execPath, [script, ...args], { cwd: root, env, timeout: 30_000 });

describe("single-audio-clip example", () => {
  it("connects, sends the clip and receives every frame", async () => {
    const { stdout } = await runExample(); // rejects on a non-zero exit
    expect(stdout).toMatch(/Connected: connection id \S+/);
    expect(stdout).toMatch(/Sent audio: request id \d{14}_[A-Za-z0-9_-]{12}/);
    const frames = Number(/Frames received: (\d+)/.exec(stdout)?.[1]);
    expect(frames).toBe(308); // ceil(12.31 s × 25)
    // Frames stream while audio arrives, and their keyframes say the mouth moves with the speech.
    expect(stdout).toMatch(/First frame: \d+ ms after the first chunk, while the clip was still streaming \(\d+ of 124 chunks sent\)/);
    const widest = Number(/widest (\d+\.\d+)/.exec(stdout)?.[1]);
    expect(widest).toBeGreaterThan(0.1);
    expect(stdout).toMatch(/Session closed/);
  });

  it("--opus encodes in the SDK and receives every frame", async () => {
    const { stdout } = await runExample("--opus");
    expect(stdout).toMatch(/Connected: connection id \S+/);
    expect(Number(/Frames received: (\d+)/.exec(stdout)?.[1])).toBeGreaterThan(0);
  });
});
