/**
 * The runtime helpers a generated codec may include (sizes of varints and
 * strings, the reused writer, length and end checks, skipping, packed typed
 * arrays): their code, the order they are emitted in, which call which, and
 * the set a file uses.
 */

/**
 * Output larger than this releases the shared writer, so that an unusually
 * big message does not keep its buffer alive. It is above the SDK's largest
 * message (audio goes out in chunks of at most 256 KiB): a writer reused for
 * those holds a buffer of at most 512 KiB.
 */
export const WRITER_REUSE_LIMIT = 1024 * 1024;

/** The helpers a file uses, emitted once each. */
export class Helpers {
  readonly used = new Set<string>();
  use(name: string): string {
    this.used.add(name);
    return name;
  }
}

/** Marks the helpers a piece of code calls. */
export function noteHelpers(helpers: Helpers, code: string): string {
  for (const name of HELPER_ORDER) if (new RegExp(`\\b${name}\\(`).test(code)) helpers.use(name);
  return code;
}

export const HELPER_ORDER = [
  "varintSize",
  "int32Size",
  "int64Size",
  "lenSize",
  "utf8Size",
  "encodeWith",
  "lengthEnd",
  "assertEnd",
  "skipField",
  "toSafeInt",
  "skipPacked",
  "f32Packed",
  "f32Push",
  "f32Done",
  "f64Packed",
  "f64Push",
  "f64Done",
] as const;

/** Helpers that other helpers call. */
export const HELPER_DEPS: Partial<Record<(typeof HELPER_ORDER)[number], string[]>> = {
  int32Size: ["varintSize"],
  lenSize: ["varintSize"],
  f32Packed: ["lengthEnd"],
  f64Packed: ["lengthEnd"],
  skipPacked: ["lengthEnd"],
};

function typedArrayHelpers(prefix: "f32" | "f64", ctor: string, width: number): Record<string, string[]> {
  const acc = `${ctor} | number[] | undefined`;
  return {
    [`${prefix}Packed`]: [
      `/** Reads a packed ${ctor === "Float32Array" ? "float" : "double"} field onto what earlier occurrences held. */`,
      `function ${prefix}Packed(r: BinaryReader, acc: ${acc}): ${ctor} | number[] {`,
      "  const end = lengthEnd(r);",
      `  const count = (end - r.pos) / ${width};`,
      `  if (!Number.isInteger(count)) throw new Error(\`packed field of \${end - r.pos} bytes, not a multiple of ${width}\`);`,
      "  if (acc === undefined) {",
      `    const out = new ${ctor}(count);`,
      `    for (let i = 0; i < count; i++) out[i] = r.${width === 4 ? "float" : "double"}();`,
      "    return out;",
      "  }",
      `  const list = acc instanceof ${ctor} ? Array.from(acc) : acc;`,
      `  for (let i = 0; i < count; i++) list.push(r.${width === 4 ? "float" : "double"}());`,
      "  return list;",
      "}",
    ],
    [`${prefix}Push`]: [
      "/** Adds an unpacked element (linear: a list collects them). */",
      `function ${prefix}Push(acc: ${acc}, value: number): number[] {`,
      `  const list = acc === undefined ? [] : acc instanceof ${ctor} ? Array.from(acc) : acc;`,
      "  list.push(value);",
      "  return list;",
      "}",
    ],
    [`${prefix}Done`]: [`function ${prefix}Done(acc: ${ctor} | number[]): ${ctor} {`, `  return acc instanceof ${ctor} ? acc : ${ctor}.from(acc);`, "}"],
  };
}

export const HELPER_CODE: Record<string, string[]> = {
  varintSize: [
    "/** Bytes of a uint32 varint. */",
    "function varintSize(value: number): number {",
    "  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;",
    "}",
  ],
  int32Size: ["/** Bytes of an int32 varint: negatives are sign-extended to 10 bytes. */", "function int32Size(value: number): number {", "  return value < 0 ? 10 : varintSize(value);", "}"],
  int64Size: [
    "/** Bytes of an int64 varint of a safe integer. */",
    "function int64Size(value: number): number {",
    "  if (value < 0) return 10;",
    "  let size = 1;",
    "  for (; value >= 0x80; size++) value = Math.floor(value / 0x80);",
    "  return size;",
    "}",
  ],
  lenSize: ["/** Bytes of a length prefix and its content. */", "function lenSize(length: number): number {", "  return varintSize(length) + length;", "}"],
  utf8Size: [
    "/** Bytes of a string in UTF-8; a lone surrogate takes 3 (U+FFFD), as TextEncoder writes it. */",
    "function utf8Size(text: string): number {",
    "  let size = text.length;",
    "  for (let i = 0; i < text.length; i++) {",
    "    const c = text.charCodeAt(i);",
    "    if (c < 0x80) continue;",
    "    if (c < 0x800) size += 1;",
    "    else if (c >= 0xd800 && c < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {",
    "      size += 2;",
    "      i++;",
    "    } else size += 2;",
    "  }",
    "  return size;",
    "}",
  ],
  encodeWith: [
    "/** The writer of the last encode, reused by the next one (encoders are synchronous). */",
    "let spare: BinaryWriter | undefined;",
    "",
    "/** Runs a writer function on a reused BinaryWriter; one copy of the output at finish(). */",
    "function encodeWith<T>(write: (w: BinaryWriter, value: T) => void, value: T): Uint8Array {",
    "  const w = spare ?? new BinaryWriter();",
    "  spare = undefined; // a throw below drops the writer with whatever it holds",
    "  write(w, value);",
    "  const bytes = w.finish();",
    `  if (bytes.length <= ${WRITER_REUSE_LIMIT}) spare = w;`,
    "  return bytes;",
    "}",
  ],
  lengthEnd: [
    "/** Reads a length prefix; returns where the value ends, which must be within `limit` (the end of what is read). */",
    "function lengthEnd(r: BinaryReader, limit = r.len): number {",
    "  const length = r.uint32();",
    "  const end = r.pos + length;",
    '  if (end > limit) throw new RangeError("a length-delimited field runs past the end");',
    "  return end;",
    "}",
  ],
  assertEnd: [
    "/** A message must end exactly where its length said. */",
    "function assertEnd(r: BinaryReader, end: number): void {",
    '  if (r.pos !== end) throw new RangeError("a field runs past the end of its message");',
    "}",
  ],
  skipField: [
    "/** Skips a field this schema does not declare (or declares with another wire type). */",
    "function skipField(r: BinaryReader, tag: number): void {",
    "  const wireType = tag & 7;",
    "  if (tag >>> 3 === 0 || wireType === 4 || wireType > 5) throw new Error(`invalid tag ${tag}`);",
    "  r.skip(wireType, tag >>> 3);",
    "}",
  ],
  toSafeInt: [
    "/** int64 fields are numbers: a value beyond Number.MAX_SAFE_INTEGER is a decode error. */",
    "function toSafeInt(value: bigint | string): number {",
    "  const n = Number(value);",
    "  if (!Number.isSafeInteger(n)) throw new RangeError(`int64 value ${value} is outside the safe integer range`);",
    "  return n;",
    "}",
  ],
  skipPacked: [
    "/** Skips a packed field of fixed-width elements; throws, as reading them does, when its length is not a multiple of the width. */",
    "function skipPacked(r: BinaryReader, width: number, limit: number): void {",
    "  const end = lengthEnd(r, limit);",
    "  if ((end - r.pos) % width !== 0) throw new Error(`packed field of ${end - r.pos} bytes, not a multiple of ${width}`);",
    "  r.pos = end;",
    "}",
  ],
  ...typedArrayHelpers("f32", "Float32Array", 4),
  ...typedArrayHelpers("f64", "Float64Array", 8),
};
