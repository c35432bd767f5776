/**
 * The console: `POST /v1/console/session-tokens` (and the newer
 * `POST /v1/auth/session-token`) mints session tokens.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { emit, type SimulatorContext } from "./context";
import { lowerCaseHeaders, pruneRecords, type TokenRequestRecord } from "./records";
import { CONSOLE_WORDING, type ConsoleError } from "./wording";

/** Path of the console API. */
export const CONSOLE_PATH = "/v1/console";
const TOKENS_PATH = `${CONSOLE_PATH}/session-tokens`;
/** The same endpoint, where the newest client asks. */
export const AUTH_TOKEN_PATH = "/v1/auth/session-token";
/** Request bodies larger than this are cut off. */
const MAX_BODY = 64 * 1024;
/** Rounding slack allowed past the longest token lifetime. */
const TTL_SLACK_SECONDS = 60;

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "POST, OPTIONS",
  "Access-Control-Allow-Headers": "X-Api-Key, Content-Type",
  "Access-Control-Max-Age": "600",
} as const;

/** @internal Answers one plain HTTP request (any path: all but the token endpoint are 404). */
export function handleConsoleRequest(req: IncomingMessage, res: ServerResponse, ctx: SimulatorContext): void {
  for (const [name, value] of Object.entries(CORS)) res.setHeader(name, value);
  const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
  if (pathname !== TOKENS_PATH && pathname !== AUTH_TOKEN_PATH) return sendError(res, CONSOLE_WORDING.notFound);
  if (req.method === "OPTIONS") {
    res.writeHead(204).end();
    return;
  }
  if (req.method !== "POST") {
    res.setHeader("Allow", "POST, OPTIONS");
    return sendError(res, CONSOLE_WORDING.methodNotAllowed);
  }
  readBody(req, (body) => answerTokenRequest(req, res, body, ctx));
}

function readBody(req: IncomingMessage, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
  req.on("error", () => undefined);
}

function answerTokenRequest(req: IncomingMessage, res: ServerResponse, body: string, ctx: SimulatorContext): void {
  const record: TokenRequestRecord = { headers: lowerCaseHeaders(req.rawHeaders), body, status: 0 };
  ctx.tokenRequests.push(record);
  pruneRecords(ctx.tokenRequests, ctx.options.maxRecords, (r) => r.status !== 0);
  const fault = ctx.faults.takeToken();
  if (fault?.type === "token-hang") {
    emit(ctx, "token", record);
    return;
  }
  if (fault?.type === "token-response") {
    record.status = fault.status;
    send(res, fault.status, fault.body, fault.contentType ?? "application/json");
  } else {
    mint(record, res, ctx);
  }
  emit(ctx, "token", record);
}

/** Validates the request the way the live console does, and mints a token. */
function mint(record: TokenRequestRecord, res: ServerResponse, ctx: SimulatorContext): void {
  const refuse = (error: ConsoleError): void => {
    record.status = error.status;
    sendError(res, error);
  };
  const appId = ctx.options.appsByKey.get(record.headers["x-api-key"] ?? "");
  if (appId === undefined) return refuse(CONSOLE_WORDING.invalidApiKey);
  record.appId = appId;
  const contentType = record.headers["content-type"] ?? "";
  if (!/^application\/json\s*(;|$)/i.test(contentType)) return refuse(CONSOLE_WORDING.notJson);
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.body);
  } catch {
    return refuse(CONSOLE_WORDING.badBody);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return refuse(CONSOLE_WORDING.badBody);
  const expireAt = (parsed as { expireAt?: unknown }).expireAt;
  if (expireAt === undefined || expireAt === null) return refuse(CONSOLE_WORDING.expireAtMissing);
  if (typeof expireAt !== "number" || !Number.isSafeInteger(expireAt)) return refuse(CONSOLE_WORDING.expireAtNotInteger);
  const nowSeconds = Date.now() / 1000;
  if (expireAt <= nowSeconds) return refuse(CONSOLE_WORDING.expireAtPast);
  const maxTtl = ctx.options.maxTokenTtlSeconds;
  if (expireAt > nowSeconds + maxTtl + TTL_SLACK_SECONDS) return refuse(CONSOLE_WORDING.expireAtTooFar(maxTtl));
  const token = ctx.tokens.mint(appId, expireAt * 1000);
  record.token = token;
  record.status = 200;
  send(res, 200, JSON.stringify({ [ctx.options.sessionTokenField]: token }), "application/json");
}

function sendError(res: ServerResponse, error: ConsoleError): void {
  const body = { errors: [{ id: error.id, status: String(error.status), code: error.code, title: error.title, detail: error.detail }] };
  send(res, error.status, JSON.stringify(body), "application/json");
}

function send(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) }).end(body);
}
