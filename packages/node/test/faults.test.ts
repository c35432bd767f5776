import type { Fault } from "@avatarkit/simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newAvatarSession, type AvatarSDKError, type SessionOptions } from "../src/index";
import { openSession, optionsFor, recorder, settle, tone, useSimulator, waitFor } from "./support";

/** Collects unhandled rejections and uncaught exceptions while a test runs. */
function watchProcess() {
  const escaped: unknown[] = [];
  const onEscape = (error: unknown) => escaped.push(error);
  beforeEach(() => {
    escaped.length = 0;
    process.on("unhandledRejection", onEscape);
    process.on("uncaughtException", onEscape);
  });
  afterEach(() => {
    process.off("unhandledRejection", onEscape);
    process.off("uncaughtException", onEscape);
  });
  return escaped;
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

interface Case {
  fault: Fault;
  options?: Partial<SessionOptions>;
  /** Where the failure surfaces: the start() promise, or at run time through onError. */
  at: "start" | "runtime";
  /** How many 1 s chunks to send (the kernel's loopback buffers swallow a few MB before the socket backs up). */
  burst?: number;
  expected: Partial<AvatarSDKError>;
}

const cases: Array<[string, Case]> = [
  ...[400, 401, 402, 404, 409, 429, 500, 502, 503].map((status): [string, Case] => [
    `upgrade refused with HTTP ${status}`,
    { fault: { type: "refuse-upgrade", status, body: `{"message":"refused ${status}"}` }, at: "start", expected: { phase: "websocket_connect", httpStatus: status, rawBody: `{"message":"refused ${status}"}` } },
  ]),
  ["handshake rejected", { fault: { type: "reject-handshake", code: 4001, message: "credits exhausted" }, at: "start", expected: { code: "creditsExhausted", phase: "websocket_handshake", serverCode: "4001" } }],
  ["confirm never arrives", { fault: { type: "withhold-confirm" }, options: { timeouts: { handshakeMs: 300 } }, at: "start", expected: { code: "connectionFailed", phase: "websocket_handshake" } }],
  ["confirm with an empty connection id", { fault: { type: "empty-connection-id" }, at: "start", expected: { code: "protocolError", phase: "websocket_handshake" } }],
  ["upgrade never answered", { fault: { type: "hang-upgrade" }, options: { timeouts: { connectMs: 300 } }, at: "start", expected: { code: "connectionFailed", phase: "websocket_connect" } }],
  ["TCP drop at the upgrade", { fault: { type: "drop", after: "upgrade" }, at: "start", expected: { code: "connectionClosed", closeCode: 1006, phase: "websocket_handshake" } }],
  [
    "runtime ServerError, then a close",
    { fault: { type: "runtime-error", after: "audio", code: 0, message: "driven server request failed", close: { code: 1011, reason: "upstream" } }, at: "runtime", expected: { code: "upstreamError", phase: "websocket_runtime", serverCode: "0" } },
  ],
  ["abrupt close with a code and reason", { fault: { type: "close", after: "audio", code: 4000, reason: "kicked" }, at: "runtime", expected: { code: "connectionClosed", closeCode: 4000, closeReason: "kicked", phase: "websocket_runtime", retryable: false } }],
  ["bare close with §8 code 4003", { fault: { type: "close", after: "audio", code: 4003, reason: "" }, at: "runtime", expected: { code: "concurrencyLimit", closeCode: 4003, phase: "websocket_runtime", retryable: false } }],
  ["TCP drop without a close frame", { fault: { type: "drop", after: "audio" }, at: "runtime", expected: { code: "connectionClosed", closeCode: 1006 } }],
  [
    "server stops reading until the socket buffer fills",
    { fault: { type: "stop-reading", after: "confirm" }, options: { highWaterMark: 64 * 1024, timeouts: { drainMs: 500 } }, at: "runtime", burst: 600, expected: { code: "connectionFailed", phase: "websocket_send" } },
  ],
];

describe("faults: reported once, onClose once, every promise settles, nothing escapes", () => {
  const sim = useSimulator();
  const escaped = watchProcess();

  it.each(cases)("%s", async (_name, c) => {
    const baseline = timers();
    sim().inject(c.fault);
    const rec = recorder();
    const session = newAvatarSession(optionsFor(sim(), { ...c.options, ...rec.callbacks }));
    await session.init();
    const started = await session.start().then(
      (id) => ({ ok: true as const, id }),
      (error: AvatarSDKError) => ({ ok: false as const, error }),
    );

    let failure: AvatarSDKError;
    if (c.at === "start") {
      expect(started.ok).toBe(false);
      failure = (started as { error: AvatarSDKError }).error;
    } else {
      expect(started.ok).toBe(true);
      // Keep sending (without awaiting each) so some calls are pending when the fault hits.
      const pending: Array<Promise<unknown>> = [];
      for (let i = 0; i < (c.burst ?? 40) && rec.closes === 0; i++) {
        pending.push(session.sendAudio(tone(1), i % 4 === 3).then((v) => v, (e: unknown) => e));
        await settle(c.burst ? 0 : 5);
      }
      await waitFor(() => rec.closes === 1, 5000, "onClose");
      const outcomes = await Promise.all(pending);
      failure = rec.errors[0]!;
      for (const outcome of outcomes) {
        // Resolved with a request id before the fault, or rejected with the session's error.
        if (typeof outcome !== "string") expect(outcome).toBe(failure);
      }
    }
    expect(failure).toMatchObject(c.expected);
    expect(rec.errors).toEqual([failure]);
    await settle(50);
    expect(rec.closes).toBe(1);
    expect(session.state).toBe("closed");
    await session.close();
    expect(rec.closes).toBe(1);
    expect(escaped).toEqual([]);
    await settle(20);
    expect(timers()).toBeLessThanOrEqual(baseline);
  });

  it("garbage and text frames are reported as protocolError and reading continues", async () => {
    sim().inject({ type: "garbage-frame", after: "audio", data: new Uint8Array([0xff, 0xff, 0xff]) });
    sim().inject({ type: "text-frame", after: "audio" });
    const { session, rec } = await openSession(sim());
    await session.sendAudio(tone(0.4), true);
    await rec.lastFrames();
    expect(rec.errors.map((e) => e.code)).toEqual(["protocolError", "protocolError"]);
    expect(rec.frames).toHaveLength(10);
    expect(session.state).toBe("open");
    await session.close();
    expect(rec.closes).toBe(1);
    expect(escaped).toEqual([]);
  });
});
