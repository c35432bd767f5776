#!/usr/bin/env node
// Starts the HTTP service and prints its URL. Against the local simulator by
// default; against the real service when the AVATAR_* variables are set.
//
//   node index.mjs [--port 8080] [--host 127.0.0.1]
import { parseArgs } from "node:util";
import { createService } from "./service.mjs";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "8080" },
    host: { type: "string", default: "127.0.0.1" },
  },
});

const service = await createService({ port: Number(values.port), host: values.host, log: (line) => console.log(line) });
const { target, url } = service;
console.log(`Target: ${target.simulated ? "local simulator" : "avatar service"} (${target.ingressEndpointUrl})`);
console.log(`Listening on ${url}`);
console.log(`  curl -sS -o frames.bin -D - --data-binary @examples/assets/speech-16k.pcm '${url}/animate?sampleRate=16000'`);
console.log(`  curl -sS -o frames.bin -D - --data-binary @speech.wav -H 'Content-Type: audio/wav' ${url}/animate`);
console.log(`  curl -sS -o frames.bin -D - ${url}/animate/sample`);
console.log(`  curl -sS -X POST ${url}/session-token`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    console.log(`${signal}: stopping`);
    void service.close().then(() => process.exit(0));
  });
}
