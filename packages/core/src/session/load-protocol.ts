import { AvatarSDKError } from "../errors/avatar-sdk-error";

/** The module every open session runs on (`./protocol`). @internal */
export type Protocol = typeof import("./protocol");

let loading: Promise<Protocol> | undefined;

/**
 * Loads `./protocol` once per page or process. A failed load (a page gone
 * offline before the chunk arrived) is a `connectionFailed` error of the
 * `start()` that needed it, and the next call tries again.
 * @internal
 */
export function loadProtocol(): Promise<Protocol> {
  loading ??= import("./protocol").catch((error: unknown) => {
    loading = undefined;
    throw new AvatarSDKError("connectionFailed", `Could not load the SDK's protocol code: ${(error as Error)?.message ?? String(error)}`, {
      phase: "websocket_connect",
      cause: error,
    });
  });
  return loading;
}
