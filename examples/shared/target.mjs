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
 * the simulator if one was started. `simulatorOptions` are for that
 * simulator (e.g. `{ frameIntervalMs: 40 }` to pace frames like the service).
 * @returns {Promise<{ apiKey: string, appId: string, avatarId: string, consoleEndpointUrl: string, ingressEndpointUrl: string, simulated: boolean, close: () => Promise<void> }>}
 */
export async function connectTarget(env = process.env, simulatorOptions = {}) {
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
  const simulator = await startSimulator({ maxRecords: 200, ...simulatorOptions });
  return {
    ...DEMO_CREDENTIALS,
    consoleEndpointUrl: simulator.consoleEndpointUrl,
    ingressEndpointUrl: simulator.ingressEndpointUrl,
    simulated: true,
    close: () => simulator.close(),
  };
}

/**
 * The session options every example starts from: the target's credentials
 * and endpoints, and a token that expires in `ttlMs`.
 */
export function sessionOptionsFor(target, ttlMs = 5 * 60_000) {
  return {
    apiKey: target.apiKey,
    appId: target.appId,
    avatarId: target.avatarId,
    consoleEndpointUrl: target.consoleEndpointUrl,
    ingressEndpointUrl: target.ingressEndpointUrl,
    expireAt: new Date(Date.now() + ttlMs),
  };
}
