import type { Logger } from "../config/options";

/**
 * Calls a user callback so that a throw cannot break the session: the error
 * goes to the logger (`options.logger`, default `console`), once per throw.
 * @internal
 */
export function invokeCallback<A extends unknown[]>(
  logger: Logger,
  name: string,
  callback: ((...args: A) => void) | undefined,
  ...args: A
): void {
  if (callback === undefined) return;
  try {
    const result: unknown = callback(...args);
    if (result instanceof Promise) result.catch((error: unknown) => logger.warn(`[avatarkit] ${name} callback rejected`, error));
  } catch (error) {
    logger.warn(`[avatarkit] ${name} callback threw`, error);
  }
}
