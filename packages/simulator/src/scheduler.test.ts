import { afterEach, describe, expect, it } from "vitest";
import { RunQueue, Scheduler, TimerEntry, type Runnable, type TimerOwner } from "./scheduler";
import { startSimulator, type Simulator } from "./server";
import { openSession, pcm } from "./test-support";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Scheduler", () => {
  it("fires entries in deadline order, moves a rescheduled one, and skips a cancelled one", async () => {
    const scheduler = new Scheduler();
    const fired: number[] = [];
    const owner: TimerOwner = { onTimer: (e) => fired.push(e.slot) };
    const entries = Array.from({ length: 6 }, (_, i) => new TimerEntry(owner, i));
    const now = scheduler.now();
    [50, 10, 40, 20, 30, 60].forEach((ms, i) => scheduler.schedule(entries[i]!, now + ms));
    scheduler.schedule(entries[0]!, now + 5); // moved first
    scheduler.cancel(entries[2]!);
    expect(scheduler.size).toBe(5);
    await sleep(90);
    expect(fired).toEqual([0, 1, 3, 4, 5]);
    expect(entries.every((e) => !e.scheduled)).toBe(true);
    scheduler.close();
  });

  it("lets an owner reschedule from its callback, and close forgets everything", async () => {
    const scheduler = new Scheduler();
    let count = 0;
    const entry: TimerEntry = new TimerEntry({ onTimer: () => (++count < 3 ? scheduler.schedule(entry, scheduler.now() + 5) : undefined) }, 0);
    scheduler.schedule(entry, scheduler.now() + 5);
    await sleep(60);
    expect(count).toBe(3);
    scheduler.schedule(entry, scheduler.now() + 5);
    scheduler.close();
    await sleep(20);
    expect(count).toBe(3);
  });

  it("keeps a heap under random operations", () => {
    const scheduler = new Scheduler();
    const owner: TimerOwner = { onTimer: () => undefined };
    const entries = Array.from({ length: 200 }, (_, i) => new TimerEntry(owner, i));
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let n = 0; n < 5000; n++) {
      const e = entries[Math.floor(rand() * entries.length)]!;
      if (rand() < 0.3) scheduler.cancel(e);
      else scheduler.schedule(e, 1e9 + rand() * 1000);
    }
    expect(scheduler.size).toBe(entries.filter((e) => e.scheduled).length);
    scheduler.close();
  });
});

describe("RunQueue", () => {
  it("runs each queued item once on the next turn, and again if it re-queues itself", async () => {
    const queue = new RunQueue();
    const runs: string[] = [];
    const again: Runnable = { queued: false, run: () => (runs.push("again"), runs.length < 3 && queue.add(again)) };
    const once: Runnable = { queued: false, run: () => runs.push("once") };
    queue.add(once);
    queue.add(once);
    queue.add(again);
    expect(runs).toEqual([]);
    await sleep(10);
    expect(runs).toEqual(["once", "again", "again"]);
  });
});

describe("many sessions share one timer", () => {
  let sim: Simulator | undefined;
  afterEach(() => sim?.close());

  it("300 open sessions, streaming or paced, hold no timer each", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    sim = await startSimulator({ frameIntervalMs: 20, idleTimeoutMs: 60_000 });
    const sessions = await Promise.all(Array.from({ length: 300 }, () => openSession(sim!)));
    for (const { client } of sessions) client.sendAudio("r", pcm(1), true);
    await sleep(100);
    expect(timers() - before).toBeLessThanOrEqual(3);
    for (const { client } of sessions) client.ws.terminate();
  }, 30_000);
});
