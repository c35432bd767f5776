import type { AvatarSDKErrorCode, ErrorPhase } from "./codes";
import { isRetryable } from "./retry";

const brand = Symbol.for("avatarkit.AvatarSDKError");

/** The structured context of an {@link AvatarSDKError}; every field is optional. */
export interface AvatarSDKErrorDetails {
  /** The step that failed. Absent for configuration errors raised before any I/O. */
  phase?: ErrorPhase;
  /** HTTP status of a token response or refused WebSocket upgrade. */
  httpStatus?: number;
  /** The server's code: a `ServerError.code` as a string, or a JSON error's `code`/`id`. */
  serverCode?: string;
  serverTitle?: string;
  serverDetail?: string;
  connectionId?: string;
  reqId?: string;
  /** The raw HTTP body of a token failure or refused upgrade. */
  rawBody?: string;
  /** The WebSocket close code, when the connection closed. */
  closeCode?: number;
  /** The WebSocket close reason, when one was given. */
  closeReason?: string;
  /** Overrides whether retrying can help; by default it follows from the code and the close code. */
  retryable?: boolean;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Every failure the SDK reports. Switch on {@link AvatarSDKError.code}; the
 * other fields carry what the server and the transport said.
 *
 * `instanceof` works across two copies of the package in one bundle.
 */
export class AvatarSDKError extends Error {
  // Optional fields are `declare`d so that absent ones are not even own properties.
  /** A stable code a program can switch on. */
  readonly code: AvatarSDKErrorCode;
  /**
   * Whether trying again can help (PROTOCOL.md §8): a new connection or
   * session, later or with backoff. False when the request itself is at fault
   * (configuration, token, billing, avatar, app, a 40xx close code).
   */
  readonly retryable: boolean;
  declare readonly phase?: ErrorPhase;
  declare readonly httpStatus?: number;
  declare readonly serverCode?: string;
  declare readonly serverTitle?: string;
  declare readonly serverDetail?: string;
  declare readonly connectionId?: string;
  declare readonly reqId?: string;
  declare readonly rawBody?: string;
  declare readonly closeCode?: number;
  declare readonly closeReason?: string;

  constructor(code: AvatarSDKErrorCode, message: string, details: AvatarSDKErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = details.retryable ?? isRetryable(code, details.closeCode, numericCode(details.serverCode));
    for (const key of FIELDS) {
      const value = details[key];
      if (value !== undefined) (this as Record<string, unknown>)[key] = value;
    }
    Object.defineProperty(this, brand, { value: true });
  }

  /** Recognizes errors from another copy of this package, too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== "object" || value === null) return false;
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (!(brand in value)) return false;
    return this === AvatarSDKError || (value as unknown as Error).name === this.name;
  }

  /** The fields as a plain object, for logs (`JSON.stringify(err)`). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message, retryable: this.retryable };
    for (const key of FIELDS) if (this[key] !== undefined) out[key] = this[key];
    return out;
  }
}

const numericCode = (code: string | undefined) => (code !== undefined && /^\d+$/.test(code) ? Number(code) : undefined);

const FIELDS = [
  "phase",
  "httpStatus",
  "serverCode",
  "serverTitle",
  "serverDetail",
  "connectionId",
  "reqId",
  "rawBody",
  "closeCode",
  "closeReason",
] as const;

/** A failure of the session-token request (`init()` or `createSessionToken()`). */
export class SessionTokenError extends AvatarSDKError {}

/**
 * A configuration or argument error, thrown before any network I/O.
 * Its code is always `invalidRequest`; {@link ConfigurationError.field} names the option.
 */
export class ConfigurationError extends AvatarSDKError {
  /** The option or argument at fault, e.g. `"sampleRate"` or `"livekitEgress.url"`. */
  readonly field: string;

  /**
   * @param field - the option or argument at fault.
   * @param message - what is wrong and what to change.
   * @param options - `cause`: the error behind it (e.g. the browser's `NotAllowedError`), as with `Error`.
   */
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super("invalidRequest", message, options?.cause === undefined ? {} : { cause: options.cause });
    this.field = field;
  }
}
