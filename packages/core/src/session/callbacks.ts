import type { Logger } from "../config/options";

/**
 * Calls a user callback so that a throw cannot break the session: the error
 * goes to the logger (`options.logger`, default `console`), once per throw,
 * and so does a rejection of a promise it returns. Fixed arity (no rest
 * arguments): it runs for every received frame.
 * @internal
 */
export function invokeCallback<A, B>(logger: Logger, name: string, callback: ((a: A, b: B) => void) | undefined, a: A, b: B): void;
export function invokeCallback<A>(logger: Logger, name: string, callback: ((a: A) => void) | undefined, a: A): void;
export function invokeCallback(logger: Logger, name: string, callback: (() => void) | undefined): void;
export function invokeCallback(logger: Logger, name: string, callback: ((a?: unknown, b?: unknown) => void) | undefined, a?: unknown, b?: unknown): void {
  if (callback === undefined) return;
  try {
    const result: unknown = callback(a, b);
    if (result instanceof Promise) result.catch((error: unknown) => logger.warn(`[avatarkit] ${name} callback rejected`, error));
  } catch (error) {
    logger.warn(`[avatarkit] ${name} callback threw`, error);
  }
}
