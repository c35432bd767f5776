// A simulator in its own process for the benchmarks: prints its endpoints as
// one JSON line, then runs until its stdin closes (or SIGTERM).
import { startSimulator } from "@avatarkit/simulator";

const options = JSON.parse(process.argv[2] ?? "{}");
const simulator = await startSimulator(options);
process.stdout.write(`${JSON.stringify({ consoleEndpointUrl: simulator.consoleEndpointUrl, ingressEndpointUrl: simulator.ingressEndpointUrl })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void simulator.close().then(() => process.exit(0));
};
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
