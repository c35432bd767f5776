/**
 * Shared timing for every session of one simulator: one Node timer for all
 * deadlines (idle timeouts, pause timeouts, paced frames, egress playout) and
 * one `setImmediate` for all sessions that have frames to send, so that
 * thousands of sessions cost thousands of small objects, not thousands of
 * timers and closures.
 *
 * @module
 */

/** @internal Something that owns {@link TimerEntry}s and is told when one is due. */
export interface TimerOwner {
  onTimer(entry: TimerEntry): void;
}

/**
 * @internal One reusable deadline, owned by a session. Scheduling it again
 * moves it; it is never in the queue twice.
 */
export class TimerEntry {
  /** When it is due, in {@link Scheduler.now} milliseconds. */
  at = 0;
  /** Position in the scheduler's heap; -1 when not scheduled. */
  index = -1;

  constructor(
    readonly owner: TimerOwner,
    /** Tells the owner's entries apart. */
    readonly slot: number,
  ) {}

  /** True while it waits in the scheduler. */
  get scheduled(): boolean {
    return this.index >= 0;
  }
}

/** Timers may fire this early, as Node's loop clock lags `performance.now()` by up to a millisecond. */
const EARLY_MS = 1;

/** @internal A min-heap of deadlines behind one Node timer. */
export class Scheduler {
  readonly #heap: TimerEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  #closed = false;

  /** The clock every deadline is expressed in (milliseconds, monotonic). */
  now(): number {
    return performance.now();
  }

  /** Schedules `entry` at `at`, or moves it there if it is already scheduled. */
  schedule(entry: TimerEntry, at: number): void {
    if (this.#closed) return;
    entry.at = at;
    if (entry.index < 0) {
      entry.index = this.#heap.length;
      this.#heap.push(entry);
      this.#up(entry.index);
    } else {
      this.#up(entry.index);
      this.#down(entry.index);
    }
    this.#arm();
  }

  /** Removes `entry` if it is scheduled. */
  cancel(entry: TimerEntry): void {
    const i = entry.index;
    if (i < 0) return;
    entry.index = -1;
    const last = this.#heap.pop()!;
    if (last !== entry) {
      this.#heap[i] = last;
      last.index = i;
      this.#up(i);
      this.#down(i);
    }
    if (this.#heap.length === 0) this.#disarm();
  }

  /** Number of scheduled entries (for tests). */
  get size(): number {
    return this.#heap.length;
  }

  /** Forgets every entry and stops the timer. */
  close(): void {
    this.#closed = true;
    for (const entry of this.#heap) entry.index = -1;
    this.#heap.length = 0;
    this.#disarm();
  }

  #arm(): void {
    const first = this.#heap[0];
    if (!first) return this.#disarm();
    if (this.#timer && first.at >= this.#armedFor) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#armedFor = first.at;
    this.#timer = setTimeout(this.#fire, Math.max(0, first.at - this.now()));
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const due = this.now() + EARLY_MS;
    for (let first = this.#heap[0]; first && first.at <= due && !this.#closed; first = this.#heap[0]) {
      this.cancel(first);
      first.owner.onTimer(first);
    }
    this.#arm();
  };

  #up(i: number): void {
    const heap = this.#heap;
    const entry = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.at <= entry.at) break;
      heap[i] = p;
      p.index = i;
      i = parent;
    }
    heap[i] = entry;
    entry.index = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const entry = heap[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right]!.at < heap[left]!.at ? right : left;
      const c = heap[child]!;
      if (c.at >= entry.at) break;
      heap[i] = c;
      c.index = i;
      i = child;
    }
    heap[i] = entry;
    entry.index = i;
  }
}

/** @internal Work that the {@link RunQueue} runs on its next turn. */
export interface Runnable {
  /** True while it waits in a run queue (managed by the queue). */
  queued: boolean;
  run(): void;
}

/**
 * @internal Runs queued work on the next turn of the event loop, all of it
 * under one `setImmediate`, so socket events (an interrupt, a pause) land
 * between turns.
 */
export class RunQueue {
  #items: Runnable[] = [];
  #spare: Runnable[] = [];
  #scheduled = false;
  #closed = false;

  /** Runs `item` on the next turn (once, however often it is added before). */
  add(item: Runnable): void {
    if (item.queued || this.#closed) return;
    item.queued = true;
    this.#items.push(item);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#drain);
    }
  }

  /** Runs nothing more. */
  close(): void {
    this.#closed = true;
    for (const item of this.#items) item.queued = false;
    this.#items.length = 0;
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    const batch = this.#items;
    this.#items = this.#spare;
    this.#spare = batch;
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      item.queued = false;
      if (!this.#closed) item.run();
    }
    batch.length = 0;
  };
}
