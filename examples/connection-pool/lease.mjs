// A session borrowed from a SessionPool, and the pool's error.

/** The pool could not lend a session in time, or is closed. */
export class PoolError extends Error {
  name = "PoolError";
  /** @param {"acquireTimeout" | "poolClosed" | "requestTimeout"} code */
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * A borrowed session. Use {@link Lease.animate} (or `lease.session` directly,
 * receiving frames through `lease.onFrame`), then {@link Lease.release}.
 */
export class Lease {
  /** @type {((frame: Uint8Array, isLast: boolean) => void) | undefined} Receives the session's frames while borrowed. */
  onFrame;
  /** @type {((error: Error) => void) | undefined} Receives the session's errors while borrowed. */
  onError;
  #pool;
  #member;
  #released = false;

  constructor(pool, member) {
    this.#pool = pool;
    this.#member = member;
  }

  /** The borrowed session. */
  get session() {
    return this.#member.session;
  }

  /** The pool's id for the session (stable across its life, not the server's connection id). */
  get memberId() {
    return this.#member.id;
  }

  /**
   * Streams PCM as one request and resolves when its last frame arrives.
   * Rejects with the session's error if it fails or closes first.
   * @param {Uint8Array} pcm mono s16le at the pool's sample rate
   * @param {{ chunkBytes?: number, timeoutMs?: number, onFrame?: (frame: Uint8Array, isLast: boolean) => void }} [options]
   * @returns {Promise<{ reqId: string, frames: number, bytes: number, connectionId: string | undefined }>}
   */
  async animate(pcm, { chunkBytes = 3200, timeoutMs = 30_000, onFrame } = {}) {
    let frames = 0;
    let bytes = 0;
    let settle;
    const done = new Promise((resolve, reject) => (settle = { resolve, reject }));
    done.catch(() => {});
    this.onFrame = (frame, isLast) => {
      frames++;
      bytes += frame.length;
      onFrame?.(frame, isLast);
      if (isLast) settle.resolve();
    };
    this.onError = (error) => settle.reject(error);
    const timer = setTimeout(() => settle.reject(new PoolError("requestTimeout", `No last frame within ${timeoutMs} ms`)), timeoutMs);
    try {
      let reqId;
      for (let offset = 0; offset < pcm.length; offset += chunkBytes) {
        reqId = await this.session.sendAudio(pcm.subarray(offset, offset + chunkBytes), offset + chunkBytes >= pcm.length);
      }
      await done;
      return { reqId, frames, bytes, connectionId: this.session.connectionId };
    } finally {
      clearTimeout(timer);
      this.onFrame = undefined;
      this.onError = undefined;
    }
  }

  /**
   * Returns the session to the pool. Pass `{ discard: true }` after a failure
   * that leaves the session in an unknown state (e.g. a request timed out): the
   * pool closes it and opens a replacement.
   */
  release({ discard = false } = {}) {
    if (this.#released) return;
    this.#released = true;
    this.#pool._return(this.#member, discard);
  }
}
