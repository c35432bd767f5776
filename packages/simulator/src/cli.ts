/**
 * `avatarkit-simulator [options]`: runs a simulator until SIGINT or SIGTERM
 * (`--help` lists the options).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DEMO_CREDENTIALS, type SimulatorOptions } from "./options";
import { startSimulator } from "./server";

const USAGE = `Usage: avatarkit-simulator [options]
  --port N                             TCP port (default: any free port)
  --host H                             loopback address (default 127.0.0.1)
  --frame-interval-ms N                pace animation frames (default 0: as fast as the client reads)
  --idle-timeout-ms N                  close sessions without audio for this long (default 60000; 0 disables)
  --max-records N                      connection and token records kept (default 1000)
  --legacy                             behave like a server of the 0.1.7 era (no capabilities, states or close codes)
  --pause-timeout-ms N                 interrupt a request paused this long (default 30000; 0 never)
  --max-concurrent-sessions-per-app N  refuse further sessions of an app with close code 4003
  --refuse-egress-token T              a LiveKit or Agora token the room refuses (repeatable)
  --session-token-field F              the token reply's field: sessionToken (default) or session_token
  --egress-control-frames M            egress control frames: end (default) or every-frame`;

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
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "frame-interval-ms": { type: "string" },
        "idle-timeout-ms": { type: "string" },
        "max-records": { type: "string" },
        legacy: { type: "boolean" },
        "pause-timeout-ms": { type: "string" },
        "max-concurrent-sessions-per-app": { type: "string" },
        "refuse-egress-token": { type: "string", multiple: true },
        "session-token-field": { type: "string" },
        "egress-control-frames": { type: "string" },
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
  const options: SimulatorOptions = {
    port: integer("port", str("port")) ?? 0,
    host: str("host"),
    frameIntervalMs: integer("frame-interval-ms", str("frame-interval-ms")),
    idleTimeoutMs: integer("idle-timeout-ms", str("idle-timeout-ms")),
    // A server left running keeps only recent records (each holds the audio and frames of a session).
    maxRecords: integer("max-records", str("max-records")) ?? 1000,
    legacy: values.legacy === true,
    pauseTimeoutMs: integer("pause-timeout-ms", str("pause-timeout-ms")),
    maxConcurrentSessionsPerApp: integer("max-concurrent-sessions-per-app", str("max-concurrent-sessions-per-app")),
    refusedEgressTokens: values["refuse-egress-token"] as string[] | undefined,
    sessionTokenField: str("session-token-field") as SimulatorOptions["sessionTokenField"],
    egressControlFrames: str("egress-control-frames") as SimulatorOptions["egressControlFrames"],
  };
  let simulator;
  try {
    simulator = await startSimulator(options);
  } catch (error) {
    if (error instanceof TypeError) fail(error.message);
    throw error;
  }
  process.stdout.write(
    [
      `avatarkit simulator listening${options.legacy ? " (legacy mode)" : ""}`,
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
