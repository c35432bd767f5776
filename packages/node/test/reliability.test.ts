import { inspect } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { MessageSchema, MessageType } from "@avatarkit/simulator/gen";
import * as fc from "fast-check";
import { WebSocketServer } from "ws";
import { describe, expect, it, vi } from "vitest";
import { AvatarSession as CoreSession } from "@avatarkit/core/platform";
import { AvatarSDKError, newAvatarSession } from "../src/index";
import { nodePlatform } from "../src/platform";
import { nodeWebSocketFactory } from "../src/websocket";
import type { WebSocketConnection } from "@avatarkit/core/platform";
import { optionsFor, rawServerOptions, recorder, rejection, settle, tone, useSimulator, waitFor } from "./support";

describe("callbacks that throw", () => {
  const sim = useSimulator();

  it("a throwing transportFrames is logged once per throw and frames keep coming", async () => {
    const warn = vi.fn();
    const rec = recorder();
    let calls = 0;
    const session = newAvatarSession(
      optionsFor(sim(), {
        ...rec.callbacks,
        logger: { warn },
        transportFrames: (frame, isLast) => {
          calls++;
          rec.callbacks.transportFrames!(frame, isLast);
          throw new Error("renderer exploded");
        },
      }),
    );
    await session.init();
    await session.start();
    await session.sendAudio(tone(0.4), true);
    await rec.lastFrames();
    await session.sendAudio(tone(0.2), true);
    await rec.lastFrames(2);
    expect(calls).toBe(15);
    expect(warn).toHaveBeenCalledTimes(15);
    expect(warn.mock.calls[0]).toEqual(["[avatarkit] transportFrames callback threw", expect.objectContaining({ message: "renderer exploded" })]);
    expect(session.state).toBe("open");
    await session.close();
  });

  it("throwing onError and onClose are logged, not thrown", async () => {
    const warn = vi.fn();
    sim().inject({ type: "close", after: "confirm", code: 4000, reason: "bye" });
    const session = newAvatarSession(
      optionsFor(sim(), {
        logger: { warn },
        onError: () => {
          throw new Error("onError broke");
        },
        onClose: () => {
          throw new Error("onClose broke");
        },
      }),
    );
    await session.init();
    await session.start();
    await waitFor(() => session.state === "closed");
    expect(warn.mock.calls.map((c) => c[0])).toEqual(["[avatarkit] onError callback threw", "[avatarkit] onClose callback threw"]);
  });

  it("an async callback that rejects is logged too", async () => {
    const warn = vi.fn();
    const session = newAvatarSession(optionsFor(sim(), { logger: { warn }, onClose: async () => Promise.reject(new Error("late")) }));
    await session.close();
    await settle();
    expect(warn).toHaveBeenCalledWith("[avatarkit] onClose callback rejected", expect.objectContaining({ message: "late" }));
  });
});

describe("secrets never leak", () => {
  const sim = useSimulator();
  const SENTINELS = { apiKey: "SENTINEL-API-KEY-1", lkToken: "SENTINEL-LK-TOKEN-2", lkKey: "SENTINEL-LK-KEY-3", lkSecret: "SENTINEL-LK-SECRET-4", agora: "SENTINEL-AGORA-5" };
  const leaks = (text: string, secrets: string[]) => secrets.filter((s) => text.includes(s));

  it("not in errors, the config, inspect output or logs, even when the server echoes them", async () => {
    const logged: string[] = [];
    const logger = { warn: (...args: unknown[]) => logged.push(args.map((a) => inspect(a)).join(" ")) };
    sim().inject({ type: "token-response", status: 401, body: JSON.stringify({ errors: [{ status: "401", code: "UNAUTHENTICATED", title: "Bad key", detail: `unknown key ${SENTINELS.apiKey}` }] }) });
    const rec = recorder();
    const session = newAvatarSession(
      optionsFor(sim(), {
        apiKey: SENTINELS.apiKey,
        livekitEgress: { url: "wss://lk.example.com", roomName: "r", apiToken: SENTINELS.lkToken, apiKey: SENTINELS.lkKey, apiSecret: SENTINELS.lkSecret },
        logger,
        ...rec.callbacks,
      }),
    );
    const err = await rejection(session.init());
    const secrets = Object.values(SENTINELS);
    expect(err.rawBody).toContain(SENTINELS.apiKey); // the raw body is kept as sent
    expect(leaks(err.message, secrets)).toEqual([]);
    expect(leaks(err.serverDetail ?? "", secrets)).toEqual([]);
    expect(err.serverDetail).toBe("unknown key [redacted]");
    const { rawBody: _raw, ...fields } = err.toJSON();
    expect(leaks(JSON.stringify(fields), secrets)).toEqual([]);
    expect(leaks(JSON.stringify(session.config), secrets)).toEqual([]);
    expect(leaks(inspect(session, { depth: 10, showHidden: false }), secrets)).toEqual([]);
    expect(leaks(inspect(session.config, { depth: 10 }), secrets)).toEqual([]);
    expect(leaks(logged.join("\n"), secrets)).toEqual([]);
    expect(logged.some((l) => l.includes("deprecated"))).toBe(true);
  });

  it("the session token and the query-auth URL are never logged or put in errors", async () => {
    const logged: string[] = [];
    const token = sim().mintToken("demo-app", new Date(Date.now() + 60_000));
    sim().inject({ type: "close", after: "confirm", code: 4000, reason: `token ${token} revoked` });
    const rec = recorder();
    const session = newAvatarSession(
      optionsFor(sim(), {
        apiKey: undefined,
        sessionToken: token,
        useQueryAuth: true,
        agoraEgress: { channelName: "c", token: SENTINELS.agora },
        logger: { warn: (...args: unknown[]) => logged.push(inspect(args)) },
        ...rec.callbacks,
      }),
    );
    await session.start();
    await waitFor(() => rec.closes === 1);
    expect(rec.errors[0]?.closeReason).toBe("token [redacted] revoked");
    for (const text of [JSON.stringify(rec.errors), rec.errors.map((e) => e.message).join(), JSON.stringify(session.config), inspect(session), logged.join()]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(SENTINELS.agora);
    }
  });
});

describe("back-pressure", () => {
  const sim = useSimulator();

  it("a producer that awaits sendAudio stalls while the socket is over its high-water mark", async () => {
    sim().inject({ type: "stop-reading", after: "confirm" });
    let connection: WebSocketConnection | undefined;
    const platform = {
      ...nodePlatform,
      webSocket: { supportsHeaders: true, connect: async (request: Parameters<typeof nodeWebSocketFactory.connect>[0]) => (connection = await nodeWebSocketFactory.connect(request)) },
    };
    const highWaterMark = 256 * 1024;
    const rec = recorder();
    const session = new CoreSession(optionsFor(sim(), { highWaterMark, timeouts: { drainMs: 1500 }, ...rec.callbacks }), platform);
    await session.init();
    await session.start();
    let sent = 0;
    let maxBufferedAtResolve = 0;
    let lastProgress = Date.now();
    const chunk = tone(1); // 32 000 bytes
    const producer = (async () => {
      for (;;) {
        await session.sendAudio(chunk);
        sent += chunk.length;
        lastProgress = Date.now();
        maxBufferedAtResolve = Math.max(maxBufferedAtResolve, connection!.bufferedAmount);
      }
    })();
    const outcome = producer.catch((e: unknown) => e);
    await waitFor(() => Date.now() - lastProgress > 300, 10_000, "the producer to stall");
    expect(connection!.bufferedAmount).toBeGreaterThan(highWaterMark); // stalled by back-pressure…
    expect(maxBufferedAtResolve).toBeLessThanOrEqual(highWaterMark); // …and never resolved above the mark
    expect(sent).toBeLessThan(64 * 1024 * 1024); // bounded by kernel buffers + the mark, not by the producer
    const failure = await outcome;
    expect(failure).toMatchObject({ code: "connectionFailed", phase: "websocket_send", message: expect.stringMatching(/stopped reading/) });
    expect(rec.errors).toEqual([failure]);
    expect(rec.closes).toBe(1);
  });
});

describe("fuzzing the receive path of a live session", () => {
  it("100 000 random and mutated frames: nothing escapes, the session stays open, valid frames keep arriving", async () => {
    const valid = (n: number) =>
      toBinary(MessageSchema, create(MessageSchema, { type: MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION, data: { case: "serverResponseAnimation", value: { connectionId: "fuzz", reqId: `valid-${n}`, end: false } } }));
    const confirm = toBinary(MessageSchema, create(MessageSchema, { type: MessageType.MESSAGE_SERVER_CONFIRM_SESSION, data: { case: "serverConfirmSession", value: { connectionId: "fuzz" } } }));
    const mutations = fc.sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.tuple(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([cut, flips]) => {
          const bytes = valid(0).slice(0, 1 + (cut % 40));
          for (const [at, v] of flips) bytes[at % bytes.length] = v;
          return bytes;
        }),
        fc.constantFrom(
          new Uint8Array([0x08, 0x05, 0x32, 0xff, 0xff, 0xff, 0xff, 0x0f]), // a 4 GiB length
          new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
          new Uint8Array([0x08]),
        ),
      ),
      { numRuns: 100_000, seed: 42 },
    );
    const VALID_EVERY = 100;
    const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    server.on("connection", (ws) => {
      ws.once("message", () => {
        ws.send(confirm);
        mutations.forEach((bytes, i) => {
          ws.send(bytes);
          if (i % VALID_EVERY === 0) ws.send(valid(i / VALID_EVERY));
        });
        ws.send(valid(-1)); // the sentinel: everything before it was delivered
      });
    });
    const escaped: unknown[] = [];
    const onEscape = (e: unknown) => escaped.push(e);
    process.on("uncaughtException", onEscape);
    process.on("unhandledRejection", onEscape);
    try {
      const delivered = new Set<string>();
      const errors: unknown[] = [];
      const logged: unknown[] = [];
      const session = newAvatarSession(
        rawServerOptions(server, {
          transportFrames: (frame) => delivered.add(Buffer.from(frame).toString("hex")),
          onError: (error) => errors.push(error),
          logger: { warn: (...args) => logged.push(args) },
        }),
      );
      await session.start();
      await waitFor(() => delivered.has(Buffer.from(valid(-1)).toString("hex")), 60_000, "the last frame");
      for (let n = 0; n < mutations.length / VALID_EVERY; n++) expect(delivered.has(Buffer.from(valid(n)).toString("hex"))).toBe(true);
      // Most mutations are undecodable (protocolError); some happen to decode as a ServerError.
      expect(errors.length).toBeGreaterThan(1000);
      expect(errors.every((e) => e instanceof AvatarSDKError && e.phase === "websocket_runtime")).toBe(true);
      expect((errors as AvatarSDKError[]).filter((e) => e.code === "protocolError").length).toBeGreaterThan(errors.length / 2);
      expect(logged).toEqual([]);
      expect(session.state).toBe("open");
      expect(escaped).toEqual([]);
      await session.close();
    } finally {
      process.off("uncaughtException", onEscape);
      process.off("unhandledRejection", onEscape);
      server.close();
    }
  }, 90_000);
});
