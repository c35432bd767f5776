// A pool of warm avatar sessions: connected ahead of time, lent to one
// request at a time, replaced when they close, fail or near their token's expiry.
import { AvatarSDKError, newAvatarSession } from "@avatarkit/node";
import { Lease, PoolError } from "./lease.mjs";

export { Lease, PoolError };

/** Counters of a pool's life, all since it was created. */
function newCounters() {
  return {
    /** Sessions that reached the open state. */
    opened: 0,
    /** Sessions that failed to open (token or connection). */
    openFailures: 0,
    /** Open sessions that closed without being asked to (server close, drop, idle timeout). */
    lost: 0,
    /** Sessions retired ahead of their token's expiry. */
    renewed: 0,
    /** Errors sessions reported through onError while open. */
    sessionErrors: 0,
  };
}

/** One session the pool owns. */
class Member {
  static #next = 1;
  id = Member.#next++;
  /** @type {import("@avatarkit/node").AvatarSession | undefined} */
  session;
  /** "opening" → "idle" ⇄ "busy" → "closed"; `retiring` marks one to close once returned. */
  state = "opening";
  retiring = false;
  /** @type {Lease | undefined} */
  lease;
  expireAt = 0;
  /** @type {NodeJS.Timeout | undefined} */
  renewTimer;
}

/**
 * Keeps `size` sessions open and lends them out one request at a time.
 *
 * ```js
 * const pool = new SessionPool({ size: 4, sessionOptions: { apiKey, appId, avatarId, consoleEndpointUrl, ingressEndpointUrl } });
 * await pool.start();
 * const { frames } = await pool.animate(pcm);
 * await pool.close();
 * ```
 */
export class SessionPool {
  /** Counters since creation; see the README. */
  counters = newCounters();
  #size;
  #base;
  #tokenTtlMs;
  #renewBeforeMs;
  #acquireTimeoutMs;
  #createSession;
  #log;
  /** @type {Set<Member>} */
  #members = new Set();
  /** @type {Member[]} idle members, oldest-returned first */
  #idle = [];
  /** @type {Array<{ resolve: (lease: Lease) => void, reject: (error: Error) => void, timer: NodeJS.Timeout }>} */
  #waiters = [];
  #retryDelayMs = 0;
  #retryTimer;
  #closed = false;

  /**
   * @param {object} options
   * @param {number} options.size sessions to keep open
   * @param {object} options.sessionOptions what every session is created with (credentials, endpoints, sampleRate…); the pool sets expireAt and the callbacks
   * @param {number} [options.tokenTtlMs] lifetime of each session's token (default 10 min)
   * @param {number} [options.renewBeforeMs] replace a session this long before its token expires (default 1 min, at most half the lifetime)
   * @param {number} [options.acquireTimeoutMs] how long `acquire()` waits for a free session (default 10 s)
   * @param {(options: object) => import("@avatarkit/node").AvatarSession} [options.createSession] default `newAvatarSession`
   * @param {(line: string) => void} [options.log] pool events (default: none)
   */
  constructor({ size, sessionOptions, tokenTtlMs = 10 * 60_000, renewBeforeMs = 60_000, acquireTimeoutMs = 10_000, createSession = newAvatarSession, log = () => {} }) {
    if (!Number.isInteger(size) || size < 1) throw new TypeError(`size must be a positive integer, got ${size}`);
    this.#size = size;
    this.#base = sessionOptions;
    this.#tokenTtlMs = tokenTtlMs;
    this.#renewBeforeMs = Math.min(renewBeforeMs, tokenTtlMs / 2);
    this.#acquireTimeoutMs = acquireTimeoutMs;
    this.#createSession = createSession;
    this.#log = log;
  }

  /** Sessions by state, for monitoring. */
  get status() {
    const count = (predicate) => [...this.#members].filter(predicate).length;
    return {
      size: this.#size,
      opening: count((m) => m.state === "opening"),
      idle: this.#idle.length,
      busy: count((m) => m.state === "busy"),
      retiring: count((m) => m.retiring),
      waiting: this.#waiters.length,
    };
  }

  /** Opens the sessions; resolves once all are open. Rejects with the first failure if none could open. */
  async start() {
    const opening = [];
    for (let i = 0; i < this.#size; i++) opening.push(this.#open());
    const results = await Promise.allSettled(opening);
    const failure = results.find((r) => r.status === "rejected");
    if (failure && results.every((r) => r.status === "rejected")) throw failure.reason;
  }

  /**
   * Borrows an idle session, waiting up to `acquireTimeoutMs` for one.
   * @returns {Promise<Lease>}
   */
  acquire() {
    if (this.#closed) return Promise.reject(new PoolError("poolClosed", "The pool is closed"));
    const member = this.#idle.shift();
    if (member) return Promise.resolve(this.#lend(member));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(new PoolError("acquireTimeout", `No session became free within ${this.#acquireTimeoutMs} ms (${JSON.stringify(this.status)})`));
        }, this.#acquireTimeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * Borrows a session, streams `pcm` as one request, waits for its last frame, returns the session.
   * @param {Uint8Array} pcm
   * @param {Parameters<Lease["animate"]>[1]} [options]
   */
  async animate(pcm, options) {
    const lease = await this.acquire();
    let failed = true;
    try {
      const result = await lease.animate(pcm, options);
      failed = false;
      return result;
    } finally {
      // After a failure the session may still send that request's frames: it is not lent again.
      lease.release({ discard: failed });
    }
  }

  /** Closes every session and fails the waiting `acquire()` calls. */
  async close() {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new PoolError("poolClosed", "The pool was closed"));
    }
    this.#idle = [];
    await Promise.all([...this.#members].map((member) => this.#closeMember(member)));
  }

  /** @internal Called by {@link Lease.release}. */
  _return(member, discard) {
    member.lease = undefined;
    if (member.state !== "busy") return; // it closed while borrowed; a replacement is already on its way
    if (discard || member.retiring || this.#closed) {
      void this.#closeMember(member);
      this.#fill();
      return;
    }
    this.#makeIdle(member);
  }

  /** Opens one session; on failure retries later (backing off) to keep the pool at its size. */
  async #open() {
    const member = new Member();
    this.#members.add(member);
    member.expireAt = Date.now() + this.#tokenTtlMs;
    member.session = this.#createSession({
      ...this.#base,
      expireAt: new Date(member.expireAt),
      transportFrames: (frame, isLast) => member.lease?.onFrame?.(frame, isLast),
      onError: (error) => this.#onSessionError(member, error),
      onClose: () => this.#onSessionClose(member),
    });
    try {
      await member.session.init();
      await member.session.start();
    } catch (error) {
      this.#members.delete(member);
      member.state = "closed";
      await member.session.close();
      if (this.#closed) throw error; // cancelled by close()
      this.counters.openFailures++;
      this.#log(`session #${member.id} failed to open: ${explain(error)}`);
      this.#scheduleRetry();
      throw error;
    }
    if (member.state === "closed" || this.#closed) {
      // Closed between its confirmation and now: open another one instead.
      await this.#closeMember(member);
      this.#fill();
      return;
    }
    this.counters.opened++;
    this.#retryDelayMs = 0;
    const renewIn = member.expireAt - this.#renewBeforeMs - Date.now();
    member.renewTimer = setTimeout(() => this.#renew(member), Math.max(0, renewIn));
    member.renewTimer.unref?.();
    this.#makeIdle(member);
  }

  #lend(member) {
    member.state = "busy";
    member.lease = new Lease(this, member);
    return member.lease;
  }

  #makeIdle(member) {
    const waiter = this.#waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.#lend(member));
      return;
    }
    member.state = "idle";
    this.#idle.push(member);
  }

  /** Replaces a session before its token expires: the replacement opens first, the old one closes once idle. */
  #renew(member) {
    if (member.state === "closed" || this.#closed) return;
    this.counters.renewed++;
    member.retiring = true;
    this.#log(`session #${member.id} renewed ahead of its token's expiry`);
    this.#fill();
    if (member.state === "idle") {
      this.#idle.splice(this.#idle.indexOf(member), 1);
      void this.#closeMember(member);
    }
  }

  #onSessionError(member, error) {
    if (member.state === "opening") return; // init()/start() reject with it
    this.counters.sessionErrors++;
    member.lease?.onError?.(error);
  }

  #onSessionClose(member) {
    if (member.state === "closed") return; // closed by the pool
    const wasOpen = member.state !== "opening";
    member.state = "closed";
    clearTimeout(member.renewTimer);
    this.#members.delete(member);
    const idleAt = this.#idle.indexOf(member);
    if (idleAt >= 0) this.#idle.splice(idleAt, 1);
    if (!wasOpen) return;
    this.counters.lost++;
    this.#log(`session #${member.id} closed unexpectedly; replacing it`);
    member.lease?.onError?.(new AvatarSDKError("connectionClosed", "The pooled session closed during the request"));
    this.#fill();
  }

  async #closeMember(member) {
    if (member.state === "closed" && !this.#members.has(member)) return;
    member.state = "closed";
    clearTimeout(member.renewTimer);
    this.#members.delete(member);
    await member.session?.close();
  }

  /** Opens sessions until the non-retiring ones reach the pool's size. */
  #fill() {
    if (this.#closed) return;
    const active = [...this.#members].filter((m) => !m.retiring).length;
    for (let i = active; i < this.#size; i++) this.#open().catch(() => {});
  }

  #scheduleRetry() {
    if (this.#closed || this.#retryTimer) return;
    this.#retryDelayMs = Math.min(Math.max(250, this.#retryDelayMs * 2), 10_000);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#fill();
    }, this.#retryDelayMs);
    this.#retryTimer.unref?.();
  }
}

function explain(error) {
  return error instanceof AvatarSDKError ? `[${error.code}] ${error.message}` : String(error);
}
