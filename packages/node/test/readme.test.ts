import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

/** The code block that follows `<!-- readme-snippet: name -->` in the README. */
function snippet(name: string): string {
  const match = new RegExp(`<!-- readme-snippet: ${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match?.[1]) throw new Error(`README has no snippet ${name}`);
  return match[1];
}

/** Runs a snippet as written, against the built packages; resolves with its output. */
async function run(name: string): Promise<string> {
  // Written inside packages/node so that `@avatarkit/node` resolves to this package's dist.
  const file = fileURLToPath(new URL(`./.readme-snippet-${name}.mjs`, import.meta.url));
  writeFileSync(file, snippet(name));
  try {
    return (await promisify(execFile)(process.execPath, [file], { timeout: 15_000 })).stdout;
  } finally {
    rmSync(file, { force: true });
  }
}

describe("README snippets run as written", () => {
  it("simulator", async () => {
    expect(await run("simulator")).toMatch(/^connection conn_\S+\nrequest \d{14}_[\w-]{12}\nframes 25\n$/);
  });

  it("frames: decoded keyframes, interrupted frames dropped", async () => {
    const kept = Number(/^open-mouth frames (\d+)\n$/.exec(await run("frames"))?.[1]);
    expect(kept).toBeGreaterThan(20); // 1 s of sound: 25 frames, the mouth open in nearly all
    expect(kept).toBeLessThanOrEqual(25);
  });

  it("playback: capabilities, one state per pause and resume, interrupted with its reason", async () => {
    expect(await run("playback")).toBe("capabilities playback_control playback_state\nstates playing, paused, playing, interrupted (explicit)\n");
  });

  it("retry: a concurrency limit is not retryable", async () => {
    expect(await run("retry")).toBe("concurrencyLimit retryable: false\n");
  });
});
