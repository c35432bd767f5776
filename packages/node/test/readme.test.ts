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

describe("README", () => {
  it("the simulator snippet runs as written (against the built packages)", async () => {
    // Written inside packages/node so that `@avatarkit/node` resolves to this package's dist.
    const file = fileURLToPath(new URL("./.readme-snippet.mjs", import.meta.url));
    writeFileSync(file, snippet("simulator"));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 15_000 });
      expect(stdout).toMatch(/^connection conn_\S+\nrequest \d{14}_[\w-]{12}\nframes 25\n$/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
