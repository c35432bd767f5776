import { nodeWebSocketFactory } from "../../node/src/websocket";
import { describe, expect, it } from "vitest";
import { browserWebSocketFactory, createBrowserWebSocketFactory, type BrowserWebSocketConstructor } from "../src/websocket";
import { describeWebSocketFactory } from "./websocket-contract";

// In Node, `isomorphic-ws` resolves to `ws`, whose WHATWG-style interface
// (on* handlers, binaryType, a refusal seen only as close code 1006) is what
// the browser factory drives; the e2e tests run the same factory in Chromium.
describeWebSocketFactory("browser", browserWebSocketFactory, { supportsHeaders: false, refusal: "closeCode" });
describeWebSocketFactory("node", nodeWebSocketFactory, { supportsHeaders: true, refusal: "status" });

const request = (extra: { headers?: Record<string, string> } = {}) => ({
  url: "ws://127.0.0.1:1/v2/driveningress/websocket?id=a&appId=b&sessionKey=secret-token",
  headers: extra.headers ?? {},
  signal: new AbortController().signal,
  onMessage: () => {},
  onClose: () => {},
});

describe("browser WebSocket factory", () => {
  it("refuses upgrade headers instead of dropping them", async () => {
    await expect(browserWebSocketFactory.connect(request({ headers: { "X-Session-Key": "t" } }))).rejects.toMatchObject({
      kind: "failed",
      message: expect.stringMatching(/cannot send headers; use query auth/),
    });
  });

  it("fails fast with a clear message when the runtime has no WebSocket", async () => {
    // In Node the default is `ws`; a runtime without a WebSocket class is simulated with a non-constructor.
    const factory = createBrowserWebSocketFactory({ WebSocket: 42 as unknown as BrowserWebSocketConstructor });
    await expect(factory.connect(request())).rejects.toMatchObject({ kind: "failed", message: expect.stringMatching(/no WebSocket.*use @avatarkit\/node/) });
  });

  it("uses the WebSocket class it is given, with binaryType arraybuffer", async () => {
    const made: Array<{ url: string; binaryType: string }> = [];
    class FakeWebSocket {
      binaryType = "blob";
      bufferedAmount = 7;
      readyState = 1;
      onopen: ((event: unknown) => void) | null = null;
      onmessage: ((event: { data: unknown }) => void) | null = null;
      onerror: ((event: unknown) => void) | null = null;
      onclose: ((event: { code: number; reason: string }) => void) | null = null;
      constructor(readonly url: string) {
        made.push(this);
        setTimeout(() => this.onopen?.({}), 0);
      }
      send() {}
      close() {}
    }
    const factory = createBrowserWebSocketFactory({ WebSocket: FakeWebSocket });
    const connection = await factory.connect(request());
    expect(made).toHaveLength(1);
    expect(made[0]!.binaryType).toBe("arraybuffer");
    expect(connection.bufferedAmount).toBe(7);
  });

  it("does not quote the URL (it holds the session key) when the constructor throws", async () => {
    class Throwing {
      constructor(url: string) {
        throw new SyntaxError(`The URL '${url}' is invalid.`);
      }
    }
    const factory = createBrowserWebSocketFactory({ WebSocket: Throwing as unknown as BrowserWebSocketConstructor });
    const failure = (await factory.connect(request()).catch((e: unknown) => e)) as { kind: string; message: string };
    expect(failure.kind).toBe("failed");
    expect(failure.message).toMatch(/SyntaxError/);
    expect(failure.message).not.toContain("secret-token");
  });

  it("a close code browsers refuse falls back to a plain close", async () => {
    const closes: unknown[][] = [];
    class Strict {
      binaryType = "";
      bufferedAmount = 0;
      onopen: ((event: unknown) => void) | null = null;
      onmessage = null;
      onerror = null;
      onclose = null;
      constructor() {
        setTimeout(() => this.onopen?.({}), 0);
      }
      send() {}
      close(...args: unknown[]) {
        if (args[0] !== undefined && args[0] !== 1000) throw new DOMException("invalid code", "InvalidAccessError");
        closes.push(args);
      }
    }
    const connection = await createBrowserWebSocketFactory({ WebSocket: Strict as unknown as BrowserWebSocketConstructor }).connect(request());
    connection.close(1001, "going");
    expect(closes).toEqual([[]]);
  });
});
