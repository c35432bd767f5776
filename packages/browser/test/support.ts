import { DEMO_CREDENTIALS, type Simulator } from "@avatarkit/simulator";
import type { SessionOptions } from "../src/index";

// The helpers the Node integration tests use serve here too.
export { recorder, rejection, tone, useSimulator, waitFor, type Recorder } from "../../node/test/support";

/** Options for a session against `sim` with a token minted by the simulator and no API key: the browser's recommended path. */
export function tokenOptions(sim: Simulator, extra: Partial<SessionOptions> = {}): SessionOptions {
  return {
    sessionToken: sim.mintToken(DEMO_CREDENTIALS.appId, new Date(Date.now() + 5 * 60_000)),
    appId: DEMO_CREDENTIALS.appId,
    avatarId: DEMO_CREDENTIALS.avatarId,
    ingressEndpointUrl: sim.ingressEndpointUrl,
    logger: { warn: () => {} },
    ...extra,
  };
}
