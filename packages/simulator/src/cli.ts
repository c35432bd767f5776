/**
 * `avatarkit-simulator [--port N] [--host H] [--frame-interval-ms N] [--idle-timeout-ms N] [--max-records N]`:
 * runs a simulator until SIGINT or SIGTERM.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DEMO_CREDENTIALS } from "./options";
import { startSimulator } from "./server";

const USAGE =
  "Usage: avatarkit-simulator [--port N] [--host H] [--frame-interval-ms N] [--idle-timeout-ms N] [--max-records N]";

/** Parses a non-negative integer option, or exits with the usage. */
function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "frame-interval-ms": { type: "string" },
        "idle-timeout-ms": { type: "string" },
        "max-records": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const simulator = await startSimulator({
    port: integer("port", str("port")) ?? 0,
    host: str("host"),
    frameIntervalMs: integer("frame-interval-ms", str("frame-interval-ms")),
    idleTimeoutMs: integer("idle-timeout-ms", str("idle-timeout-ms")),
    // A server left running keeps only recent records (each holds the audio and frames of a session).
    maxRecords: integer("max-records", str("max-records")) ?? 1000,
  });
  process.stdout.write(
    [
      "avatarkit simulator listening",
      `  console endpoint: ${simulator.consoleEndpointUrl}`,
      `  ingress endpoint: ${simulator.ingressEndpointUrl}`,
      `  api key:          ${DEMO_CREDENTIALS.apiKey}`,
      `  app id:           ${DEMO_CREDENTIALS.appId}`,
      `  avatar id:        ${DEMO_CREDENTIALS.avatarId}`,
      "",
    ].join("\n"),
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    void simulator.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
