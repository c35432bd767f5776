import { describe, expect, it } from "vitest";
import { newAvatarSession } from "../src/index";
import { openSession, optionsFor, recorder, rejection, tone, useSimulator } from "./support";

describe("onClose fires exactly once", () => {
  const sim = useSimulator();

  it("for a session that never connected", async () => {
    const rec = recorder();
    const session = newAvatarSession(optionsFor(sim(), rec.callbacks));
    await session.close();
    await session.close();
    expect(rec.closes).toBe(1);
    expect(session.state).toBe("closed");
  });

  it("for a session that connected and was closed twice", async () => {
    // The Python SDK fires on_close twice here; PROTOCOL.md §7 says once.
    const { session, rec } = await openSession(sim());
    const closed = sim().waitFor("close");
    await Promise.all([session.close(), session.close()]);
    await session.close();
    await closed;
    expect(rec.closes).toBe(1);
    expect(rec.errors).toEqual([]);
    expect(sim().connections[0]!.closed).toMatchObject({ code: 1000, by: "client" });
  });

  it("when close() interrupts start()", async () => {
    sim().inject({ type: "withhold-confirm" });
    const rec = recorder();
    const session = newAvatarSession(optionsFor(sim(), rec.callbacks));
    await session.init();
    const upgraded = sim().waitFor("message"); // the configure arrived: start() is handshaking
    const starting = session.start();
    await upgraded;
    expect(session.state).toBe("handshaking");
    await session.close();
    const err = await rejection(starting);
    expect(err.code).toBe("connectionClosed");
    expect(rec.closes).toBe(1);
    expect(rec.errors).toEqual([]); // a close the caller asked for is no error
  });
});

describe("call order", () => {
  const sim = useSimulator();

  it("sendAudio() and interrupt() before start() are invalidRequest", async () => {
    const session = newAvatarSession(optionsFor(sim()));
    expect(await rejection(session.sendAudio(tone(0.1)))).toMatchObject({ code: "invalidRequest", message: expect.stringMatching(/call start\(\)/) });
    expect(await rejection(session.interrupt())).toMatchObject({ code: "invalidRequest" });
  });

  it("start() twice, and any call after close(), are invalidRequest", async () => {
    const session = newAvatarSession(optionsFor(sim()));
    await session.init();
    await session.start();
    expect(await rejection(session.start())).toMatchObject({ code: "invalidRequest" });
    await session.close();
    for (const call of [() => session.init(), () => session.start(), () => session.sendAudio(tone(0.1)), () => session.interrupt()]) {
      const err = await rejection(call());
      expect(err.code).toBe("invalidRequest");
      expect(err.message).toMatch(/closed; create a new session/);
    }
  });

  it("interrupt() with no request is invalidRequest and the session stays usable", async () => {
    const { session, rec } = await openSession(sim());
    expect(await rejection(session.interrupt())).toMatchObject({ code: "invalidRequest" });
    await session.sendAudio(tone(0.2), true);
    await rec.lastFrames();
    await session.close();
  });

  it("odd-length PCM and non-binary audio are refused and the session stays usable", async () => {
    const { session, rec } = await openSession(sim());
    expect(await rejection(session.sendAudio(new Uint8Array(3)))).toMatchObject({ code: "invalidRequest", message: expect.stringMatching(/whole 16-bit samples/) });
    expect(await rejection(session.sendAudio("audio" as never))).toMatchObject({ code: "invalidRequest" });
    await session.sendAudio(tone(0.2), true);
    await rec.lastFrames();
    expect(sim().connections[0]!.errorsSent).toEqual([]);
    await session.close();
  });

  it("a browser-only header refusal does not apply in Node: header auth is the default", async () => {
    const session = newAvatarSession(optionsFor(sim()));
    expect(session.config.useQueryAuth).toBe(false);
  });
});

describe("AbortSignal", () => {
  const sim = useSimulator();

  it("aborting cancels start() with the signal's reason and closes the session once", async () => {
    sim().inject({ type: "withhold-confirm" });
    const controller = new AbortController();
    const rec = recorder();
    const session = newAvatarSession(optionsFor(sim(), { signal: controller.signal, ...rec.callbacks }));
    await session.init();
    const upgraded = sim().waitFor("message");
    const starting = session.start();
    await upgraded;
    expect(session.state).toBe("handshaking");
    const reason = new Error("user navigated away");
    controller.abort(reason);
    expect(await rejection(starting)).toBe(reason);
    expect(rec.closes).toBe(1);
    expect(session.state).toBe("closed");
  });
});
