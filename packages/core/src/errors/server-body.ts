/** What an HTTP error body says, whatever shape it came in. */
export interface ServerBody {
  /** JSON:API `code` (else `id`), or a flat object's `code`/`error`. */
  code?: string;
  title?: string;
  /** `detail`, else `message`, else the plain-text body. */
  detail?: string;
  /** A numeric `status` found in the body, if any. */
  status?: number;
  /** True when the body is JSON:API with a non-empty `errors` array. */
  hasErrors: boolean;
}

/**
 * Reads an error body as the service sends it: JSON:API
 * (`{"errors":[{id,status,code,title,detail}]}`), a flat object
 * (`status`, `code` or `error`, `title`, `detail`, `message`), plain text, or
 * nothing. Never throws.
 */
export function parseServerBody(body: string): ServerBody {
  const text = body.trim();
  if (text === "") return { hasErrors: false };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { detail: text, hasErrors: false };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { detail: typeof json === "string" ? json : text, hasErrors: false };
  }
  const record = json as Record<string, unknown>;
  const errors = record["errors"];
  if (Array.isArray(errors) && errors.length > 0) {
    const first = (typeof errors[0] === "object" && errors[0] !== null ? errors[0] : {}) as Record<string, unknown>;
    return {
      ...pick(first, ["code", "id"], ["title"], ["detail", "message"]),
      hasErrors: true,
    };
  }
  return { ...pick(record, ["code", "error"], ["title"], ["detail", "message"]), hasErrors: false };
}

function pick(
  record: Record<string, unknown>,
  codeKeys: string[],
  titleKeys: string[],
  detailKeys: string[],
): Omit<ServerBody, "hasErrors"> {
  const out: Omit<ServerBody, "hasErrors"> = {};
  const code = firstString(record, codeKeys);
  const title = firstString(record, titleKeys);
  const detail = firstString(record, detailKeys);
  const status = toStatus(record["status"]);
  if (code !== undefined) out.code = code;
  if (title !== undefined) out.title = title;
  if (detail !== undefined) out.detail = detail;
  if (status !== undefined) out.status = status;
  return out;
}

function firstString(record: Record<string, unknown>, keys: string[]): string | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === "string" && value !== "") return value;
    if (typeof value === "number") return String(value);
  }
  return undefined;
}

function toStatus(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d{3}$/.test(value.trim()) ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}
