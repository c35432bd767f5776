// Where the examples connect: the real service when AVATAR_* variables are
// set, otherwise a local simulator started in this process.
import { DEMO_CREDENTIALS, startSimulator } from "@avatarkit/simulator";

/** The variables that select the real service. */
export const SERVICE_VARIABLES = [
  "AVATAR_API_KEY",
  "AVATAR_APP_ID",
  "AVATAR_CONSOLE_ENDPOINT",
  "AVATAR_INGRESS_ENDPOINT",
  "AVATAR_SESSION_AVATAR_ID",
];

/**
 * Returns the credentials and endpoints to use, and a `close()` that stops
 * the simulator if one was started.
 * @returns {Promise<{ apiKey: string, appId: string, avatarId: string, consoleEndpointUrl: string, ingressEndpointUrl: string, simulated: boolean, close: () => Promise<void> }>}
 */
export async function connectTarget(env = process.env) {
  const set = SERVICE_VARIABLES.filter((name) => env[name]);
  if (set.length === SERVICE_VARIABLES.length) {
    return {
      apiKey: env.AVATAR_API_KEY,
      appId: env.AVATAR_APP_ID,
      avatarId: env.AVATAR_SESSION_AVATAR_ID,
      consoleEndpointUrl: env.AVATAR_CONSOLE_ENDPOINT,
      ingressEndpointUrl: env.AVATAR_INGRESS_ENDPOINT,
      simulated: false,
      close: async () => {},
    };
  }
  if (set.length > 0) {
    const missing = SERVICE_VARIABLES.filter((name) => !env[name]);
    throw new Error(`Set all of ${SERVICE_VARIABLES.join(", ")} to use the real service (missing: ${missing.join(", ")})`);
  }
  // Examples may run for a long time: keep only recent records (each holds a session's audio and frames).
  const simulator = await startSimulator({ maxRecords: 200 });
  return {
    ...DEMO_CREDENTIALS,
    consoleEndpointUrl: simulator.consoleEndpointUrl,
    ingressEndpointUrl: simulator.ingressEndpointUrl,
    simulated: true,
    close: () => simulator.close(),
  };
}
