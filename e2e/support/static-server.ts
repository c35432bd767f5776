/**
 * A tiny static server for the e2e harness page: the page and its script,
 * the built browser bundle under /sdk/, and the sample clip. Every answer
 * carries a strict Content-Security-Policy (no eval, WebAssembly allowed),
 * so the bundle is tested as a CSP-locked page would run it.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const PAGES = new URL("../pages/", import.meta.url);
export const BROWSER_DIST = new URL("../../packages/browser/dist/", import.meta.url);
const ASSETS = new URL("../../examples/assets/", import.meta.url);

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".pcm": "application/octet-stream",
};

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "img-src data:",
  "connect-src 'self' ws://127.0.0.1:* http://127.0.0.1:*",
].join("; ");

function fileFor(pathname: string): URL | undefined {
  if (pathname === "/harness.html" || pathname === "/harness.js") return new URL(pathname.slice(1), PAGES);
  if (pathname === "/assets/speech-16k.pcm") return new URL("speech-16k.pcm", ASSETS);
  const sdk = /^\/sdk\/(avatarkit\.browser\.[\w.-]+\.js(?:\.map)?|opus\.wasm)$/.exec(pathname);
  return sdk ? new URL(sdk[1]!, BROWSER_DIST) : undefined;
}

/** A running static server. */
export interface StaticServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  close(): Promise<void>;
}

/** Extra documents to serve, by path: their content type and body. */
export type ExtraFiles = Record<string, { type: string; body: string | Uint8Array }>;

/**
 * Starts the server on a free loopback port. Pages must come from a real
 * loopback origin: Chromium blocks a page it does not place on the local
 * network (one fulfilled by interception, say) from reaching loopback.
 */
export async function startStaticServer(extra: ExtraFiles = {}): Promise<StaticServer> {
  if (!existsSync(new URL("avatarkit.browser.min.js", BROWSER_DIST))) {
    throw new Error("packages/browser/dist/avatarkit.browser.min.js is missing: run `pnpm build` first");
  }
  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    const added = extra[pathname];
    if (added !== undefined) {
      res.writeHead(200, { "Content-Type": added.type, "Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-store" });
      res.end(added.body);
      return;
    }
    const file = fileFor(pathname);
    if (file === undefined || !existsSync(file)) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Not found");
      return;
    }
    res.writeHead(200, {
      "Content-Type": TYPES[pathname.slice(pathname.lastIndexOf("."))] ?? "application/octet-stream",
      "Content-Security-Policy": CONTENT_SECURITY_POLICY,
      "Cache-Control": "no-store",
    });
    res.end(await readFile(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
