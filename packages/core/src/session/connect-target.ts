import type { SessionConfig } from "../config/options";
import { checkUrl } from "../config/validate";

const SCHEME: Record<string, string> = { http: "ws", https: "wss", ws: "ws", wss: "wss" };

/**
 * The WebSocket URL and headers for a session: `{ingress}/websocket?id=<avatarId>`
 * with header auth (`X-App-ID`, `X-Session-Key`) or query auth
 * (`appId`, `sessionKey`). Existing query parameters are kept.
 * @internal
 */
export function buildConnectTarget(config: SessionConfig, sessionToken: string): { url: string; headers: Record<string, string> } {
  const url = checkUrl("ingressEndpointUrl", config.ingressEndpointUrl, Object.keys(SCHEME));
  url.protocol = `${SCHEME[url.protocol.slice(0, -1)]}:`;
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/websocket`;
  url.searchParams.set("id", config.avatarId);
  if (config.useQueryAuth) {
    url.searchParams.set("appId", config.appId);
    url.searchParams.set("sessionKey", sessionToken);
    return { url: url.href, headers: {} };
  }
  return { url: url.href, headers: { "X-App-ID": config.appId, "X-Session-Key": sessionToken } };
}
