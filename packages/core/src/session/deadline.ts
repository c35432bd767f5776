/** An abort signal that fires when time runs out or any parent signal fires. @internal */
export interface Deadline {
  readonly signal: AbortSignal;
  /** True when the deadline (not a parent) fired. */
  readonly timedOut: boolean;
  /** Clears the timer and detaches from the parents. Call it when the step ends. */
  dispose(): void;
}

/** Starts a deadline of `ms` milliseconds linked to `parents`. @internal */
export function startDeadline(ms: number, ...parents: Array<AbortSignal | undefined>): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${ms} ms`));
  }, ms);
  const detach: Array<() => void> = [];
  for (const parent of parents) {
    if (parent === undefined) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      continue;
    }
    const onAbort = () => controller.abort(parent.reason);
    parent.addEventListener("abort", onAbort, { once: true });
    detach.push(() => parent.removeEventListener("abort", onAbort));
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      clearTimeout(timer);
      for (const d of detach) d();
    },
  };
}

/** A promise with its resolve/reject exposed. @internal */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** Creates a {@link Deferred}. @internal */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Calls `onAbort` once when `signal` aborts (soon, if it already has); stops listening when `until` aborts. @internal */
export function linkAbort(signal: AbortSignal, onAbort: () => void, until: AbortSignal): void {
  if (signal.aborted) return queueMicrotask(onAbort);
  signal.addEventListener("abort", onAbort, { once: true });
  until.addEventListener("abort", () => signal.removeEventListener("abort", onAbort), { once: true });
}
