/** What replaces a secret in logs and serialized configuration. */
export const REDACTED = "[redacted]";

/** Paths of the secrets a configuration can hold. */
const SECRET_PATHS = [
  ["apiKey"],
  ["sessionToken"],
  ["livekitEgress", "apiToken"],
  ["livekitEgress", "apiKey"],
  ["livekitEgress", "apiSecret"],
  ["agoraEgress", "token"],
] as const;

/** The secret values present in a configuration, for scrubbing messages. */
export function secretsOf(config: object): string[] {
  const out: string[] = [];
  for (const path of SECRET_PATHS) {
    let value: unknown = config;
    for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
    if (typeof value === "string" && value !== "") out.push(value);
  }
  return out;
}

/** A copy of a configuration with every secret replaced by {@link REDACTED} and functions dropped. */
export function redactConfig(config: object): Record<string, unknown> {
  // Spread first: the config's own (non-enumerable) toJSON must not be called.
  const copy = JSON.parse(JSON.stringify({ ...config }, (key, value: unknown) => (typeof value === "function" || key === "logger" || key === "signal" ? undefined : value)));
  for (const path of SECRET_PATHS) {
    let parent: Record<string, unknown> | undefined = copy;
    for (const key of path.slice(0, -1)) parent = parent?.[key] as Record<string, unknown> | undefined;
    const last = path[path.length - 1] as string;
    if (parent !== undefined && parent[last] !== undefined) parent[last] = REDACTED;
  }
  return copy;
}

/** Replaces every occurrence of each secret in `text`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * Makes `JSON.stringify(config)` and Node's `util.inspect(config)` show the
 * configuration with secrets redacted. The properties stay readable.
 */
export function hideSecrets<T extends object>(config: T): T {
  const redacted = () => redactConfig(config);
  Object.defineProperty(config, "toJSON", { value: redacted, enumerable: false });
  Object.defineProperty(config, Symbol.for("nodejs.util.inspect.custom"), { value: redacted, enumerable: false });
  return config;
}
