#!/usr/bin/env node
// The browser demo's server: the page, the built browser bundle, the sample
// clip, and POST /api/session, which mints a session token with the API key
// (createSessionToken from @avatarkit/node) and hands the page only the token.
// Against the local simulator by default; against the real service when the
// AVATAR_* variables are set (see README.md).
//
//   node server.mjs [--port N]
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createSessionToken } from "@avatarkit/node";
import { connectTarget } from "@avatarkit/examples-shared";

const PUBLIC = new URL("./public/", import.meta.url);
const ASSETS = new URL("../assets/", import.meta.url);
/** The built browser bundle: packages/browser/dist (`pnpm build`). */
const SDK_DIST = new URL("./", import.meta.resolve("@avatarkit/browser"));

/** How long the tokens minted for the page live. */
const TOKEN_TTL_MS = 10 * 60_000;

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".pcm": "application/octet-stream",
};

/** URL path → file, for the few files the page needs (nothing else is served). */
function fileFor(pathname) {
  if (pathname === "/" || pathname === "/index.html") return new URL("index.html", PUBLIC);
  if (pathname === "/app.js" || pathname === "/face.js" || pathname === "/style.css") return new URL(pathname.slice(1), PUBLIC);
  if (pathname === "/assets/speech-16k.pcm") return new URL("speech-16k.pcm", ASSETS);
  // The bundle, its lazy chunks, the Opus encoder's WebAssembly and the microphone's AudioWorklet processor.
  const sdk = /^\/sdk\/(avatarkit\.browser\.[\w.-]+\.js(?:\.map)?|opus\.wasm|capture-worklet\.js)$/.exec(pathname);
  if (sdk) return new URL(sdk[1], SDK_DIST);
  return undefined;
}

/**
 * A strict Content-Security-Policy: scripts from this server only (no eval;
 * WebAssembly allowed for the Opus encoder; the microphone's AudioWorklet is
 * a script from 'self' too, no blob: or data:), connections to this server
 * and the ingress only.
 */
function contentSecurityPolicy(ingressEndpointUrl) {
  const ingress = new URL(ingressEndpointUrl);
  const ws = `${ingress.protocol.replace(/^http/, "ws")}//${ingress.host}`;
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${ws}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

/**
 * Starts the demo server for `target` (credentials and endpoints). Resolves
 * with its URL and a `close()`.
 * @param {{ apiKey: string, appId: string, avatarId: string, consoleEndpointUrl: string, ingressEndpointUrl: string }} target
 * @param {{ port?: number, host?: string }} [options]
 */
export async function startDemoServer(target, { port = 0, host = "127.0.0.1" } = {}) {
  const csp = contentSecurityPolicy(target.ingressEndpointUrl);
  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    try {
      if (pathname === "/api/session") {
        if (req.method !== "POST") return send(res, 405, "application/json", JSON.stringify({ message: "POST only" }));
        // The API key stays here: the page receives a short-lived token and what it needs to connect.
        const sessionToken = await createSessionToken({
          apiKey: target.apiKey,
          consoleEndpointUrl: target.consoleEndpointUrl,
          expireAt: new Date(Date.now() + TOKEN_TTL_MS),
        });
        const body = { sessionToken, appId: target.appId, avatarId: target.avatarId, ingressEndpointUrl: target.ingressEndpointUrl };
        return send(res, 200, "application/json", JSON.stringify(body));
      }
      const file = req.method === "GET" || req.method === "HEAD" ? fileFor(pathname) : undefined;
      if (file === undefined) return send(res, 404, "text/plain", "Not found");
      const type = TYPES[pathname.slice(pathname.lastIndexOf("."))] ?? TYPES[".html"];
      res.setHeader("Content-Security-Policy", csp);
      return send(res, 200, type, await readFile(file));
    } catch (error) {
      const status = error?.code === "ENOENT" ? 404 : 502;
      const message = error?.code === "ENOENT" ? "Not found (run `pnpm build` for the SDK bundle)" : `${error?.code ?? "error"}: ${error?.message}`;
      return send(res, status, "application/json", JSON.stringify({ message }));
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res, status, type, body) {
  res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" }).end(body);
}

/** The service from AVATAR_* variables, or a simulator paced like the service (25 frames a second). */
function demoTarget() {
  return connectTarget(process.env, { frameIntervalMs: 40 });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "5173" } } });
  const target = await demoTarget();
  const demo = await startDemoServer(target, { port: Number(values.port) });
  console.log(`Target: ${target.simulated ? "local simulator" : "avatar service"} (${target.ingressEndpointUrl})`);
  console.log(`Browser demo: ${demo.url}  (Ctrl+C to stop)`);
  const stop = async () => {
    await demo.close();
    await target.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
