import { describe, expect, it } from "vitest";
import { DEMO_CREDENTIALS, isLoopback, resolveOptions } from "./options";
import { startSimulator } from "./server";

describe("startSimulator", () => {
  it("listens on an ephemeral loopback port and names its endpoints", async () => {
    const sim = await startSimulator();
    try {
      expect(sim.port).toBeGreaterThan(0);
      expect(sim.consoleEndpointUrl).toBe(`http://127.0.0.1:${sim.port}/v1/console`);
      expect(sim.ingressEndpointUrl).toBe(`ws://127.0.0.1:${sim.port}/v2/driveningress`);
    } finally {
      await sim.close();
    }
  });

  it("refuses to listen beyond loopback", async () => {
    await expect(startSimulator({ host: "0.0.0.0" })).rejects.toThrow(/loopback only/);
  });

  it("close can be called twice", async () => {
    const sim = await startSimulator();
    await Promise.all([sim.close(), sim.close()]);
  });
});

describe("options", () => {
  it("default to the demo app and avatar", () => {
    const o = resolveOptions();
    expect(o.appsByKey.get(DEMO_CREDENTIALS.apiKey)).toBe(DEMO_CREDENTIALS.appId);
    expect([...o.avatars]).toEqual([DEMO_CREDENTIALS.avatarId]);
    expect(o).toMatchObject({ port: 0, host: "127.0.0.1", idleTimeoutMs: 60_000, frameIntervalMs: 0, framesPerSecond: 25, maxTokenTtlSeconds: 86_400 });
  });

  it("default to a current server", () => {
    expect(resolveOptions()).toMatchObject({
      legacy: false,
      capabilities: ["playback_control", "playback_state"],
      playbackControl: true,
      playbackState: true,
      pauseTimeoutMs: 30_000,
      maxConcurrentSessionsPerApp: Number.POSITIVE_INFINITY,
      sessionTokenField: "sessionToken",
      egressControlFrames: "end",
    });
    expect(resolveOptions({ legacy: true })).toMatchObject({ capabilities: [], playbackControl: false, playbackState: false });
    expect(resolveOptions({ capabilities: ["playback_state"] })).toMatchObject({ playbackControl: false, playbackState: true });
  });

  it("ignore undefined values", () => {
    expect(resolveOptions({ idleTimeoutMs: undefined }).idleTimeoutMs).toBe(60_000);
  });

  it.each<Record<string, unknown>>([
    { port: -1 },
    { port: 1.5 },
    { framesPerSecond: 0 },
    { idleTimeoutMs: -5 },
    { maxTokenTtlSeconds: 0 },
    { pauseTimeoutMs: -1 },
    { maxConcurrentSessionsPerApp: 0 },
    { maxConcurrentSessionsPerApp: 1.5 },
    { sessionTokenField: "token" },
    { egressControlFrames: "some" },
    { legacy: true, capabilities: ["playback_control"] },
  ])("refuse %o", (options) => {
    expect(() => resolveOptions(options)).toThrow(TypeError);
  });

  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["::1", true],
    ["localhost", true],
    ["0.0.0.0", false],
    ["192.168.1.2", false],
    ["::", false],
  ])("%s is loopback: %s", (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});
