/**
 * Session tokens: opaque random strings bound to an app and an expiry.
 *
 * @module
 */
import { randomBytes } from "node:crypto";

/** What a token stands for. */
export interface TokenGrant {
  /** The app the token was minted for. */
  readonly appId: string;
  /** Expiry, in milliseconds since the epoch. */
  readonly expireAtMs: number;
}

/** The outcome of checking a token presented on an upgrade. */
export type TokenCheck =
  | { readonly ok: true; readonly grant: TokenGrant }
  | { readonly ok: false; readonly reason: "unknown" | "expired" | "wrong-app" };

/** @internal Every token minted by one simulator. */
export class TokenStore {
  readonly #grants = new Map<string, TokenGrant>();

  /** Mints a fresh token for `appId`, valid until `expireAtMs`. */
  mint(appId: string, expireAtMs: number): string {
    const token = `st_${randomBytes(24).toString("base64url")}`;
    this.#grants.set(token, { appId, expireAtMs });
    return token;
  }

  /** Checks a presented token against the presented app id at `nowMs`. */
  check(token: string, appId: string, nowMs: number): TokenCheck {
    const grant = token ? this.#grants.get(token) : undefined;
    if (!grant) return { ok: false, reason: "unknown" };
    if (grant.appId !== appId) return { ok: false, reason: "wrong-app" };
    if (grant.expireAtMs <= nowMs) return { ok: false, reason: "expired" };
    return { ok: true, grant };
  }
}
