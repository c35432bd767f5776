import { describe, expect, it } from "vitest";
import { resolveConfig } from "../config/resolve";
import type { SessionOptions } from "../config/options";
import { buildConnectTarget } from "./connect-target";

const options = (over: Partial<SessionOptions>): SessionOptions => ({
  avatarId: "av 1",
  appId: "app",
  ingressEndpointUrl: "wss://api.example.com/v2/driveningress",
  ...over,
});

describe("buildConnectTarget", () => {
  it("puts header auth in headers only", () => {
    const target = buildConnectTarget(resolveConfig(options({}), false), "tok");
    expect(target.url).toBe("wss://api.example.com/v2/driveningress/websocket?id=av+1");
    expect(target.headers).toEqual({ "X-App-ID": "app", "X-Session-Key": "tok" });
  });

  it("puts query auth in the query only", () => {
    const target = buildConnectTarget(resolveConfig(options({ useQueryAuth: true }), false), "t&k");
    const url = new URL(target.url);
    expect(url.searchParams.get("appId")).toBe("app");
    expect(url.searchParams.get("sessionKey")).toBe("t&k");
    expect(url.searchParams.get("id")).toBe("av 1");
    expect(target.headers).toEqual({});
  });

  it.each([
    ["http://h:8080/v2/ingress/", "ws://h:8080/v2/ingress/websocket?id=a"],
    ["https://h/v2/ingress//", "wss://h/v2/ingress/websocket?id=a"],
    ["ws://h/", "ws://h/websocket?id=a"],
    ["wss://h/x?region=eu", "wss://h/x/websocket?region=eu&id=a"],
  ])("maps %s to %s", (ingress, expected) => {
    expect(buildConnectTarget(resolveConfig(options({ ingressEndpointUrl: ingress, avatarId: "a" }), false), "t").url).toBe(expected);
  });
});
