// The HTTP service: POST /animate turns speech into animation frames,
// POST /session-token mints a token a browser can start a session with.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { AvatarSDKError, createSessionToken } from "@avatarkit/node";
import { connectTarget } from "@avatarkit/examples-shared";
import { AnimationTimeoutError, animate } from "./animate.mjs";
import { BadAudioError, looksLikeWav, parseWav } from "./audio.mjs";

const SAMPLE_CLIP = new URL("../assets/speech-16k.pcm", import.meta.url);
const SAMPLE_CLIP_RATE = 16000;

/**
 * HTTP status for each SDK error code. 4xx: the caller's audio or request is
 * wrong. 502: this service's credentials or configuration, or the avatar
 * service, failed. 503: the account cannot take more work now.
 */
export const STATUS_BY_CODE = {
  invalidRequest: 400,
  unsupportedSampleRate: 400,
  sessionTokenExpired: 502,
  sessionTokenInvalid: 502,
  appIDUnrecognized: 502,
  appIDMismatch: 502,
  avatarNotFound: 502,
  invalidEgressConfig: 502,
  protocolError: 502,
  connectionFailed: 502,
  connectionClosed: 502,
  idleTimeout: 502,
  upstreamError: 502,
  serverError: 502,
  unknown: 502,
  billingRequired: 503,
  creditsExhausted: 503,
  sessionDurationExceeded: 503,
  egressUnavailable: 503,
};

/** An error this service answers itself, with its own code. */
class HttpError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * Starts the service.
 * @param {object} [options]
 * @param {Awaited<ReturnType<typeof connectTarget>>} [options.target] where sessions connect; default: `connectTarget()` (simulator unless AVATAR_* are set), closed with the service
 * @param {number} [options.port] default 0: a free port
 * @param {string} [options.host] default 127.0.0.1
 * @param {number} [options.tokenTtlSeconds] lifetime of tokens minted by POST /session-token (default 600)
 * @param {number} [options.maxBodyBytes] largest accepted upload (default 32 MiB: about 17 min of 16 kHz PCM)
 * @param {number} [options.timeoutMs] how long to wait for the last frame (default 30 s + twice the audio's duration)
 * @param {(line: string) => void} [options.log] one line per request (default: none)
 * @returns {Promise<{ server: import("node:http").Server, url: string, target: object, close: () => Promise<void> }>}
 */
export async function createService(options = {}) {
  const { port = 0, host = "127.0.0.1", tokenTtlSeconds = 600, maxBodyBytes = 32 * 1024 * 1024, timeoutMs, log = () => {} } = options;
  const ownsTarget = options.target === undefined;
  const target = options.target ?? (await connectTarget());

  const routes = {
    "POST /animate": async (req, res, url) => {
      const body = await readBody(req, maxBodyBytes);
      const { pcm, sampleRate } = decodeAudio(body, req.headers["content-type"], url.searchParams.get("sampleRate"));
      await sendFrames(req, res, pcm, sampleRate);
    },
    "GET /animate/sample": async (req, res) => {
      const pcm = new Uint8Array(await readFile(SAMPLE_CLIP));
      await sendFrames(req, res, pcm, SAMPLE_CLIP_RATE);
    },
    "POST /session-token": async (req, res) => {
      const expireAt = new Date(Date.now() + tokenTtlSeconds * 1000);
      const sessionToken = await createSessionToken({
        apiKey: target.apiKey,
        consoleEndpointUrl: target.consoleEndpointUrl,
        expireAt,
      });
      sendJson(res, 200, {
        sessionToken,
        appId: target.appId,
        avatarId: target.avatarId,
        ingressEndpointUrl: target.ingressEndpointUrl,
        expireAt: expireAt.toISOString(),
      });
    },
  };

  async function sendFrames(req, res, pcm, sampleRate) {
    // Stop the session if the caller hangs up before the answer.
    const hangUp = new AbortController();
    res.once("close", () => hangUp.abort(new Error("the HTTP client went away")));
    const { reqId, connectionId, frames } = await animate(target, pcm, { sampleRate, timeoutMs, signal: hangUp.signal });
    const body = lengthPrefixed(frames);
    res.writeHead(200, {
      "Content-Type": "application/octet-stream",
      "Content-Length": body.length,
      "X-Request-Id": reqId,
      "X-Connection-Id": connectionId,
      "X-Frame-Count": String(frames.length),
      "X-Audio-Duration-Ms": String(Math.round((pcm.length / 2 / sampleRate) * 1000)),
    });
    res.end(body);
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = routes[`${req.method} ${url.pathname}`];
    const handle = route
      ? route(req, res, url)
      : Promise.reject(
          Object.keys(routes).some((key) => key.endsWith(` ${url.pathname}`))
            ? new HttpError(405, "methodNotAllowed", `${req.method} is not allowed on ${url.pathname}`, { Allow: allowed(routes, url.pathname) })
            : new HttpError(404, "notFound", `No route ${req.method} ${url.pathname}; try POST /animate, GET /animate/sample or POST /session-token`),
        );
    handle
      .catch((error) => sendError(res, error))
      .finally(() => log(`${req.method} ${url.pathname}${url.search} → ${res.statusCode} in ${Math.round(performance.now() - started)} ms`));
  });

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;

  let closing;
  return {
    server,
    url,
    target,
    close: () =>
      (closing ??= (async () => {
        await new Promise((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        if (ownsTarget) await target.close();
      })()),
  };
}

/** Chooses PCM or WAV and the sample rate; throws a 400 for anything else. */
function decodeAudio(body, contentType = "", sampleRateParam) {
  if (body.length === 0) {
    throw new HttpError(400, "invalidRequest", "Empty body: send mono 16-bit PCM (with ?sampleRate=) or a WAV file, or GET /animate/sample");
  }
  const declaredWav = /^audio\/(x-)?(wav|wave)\b/i.test(contentType);
  const queryRate = sampleRateParam === null ? undefined : parseRate(sampleRateParam);
  try {
    if (declaredWav || looksLikeWav(body)) {
      const { pcm, sampleRate } = parseWav(body);
      if (queryRate !== undefined && queryRate !== sampleRate) {
        throw new BadAudioError(`sampleRate=${queryRate} in the query, but the WAV header says ${sampleRate} Hz: drop the parameter or resample`);
      }
      return { pcm, sampleRate };
    }
  } catch (error) {
    if (error instanceof BadAudioError) throw new HttpError(400, "invalidRequest", error.message);
    throw error;
  }
  if (body.length % 2 !== 0) throw new HttpError(400, "invalidRequest", `PCM body is ${body.length} bytes: not whole 16-bit samples`);
  // Rates the avatar service does not take are refused by the SDK (invalidRequest → 400).
  return { pcm: body, sampleRate: queryRate ?? 16000 };
}

function parseRate(text) {
  const rate = Number(text);
  if (!Number.isInteger(rate) || rate <= 0) throw new HttpError(400, "invalidRequest", `sampleRate must be a positive integer, got "${text}"`);
  return rate;
}

/** Each frame as a 4-byte big-endian length followed by the frame's bytes. */
export function lengthPrefixed(frames) {
  const total = frames.reduce((sum, frame) => sum + 4 + frame.length, 0);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const frame of frames) {
    out.writeUInt32BE(frame.length, at);
    out.set(frame, at + 4);
    at += 4 + frame.length;
  }
  return out;
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > limit) return reject(tooLarge(limit));
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        reject(tooLarge(limit));
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

const tooLarge = (limit) => new HttpError(413, "payloadTooLarge", `Body over ${limit} bytes`, { Connection: "close" });

function sendError(res, error) {
  if (res.headersSent) return void res.destroy();
  if (error instanceof HttpError) return sendJson(res, error.status, { error: { code: error.code, message: error.message } }, error.headers);
  if (error instanceof AnimationTimeoutError) return sendJson(res, 504, { error: { code: "timeout", message: error.message } });
  if (error instanceof AvatarSDKError) {
    // Messages and fields of SDK errors never carry the API key or session token.
    const fields = {
      code: error.code,
      message: error.message,
      phase: error.phase,
      upstreamStatus: error.httpStatus,
      serverCode: error.serverCode,
      serverDetail: error.serverDetail,
      requestId: error.reqId,
      connectionId: error.connectionId,
    };
    return sendJson(res, STATUS_BY_CODE[error.code] ?? 502, { error: withoutUndefined(fields) });
  }
  console.error("Unexpected error:", error);
  sendJson(res, 500, { error: { code: "internal", message: "Internal error" } });
}

function sendJson(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store", "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

function allowed(routes, pathname) {
  return Object.keys(routes)
    .filter((key) => key.endsWith(` ${pathname}`))
    .map((key) => key.split(" ")[0])
    .join(", ");
}

const withoutUndefined = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
