// (3) Handshake latency, one session at a time: init()+start() (token
// request, WebSocket upgrade, configure → confirm), and start() alone with a
// token minted beforehand by createSessionToken().
//
//   node bench/handshake.mjs [--runs 30]
import { parseArgs } from "node:util";
import { createSessionToken } from "@avatarkit/node";
import { DEMO_CREDENTIALS } from "@avatarkit/simulator";
import { note, report, spawnSimulator } from "./lib/processes.mjs";
import { benchSession } from "./lib/session.mjs";
import { distribution, round, summarize } from "./lib/stats.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "30" } } });
const runs = Number(values.runs);
const WARM_UP = 5;

const sim = await spawnSimulator();
try {
  const full = [];
  const token = [];
  const startOnly = [];
  for (let run = 1 - WARM_UP; run <= runs; run++) {
    const { session, state } = benchSession(sim);
    const t0 = performance.now();
    await session.init();
    const t1 = performance.now();
    await session.start();
    const t2 = performance.now();
    await session.close();
    if (state.errors.length > 0) throw new Error(`session errors: ${state.errors.map((e) => e.code).join(", ")}`);
    if (run < 1) continue;
    token.push(t1 - t0);
    full.push(t2 - t0);
  }
  for (let run = 1 - WARM_UP; run <= runs; run++) {
    const sessionToken = await createSessionToken({
      apiKey: DEMO_CREDENTIALS.apiKey,
      consoleEndpointUrl: sim.consoleEndpointUrl,
      expireAt: new Date(Date.now() + 10 * 60_000),
    });
    const { session, state } = benchSession(sim, { apiKey: undefined, consoleEndpointUrl: undefined, expireAt: undefined, sessionToken });
    const t0 = performance.now();
    await session.start();
    const t1 = performance.now();
    await session.close();
    if (state.errors.length > 0) throw new Error(`session errors: ${state.errors.map((e) => e.code).join(", ")}`);
    if (run >= 1) startOnly.push(t1 - t0);
  }
  const describe = (values) => Object.fromEntries(Object.entries({ ...summarize(values), ...distribution(values) }).map(([k, v]) => [k, round(v, 3)]));
  const result = { initAndStartMs: describe(full), initMs: describe(token), startOnlyMs: describe(startOnly) };
  note(`init+start: median ${round(result.initAndStartMs.median)} ms (init ${round(result.initMs.median)} ms); start alone with a pre-minted token: median ${round(result.startOnlyMs.median)} ms`);
  report(result);
} finally {
  await sim.close();
}
