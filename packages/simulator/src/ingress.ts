/**
 * The ingress: authenticates the WebSocket upgrade at
 * `/v2/driveningress/websocket?id=<avatarId>`, refuses it with a plain HTTP
 * response, or hands the socket to a {@link Connection}.
 *
 * @module
 */
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocketServer } from "ws";
import { Connection } from "./connection";
import { emit, type SimulatorContext } from "./context";
import { lowerCaseHeaders, newConnectionRecord, pruneRecords, type ConnectionRecord } from "./records";
import { UPGRADE_WORDING, type UpgradeRefusal } from "./wording";

/** Path of the ingress endpoint (the SDK appends `/websocket`). */
export const INGRESS_PATH = "/v2/driveningress";
const WEBSOCKET_PATH = `${INGRESS_PATH}/websocket`;

/** @internal Handles one upgrade request on the simulator's HTTP server. */
export function handleUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  ctx: SimulatorContext,
  wss: WebSocketServer,
): void {
  socket.on("error", () => undefined);
  const rawUrl = req.url ?? "/";
  const url = new URL(rawUrl, "http://localhost");
  if (url.pathname !== WEBSOCKET_PATH) return refuse(socket, UPGRADE_WORDING.notFound);

  const record = newConnectionRecord(rawUrl, lowerCaseHeaders(req.rawHeaders));
  const token = readCredentials(record, url);
  record.apiKeySeen = containsApiKey([rawUrl, safeDecode(rawUrl), ...req.rawHeaders], ctx);
  ctx.connections.push(record);
  pruneRecords(ctx.connections, ctx.options.maxRecords, (r) => r.closed !== undefined || (r.upgradeStatus !== 0 && r.upgradeStatus !== 101));

  const fault = ctx.faults.takeUpgrade();
  if (fault?.type === "hang-upgrade") {
    ctx.hanging.add(socket);
    socket.once("close", () => ctx.hanging.delete(socket));
    return emit(ctx, "connection", record);
  }
  if (fault?.type === "refuse-upgrade") {
    record.upgradeStatus = fault.status;
    writeResponse(socket, fault.status, fault.body, fault.contentType ?? "application/json");
    return emit(ctx, "connection", record);
  }
  const refusal = authorize(record, token, ctx);
  if (refusal) {
    record.upgradeStatus = refusal.status;
    refuse(socket, refusal);
    return emit(ctx, "connection", record);
  }
  // `ws` itself answers 400 to a malformed handshake (bad key or version).
  socket.once("close", () => {
    if (record.upgradeStatus !== 0) return;
    record.upgradeStatus = 400;
    emit(ctx, "connection", record);
  });
  wss.handleUpgrade(req, socket, head, (ws) => {
    record.upgradeStatus = 101;
    const faults = ctx.faults.takeSession();
    emit(ctx, "connection", record);
    new Connection(ws, record, faults, ctx);
  });
}

/** Fills the record's auth fields from headers or query; returns the session token presented. */
function readCredentials(record: ConnectionRecord, url: URL): string {
  const { headers } = record;
  record.avatarId = url.searchParams.get("id") ?? undefined;
  if (headers["x-app-id"] !== undefined || headers["x-session-key"] !== undefined) {
    record.auth = "header";
    record.appId = headers["x-app-id"];
    return headers["x-session-key"] ?? "";
  }
  const query = url.searchParams;
  if (query.has("appId") || query.has("sessionKey")) {
    record.auth = "query";
    record.appId = query.get("appId") ?? undefined;
    return query.get("sessionKey") ?? "";
  }
  return "";
}

/** The refusal the live service would answer, or undefined to accept. */
function authorize(record: ConnectionRecord, token: string, ctx: SimulatorContext): UpgradeRefusal | undefined {
  if (!token) return UPGRADE_WORDING.invalidSessionToken;
  const appId = record.appId ?? "";
  if (!ctx.options.appIds.has(appId)) return UPGRADE_WORDING.appIdUnrecognized;
  const check = ctx.tokens.check(token, appId, Date.now());
  if (!check.ok) {
    if (check.reason === "wrong-app") return UPGRADE_WORDING.appIdMismatch;
    if (check.reason === "expired") return UPGRADE_WORDING.tokenExpired;
    return UPGRADE_WORDING.invalidSessionToken;
  }
  if (!ctx.options.avatars.has(record.avatarId ?? "")) return UPGRADE_WORDING.avatarNotFound;
  return undefined;
}

function containsApiKey(texts: readonly string[], ctx: SimulatorContext): boolean {
  for (const key of ctx.options.appsByKey.keys()) {
    if (key && texts.some((t) => t.includes(key))) return true;
  }
  return false;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Refuses an upgrade as the service does: a JSON body followed by a newline. */
function refuse(socket: Duplex, refusal: UpgradeRefusal): void {
  writeResponse(socket, refusal.status, `${JSON.stringify({ message: refusal.message })}\n`, "application/json");
}

/** Writes a complete HTTP/1.1 response on a raw upgrade socket and closes it. */
export function writeResponse(socket: Duplex, status: number, body: string, contentType: string): void {
  if (!socket.writable) return void socket.destroy();
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}`,
    `Content-Type: ${contentType}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
  ];
  socket.once("finish", () => socket.destroy());
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
}
