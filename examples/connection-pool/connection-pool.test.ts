import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DEMO_CREDENTIALS, startSimulator, type Simulator } from "@avatarkit/simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM example without types
import { PoolError, SessionPool } from "./pool.mjs";
// @ts-expect-error plain ESM example without types
import { runRound } from "./rounds.mjs";

const CLIP = new Uint8Array(readFileSync(new URL("../assets/speech-16k.pcm", import.meta.url)));
const ONE_SECOND = CLIP.subarray(0, 32000); // 25 frames

describe("connection-pool example", () => {
  let sim: Simulator;
  let pool: InstanceType<typeof SessionPool> | undefined;

  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    await sim.close();
  });

  const newPool = (extra: Record<string, unknown> = {}) =>
    new SessionPool({
      size: 3,
      sessionOptions: {
        ...DEMO_CREDENTIALS,
        consoleEndpointUrl: sim.consoleEndpointUrl,
        ingressEndpointUrl: sim.ingressEndpointUrl,
        logger: { warn: () => {} },
      },
      ...extra,
    });
  const openSessions = () => sim.connections.filter((c) => c.upgradeStatus === 101 && c.closed === undefined).length;

  it("runs 2 rounds of concurrent requests over 3 warm sessions", async () => {
    pool = newPool();
    await pool.start();
    expect(pool.status).toMatchObject({ size: 3, idle: 3, busy: 0, opening: 0 });
    expect(sim.connections).toHaveLength(3);

    const rounds = [];
    for (let round = 0; round < 2; round++) rounds.push(await runRound(pool, { requests: 12, concurrency: 6, audio: ONE_SECOND }));
    for (const stats of rounds) {
      expect(stats).toMatchObject({ requests: 12, ok: 12, errors: 0, frames: 12 * 25, replaced: 0, renewed: 0 });
      expect(stats.p50Ms).toBeGreaterThan(0);
      expect(stats.p99Ms).toBeGreaterThanOrEqual(stats.p50Ms);
    }
    // Warm: every request reused one of the 3 sessions; no new connections, tokens or handshakes.
    expect(sim.connections).toHaveLength(3);
    expect(sim.tokenRequests).toHaveLength(3);
    expect(sim.connections.reduce((n, c) => n + c.requests.length, 0)).toBe(24);
    expect(pool.status).toMatchObject({ idle: 3, busy: 0 });
  });

  it("replaces a session that drops, failing only the request in flight on it", async () => {
    sim.inject({ type: "drop", after: "end" }); // the first connection drops when its first request ends
    pool = newPool();
    await pool.start();
    const first = await runRound(pool, { requests: 9, concurrency: 3, audio: ONE_SECOND });
    expect(first).toMatchObject({ requests: 9, ok: 8, errors: 1, errorCodes: { connectionClosed: 1 }, replaced: 1 });
    await expect.poll(() => pool!.status.idle).toBe(3);
    const second = await runRound(pool, { requests: 9, concurrency: 3, audio: ONE_SECOND });
    expect(second).toMatchObject({ ok: 9, errors: 0, replaced: 0 });
    expect(sim.connections).toHaveLength(4);
    expect(openSessions()).toBe(3);
  });

  it("replaces a session the server closes mid-request", async () => {
    pool = newPool({ size: 2 });
    await pool.start();
    sim.inject({ type: "close", after: "audio", code: 1011, reason: "going away" });
    // The fault is taken by the next connection: make one by replacing a session.
    const lease = await pool.acquire();
    lease.release({ discard: true });
    await expect.poll(() => sim.connections.length).toBe(3);
    await expect.poll(() => pool!.status.idle).toBe(2);
    await expect(runRound(pool, { requests: 4, concurrency: 2, audio: ONE_SECOND })).resolves.toMatchObject({ ok: 3, errors: 1, replaced: 1 });
    await expect.poll(() => pool!.status.idle).toBe(2);
    expect(openSessions()).toBe(2);
  });

  it("replaces sessions the server closes while idle (idle timeout)", async () => {
    await sim.close();
    sim = await startSimulator({ idleTimeoutMs: 1_000 });
    pool = newPool({ size: 2 });
    await pool.start();
    await expect.poll(() => pool!.counters.lost >= 2, { timeout: 5_000 }).toBe(true);
    await expect.poll(() => pool!.status.idle).toBe(2);
    expect(pool.counters.sessionErrors).toBeGreaterThanOrEqual(2); // the server's "no audio input" notice before each close
    expect(sim.connections.length).toBeGreaterThanOrEqual(4);
    // The replacements are fresh: a round right away runs well inside their idle timeout.
    await expect(runRound(pool, { requests: 4, concurrency: 2, audio: ONE_SECOND })).resolves.toMatchObject({ ok: 4, errors: 0 });
  });

  it("renews sessions before their token expires, without failing requests", async () => {
    pool = newPool({ tokenTtlMs: 2_000, renewBeforeMs: 1_000 }); // renew 1 s after opening
    await pool.start();
    let errors = 0;
    for (const until = Date.now() + 1_500; Date.now() < until; ) {
      errors += (await runRound(pool, { requests: 6, concurrency: 3, audio: ONE_SECOND })).errors;
    }
    expect(errors).toBe(0);
    expect(pool.counters.renewed).toBeGreaterThanOrEqual(3);
    expect(pool.counters.lost).toBe(0);
    await expect.poll(() => openSessions()).toBe(3);
    expect(pool.status).toMatchObject({ idle: 3, retiring: 0 });
    // Each token was asked for with the pool's lifetime.
    const [first] = sim.tokenRequests;
    expect(JSON.parse(first!.body).expireAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
  });

  it("makes acquire() wait for a returned session, and time out", async () => {
    pool = newPool({ size: 1, acquireTimeoutMs: 100 });
    await pool.start();
    const lease = await pool.acquire();
    const waiting = pool.acquire();
    setTimeout(() => lease.release(), 20);
    const second = await waiting;
    expect(second.memberId).toBe(lease.memberId);
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolError);
    second.release();
  });

  it("runs as a CLI and prints a stats row per round", async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AVATAR_")));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["examples/connection-pool/index.mjs", "--size", "3", "--rounds", "2", "--concurrency", "4", "--requests", "8", "--clip-seconds", "1"],
      { cwd: fileURLToPath(new URL("../..", import.meta.url)), env, timeout: 30_000 },
    );
    expect(stdout).toContain("Pool warm: 3 sessions open");
    const rows = stdout.split("\n").filter((line) => /^\|\s+\d+ \|/.test(line));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const [, , requests, ok, errors, frames] = row.split("|").map((cell) => cell.trim());
      expect([requests, ok, errors, frames]).toEqual(["8", "8", "0", String(8 * 25)]);
    }
  });
});
