// Child processes: the simulator in its own process, and benchmarks that
// report one JSON line on stdout.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const SIMULATOR_CHILD = fileURLToPath(new URL("../simulator-child.mjs", import.meta.url));

/**
 * Starts a simulator in a child process (its own event loop and CPU).
 * @param {import("@avatarkit/simulator").SimulatorOptions} [options]
 * @returns {Promise<{ consoleEndpointUrl: string, ingressEndpointUrl: string, pid: number, close: () => Promise<void> }>}
 */
export async function spawnSimulator(options = {}) {
  const child = spawn(process.execPath, [SIMULATOR_CHILD, JSON.stringify(options)], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const ready = await new Promise((resolve, reject) => {
    let buffer = "";
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      const line = buffer.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line));
    });
    child.once("exit", (code) => reject(new Error(`simulator child exited with code ${code} before listening`)));
  });
  return {
    ...ready,
    pid: child.pid,
    close: async () => {
      child.stdin.end(); // the child closes when its stdin ends
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Runs `node [nodeArgs] script [args]`, forwards its stderr, and resolves
 * with the last JSON line of its stdout (its other stdout lines are
 * forwarded to stderr once it ends).
 */
export function runJsonChild(script, args = [], { nodeArgs = [], timeoutMs = 120_000, cwd, acceptExitCode = [0] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ["ignore", "pipe", "pipe"], cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const chatter = stdout.split("\n").filter((line) => line.trim() && !line.trim().startsWith("{"));
      if (chatter.length > 0) process.stderr.write(chatter.map((line) => `  ${line}\n`).join(""));
      const last = stdout.trim().split("\n").filter((line) => line.trim().startsWith("{")).pop();
      if (!acceptExitCode.includes(code)) return reject(new Error(`${script} exited with ${signal ?? code}${stderr ? `: ${stderr.trim().split("\n").pop()}` : ""}`));
      if (!last) return reject(new Error(`${script} printed no JSON line`));
      try {
        resolve(JSON.parse(last));
      } catch (error) {
        reject(new Error(`${script}: last JSON line does not parse: ${error.message}`));
      }
    });
  });
}

/** Prints the result as the last stdout line of a benchmark child. */
export function report(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Progress notes go to stderr, so stdout stays one JSON line. */
export const note = (line) => process.stderr.write(`  ${line}\n`);
