/**
 * Writes the TypeScript of one planned file, as two modules: the enum
 * constants on their own (so that code needing only a constant does not
 * pull in the codec), and the codec: interfaces, encoders (sizes first, then
 * fields: no fork/join), decoders and the server envelope's peek over
 * `@bufbuild/protobuf/wire`'s BinaryReader and BinaryWriter. The codec
 * re-exports the enums.
 */
import { ScalarType, type DescEnum, type DescEnumValue, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { fieldMessage, typeIdentifier, type Envelope, type FilePlan, type MessagePlan } from "./plan";

/** Protobuf wire types. */
const WT = { varint: 0, bit64: 1, len: 2, bit32: 5 } as const;

/** Field numbers of a map entry's key and value: fixed by the protobuf encoding, not by any .proto file. */
const MAP_KEY = 1;
const MAP_VALUE = 2;

/**
 * Output larger than this releases the shared writer, so that an unusually
 * big message does not keep its buffer alive. It is above the SDK's largest
 * message (audio goes out in chunks of at most 256 KiB): a writer reused for
 * those holds a buffer of at most 512 KiB.
 */
export const WRITER_REUSE_LIMIT = 1024 * 1024;

export interface Output {
  /** Adds one line. */
  line(text?: string): void;
  /** A JSDoc block of a descriptor's comments, indented. */
  doc(desc: DescMessage | DescEnum | DescEnumValue | DescField, indent?: string): void;
}

const INT64_TYPES = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);

/** Wire type of a scalar (enums are int32). */
function scalarWireType(t: ScalarType): number {
  switch (t) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WT.len;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WT.bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WT.bit32;
    default:
      return WT.varint;
  }
}

/** The BinaryReader/BinaryWriter method of a scalar. */
function scalarMethod(t: ScalarType): string {
  return ScalarType[t].toLowerCase();
}

function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

const tagOf = (field: DescField | number, wireType: number) => (((typeof field === "number" ? field : field.number) << 3) | wireType) >>> 0;

/** A scalar's TypeScript type. */
function scalarTs(t: ScalarType): string {
  switch (t) {
    case ScalarType.STRING:
      return "string";
    case ScalarType.BYTES:
      return "Uint8Array";
    case ScalarType.BOOL:
      return "boolean";
    default:
      return "number";
  }
}

function scalarDefault(t: ScalarType): string {
  switch (t) {
    case ScalarType.STRING:
      return '""';
    case ScalarType.BYTES:
      return "new Uint8Array(0)";
    case ScalarType.BOOL:
      return "false";
    default:
      return "0";
  }
}

/** Repeated floats and doubles decode to typed arrays. */
function typedArrayOf(t: ScalarType | undefined): { ctor: "Float32Array" | "Float64Array"; prefix: "f32" | "f64"; width: 4 | 8 } | undefined {
  if (t === ScalarType.FLOAT) return { ctor: "Float32Array", prefix: "f32", width: 4 };
  if (t === ScalarType.DOUBLE) return { ctor: "Float64Array", prefix: "f64", width: 8 };
  return undefined;
}

/** The element kind of a field: what one value on the wire is. */
type Element = { kind: "scalar"; scalar: ScalarType } | { kind: "enum"; desc: DescEnum } | { kind: "message"; desc: DescMessage };

function elementOf(field: DescField): Element {
  switch (field.fieldKind) {
    case "scalar":
      return { kind: "scalar", scalar: field.scalar };
    case "enum":
      return { kind: "enum", desc: field.enum };
    case "message":
      return { kind: "message", desc: field.message };
    case "list":
      return field.listKind === "scalar"
        ? { kind: "scalar", scalar: field.scalar }
        : field.listKind === "enum"
          ? { kind: "enum", desc: field.enum }
          : { kind: "message", desc: field.message };
    case "map":
      return field.mapKind === "scalar"
        ? { kind: "scalar", scalar: field.scalar }
        : field.mapKind === "enum"
          ? { kind: "enum", desc: field.enum }
          : { kind: "message", desc: field.message };
  }
}

const elementTs = (e: Element) => (e.kind === "scalar" ? scalarTs(e.scalar) : typeIdentifier(e.desc));
const elementWireType = (e: Element) => (e.kind === "scalar" ? scalarWireType(e.scalar) : e.kind === "enum" ? WT.varint : WT.len);
const elementDefault = (e: Element) => (e.kind === "scalar" ? scalarDefault(e.scalar) : e.kind === "enum" ? "0" : "undefined");
const packable = (e: Element) => e.kind === "enum" || (e.kind === "scalar" && e.scalar !== ScalarType.STRING && e.scalar !== ScalarType.BYTES);

/** Code that reads one element. */
function readElement(e: Element, field: DescField): string {
  if (e.kind === "enum") return `r.int32() as ${typeIdentifier(e.desc)}`;
  if (e.kind === "message") return `read${typeIdentifier(e.desc)}(r, lengthEnd(r))`;
  if (e.scalar === ScalarType.STRING) return `r.string(${field.utf8Validation})`;
  if (INT64_TYPES.has(e.scalar)) return `toSafeInt(r.${scalarMethod(e.scalar)}())`;
  return `r.${scalarMethod(e.scalar)}()`;
}

/** Code for the encoded size of one element held in `x`, without its tag. */
function sizeElement(e: Element, x: string): string {
  if (e.kind === "enum") return `int32Size(${x})`;
  if (e.kind === "message") return `lenSize(size${typeIdentifier(e.desc)}(${x}))`;
  switch (e.scalar) {
    case ScalarType.STRING:
      return `lenSize(utf8Size(${x}))`;
    case ScalarType.BYTES:
      return `lenSize(${x}.length)`;
    case ScalarType.BOOL:
      return "1";
    case ScalarType.INT32:
      return `int32Size(${x})`;
    case ScalarType.UINT32:
      return `varintSize(${x})`;
    case ScalarType.SINT32:
      return `varintSize(((${x} << 1) ^ (${x} >> 31)) >>> 0)`;
    case ScalarType.INT64:
    case ScalarType.UINT64:
      return `int64Size(${x})`;
    case ScalarType.SINT64:
      return `int64Size(${x} < 0 ? -2 * ${x} - 1 : 2 * ${x})`;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return "4";
    default:
      return "8";
  }
}

/** Code that writes one element held in `x` (after its tag). */
function writeElement(e: Element, x: string): string {
  if (e.kind === "enum") return `w.int32(${x});`;
  if (e.kind === "message") {
    const name = typeIdentifier(e.desc);
    return `w.uint32(size${name}(${x})); write${name}(w, ${x});`;
  }
  return `w.${scalarMethod(e.scalar)}(${x});`;
}

/** The helpers a file uses, emitted once each. */
class Helpers {
  readonly used = new Set<string>();
  use(name: string): string {
    this.used.add(name);
    return name;
  }
}

/** Marks the helpers a piece of code calls. */
function noteHelpers(helpers: Helpers, code: string): string {
  for (const name of HELPER_ORDER) if (new RegExp(`\\b${name}\\(`).test(code)) helpers.use(name);
  return code;
}

const HELPER_ORDER = [
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
const HELPER_DEPS: Partial<Record<(typeof HELPER_ORDER)[number], string[]>> = {
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

const HELPER_CODE: Record<string, string[]> = {
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

/** TypeScript type of a field. */
function fieldTs(field: DescField): string {
  const e = elementOf(field);
  if (field.fieldKind === "list") {
    const typed = field.listKind === "scalar" ? typedArrayOf(field.scalar) : undefined;
    return typed ? typed.ctor : `${elementTs(e)}[]`;
  }
  if (field.fieldKind === "map") return `{ [key: string]: ${elementTs(e)} }`;
  return elementTs(e);
}

function fieldDefault(field: DescField): string {
  if (field.fieldKind === "list") {
    const typed = field.listKind === "scalar" ? typedArrayOf(field.scalar) : undefined;
    return typed ? `new ${typed.ctor}(0)` : "[]";
  }
  if (field.fieldKind === "map") return "Object.create(null)";
  return elementDefault(elementOf(field));
}

/** Fields in wire order (by number), as protobuf-es and protoc write them. */
const byNumber = (message: DescMessage) => [...message.fields].sort((a, b) => a.number - b.number);

export class Emitter {
  private readonly helpers = new Helpers();
  constructor(private readonly plan: FilePlan) {}

  /** Emits the enums module through `out`: the enum constants and their types, nothing else. */
  emitEnums(out: Output, header: readonly string[]): void {
    for (const line of header) out.line(line);
    this.plan.enums.forEach((e, i) => {
      if (i > 0) out.line();
      this.enumConst(out, e.desc, e.name);
    });
  }

  /**
   * Emits the codec module through `out`. `enumsModule` is the specifier of
   * the enums module (see {@link Emitter.emitEnums}): the codec imports the
   * enum types it uses from it and re-exports every enum.
   */
  emit(out: Output, header: readonly string[], enumsModule: string): void {
    const { plan } = this;
    const chunks: Array<() => void> = [];
    // Declarations first (interfaces), then code.
    for (const m of plan.messages) chunks.push(() => this.messageInterface(out, m));
    if (plan.envelope) chunks.push(() => this.envelopeTypes(out, plan.envelope!));
    const code: string[] = [];
    for (const m of plan.messages) {
      if (m.decode) code.push(...this.reader(m, false));
      if (m.shallow) code.push(...this.reader(m, true));
      if (m.decode) code.push(...this.decodeExport(m));
      if (m.encode) code.push(...this.sizer(m), ...this.writer(m), ...this.encodeExport(m));
    }
    if (plan.envelope) code.push(...this.envelopeCode(plan.envelope));
    noteHelpers(this.helpers, code.join("\n"));
    // Helpers that helpers need.
    for (let changed = true; changed; ) {
      changed = false;
      for (const name of [...this.helpers.used]) {
        for (const dep of HELPER_DEPS[name as keyof typeof HELPER_DEPS] ?? []) {
          if (!this.helpers.used.has(dep)) {
            this.helpers.used.add(dep);
            changed = true;
          }
        }
      }
    }
    const usesReader = /\bBinaryReader\b/.test(code.join("\n")) || [...this.helpers.used].some((h) => HELPER_CODE[h]!.join("\n").includes("BinaryReader"));
    const usesWriter = this.helpers.used.has("encodeWith");

    for (const line of header) out.line(line);
    const imports = [usesReader ? "BinaryReader" : "", usesWriter ? "BinaryWriter" : ""].filter(Boolean);
    if (imports.length > 0) out.line(`import { ${imports.join(", ")} } from "@bufbuild/protobuf/wire";`);
    const enumTypes = this.referencedEnums();
    if (enumTypes.length > 0) out.line(`import type { ${enumTypes.join(", ")} } from "${enumsModule}";`);
    if (imports.length > 0 || enumTypes.length > 0) out.line();
    if (plan.enums.length > 0) {
      out.line(`/** The enums live in ${enumsModule}, which imports nothing: code that needs only a constant imports it from there. */`);
      out.line(`export { ${plan.enums.map((e) => e.name).join(", ")} } from "${enumsModule}";`);
      out.line();
    }
    for (const chunk of chunks) {
      chunk();
      out.line();
    }
    const helperLines = HELPER_ORDER.filter((h) => this.helpers.used.has(h)).flatMap((h) => [...HELPER_CODE[h]!, ""]);
    if (helperLines.length > 0) {
      out.line("// Wire helpers.");
      out.line();
      for (const l of helperLines) out.line(l);
    }
    for (const l of code) out.line(l);
  }

  /** The enums the codec's declarations and code name (field types, the envelope's `type`), in declaration order. */
  private referencedEnums(): string[] {
    const used = new Set<DescEnum>();
    for (const m of this.plan.messages) {
      for (const f of m.desc.fields) {
        const e = elementOf(f);
        if (e.kind === "enum") used.add(e.desc);
      }
    }
    if (this.plan.envelope) used.add(this.plan.envelope.typeField.enum);
    return this.plan.enums.filter((e) => used.has(e.desc)).map((e) => e.name);
  }

  private enumConst(out: Output, desc: DescEnum, name: string): void {
    out.doc(desc);
    out.line(`export const ${name} = {`);
    for (const value of desc.values) {
      out.doc(value, "  ");
      out.line(`  ${value.localName}: ${value.number},`);
    }
    out.line("} as const;");
    out.line(`export type ${name} = (typeof ${name})[keyof typeof ${name}];`);
  }

  private messageInterface(out: Output, m: MessagePlan): void {
    const direction = m.encode && m.decode ? "Encoded and decoded" : m.encode ? "Encoded (sent by the client)" : "Decoded (sent by the server)";
    out.line(`// ${direction}.${m.shallow ? " The shallow decoder leaves message-typed fields at their defaults." : ""}`);
    out.doc(m.desc);
    out.line(`export interface ${m.name} {`);
    for (const field of m.desc.fields) {
      out.doc(field, "  ");
      // A decoded message has every field; an encode-only one may omit any (the proto3 default is sent as nothing).
      const optional = field.fieldKind === "message" || !m.decode;
      out.line(`  ${field.localName}${optional ? "?" : ""}: ${fieldTs(field)};`);
    }
    out.line("}");
  }

  private envelopeTypes(out: Output, env: Envelope): void {
    const typeName = typeIdentifier(env.typeField.enum);
    out.line(`/** What the client sends: one ${env.oneof.name} case of ${env.message.typeName}; the encoder sets \`${env.typeField.name}\` from the case. */`);
    out.line(`export type ${env.clientName} =`);
    for (const c of env.client) out.line(`  | { readonly case: "${c.field.localName}"; readonly value: ${typeIdentifier(c.message)} }`);
    if (env.client.length === 0) out.line("  never");
    out.line(";");
    out.line();
    out.line(`/** The \`${env.typeField.name}\` of each client case (${typeName}). */`);
    out.line(`export const ${env.clientName}Type = {`);
    for (const c of env.client) out.line(`  ${c.field.localName}: ${c.typeValue.number}, // ${c.typeValue.name}`);
    out.line("} as const;");
    out.line();
    out.line(`/** The ${env.oneof.name} cases the client decodes; \`case: undefined\` when none (or another one) was present. */`);
    out.line(`export type ${env.serverName}Data =`);
    for (const c of env.server) out.line(`  | { case: "${c.field.localName}"; value: ${typeIdentifier(c.message)} }`);
    out.line("  | { case: undefined; value?: undefined };");
    out.line();
    out.line(`/** What the server sends, as decoded. */`);
    out.line(`export interface ${env.serverName} {`);
    out.line(`  /** As received: 0 when absent; values outside ${typeName} pass through (enums are open). */`);
    out.line(`  ${env.typeField.localName}: ${typeName};`);
    out.line(`  ${env.oneof.localName}: ${env.serverName}Data;`);
    out.line("}");
    out.line();
    out.line(`/** The \`${env.typeField.name}\` of each server case (${typeName}). */`);
    out.line(`export const ${env.serverName}Type = {`);
    for (const c of env.server) out.line(`  ${c.field.localName}: ${c.typeValue.number}, // ${c.typeValue.name}`);
    out.line("} as const;");
    out.line();
    out.line("/**");
    out.line(` * What peek${env.serverName} reads of a ${env.message.typeName} from the server: its`);
    out.line(` * \`${env.typeField.name}\` and, of the server case present, the payload's top-level bool fields.`);
    out.line(" * Every call returns the same object, refilled: read it before the next call.");
    out.line(" * After a throw its contents are unspecified.");
    out.line(" */");
    out.line(`export interface ${env.serverName}Peek {`);
    out.line(`  /** As received; when absent (0), the \`${env.typeField.name}\` of the server case present (0 when none). */`);
    out.line(`  readonly ${env.typeField.localName}: ${typeName};`);
    out.line(`  /** The server case present (the last one, as the decoders keep it); \`undefined\` when none. */`);
    out.line(`  readonly case: ${env.serverName}Data["case"];`);
    for (const c of peekCases(env)) {
      out.line(`  /** The bool fields of the ${c.field.localName} case: as decoded when it is the case present, false otherwise. */`);
      out.line(`  readonly ${c.field.localName}: Readonly<Pick<${typeIdentifier(c.message)}, ${boolFields(c.message).map((f) => `"${f.localName}"`).join(" | ")}>>;`);
    }
    out.line("}");
  }

  /** `readX(r, end, m)`: the fields up to `end`, merged into `m` (proto merge semantics for repeated occurrences). */
  private reader(m: MessagePlan, shallow: boolean): string[] {
    const name = m.name;
    const fields = byNumber(m.desc);
    const defaults = fields.map((f) => `${f.localName}: ${fieldDefault(f)}`).join(", ");
    const lines: string[] = [];
    lines.push(
      shallow
        ? `/** Reads ${m.desc.typeName} without its message-typed fields (skipped, left at their defaults). */`
        : `/** Reads ${m.desc.typeName} up to \`end\`, merging into \`m\`. */`,
    );
    lines.push(`function read${name}${shallow ? "Shallow" : ""}(r: BinaryReader, end: number, m: ${name} = { ${defaults} }): ${name} {`);
    const typed = fields.filter((f) => f.fieldKind === "list" && f.listKind === "scalar" && typedArrayOf(f.scalar));
    for (const f of typed) {
      const t = typedArrayOf((f as DescField & { scalar: ScalarType }).scalar)!;
      lines.push(`  let $${f.localName}: ${t.ctor} | number[] | undefined = m.${f.localName}.length > 0 ? m.${f.localName} : undefined;`);
    }
    lines.push("  while (r.pos < end) {");
    lines.push("    const tag = r.uint32();");
    lines.push("    switch (tag) {");
    for (const f of fields) lines.push(...this.readField(f, shallow).map((l) => `      ${l}`));
    lines.push("      default:");
    lines.push("        skipField(r, tag);");
    lines.push("    }");
    lines.push("  }");
    lines.push("  assertEnd(r, end);");
    for (const f of typed) {
      const t = typedArrayOf((f as DescField & { scalar: ScalarType }).scalar)!;
      lines.push(`  if ($${f.localName} !== undefined) m.${f.localName} = ${t.prefix}Done($${f.localName});`);
    }
    lines.push("  return m;");
    lines.push("}");
    lines.push("");
    return lines;
  }

  private readField(f: DescField, shallow: boolean): string[] {
    const e = elementOf(f);
    const label = `// ${f.name} = ${f.number}`;
    const lenTag = tagOf(f, WT.len);
    if (shallow && fieldMessage(f) !== undefined) {
      return [`case ${lenTag}: ${label}, not decoded here`, "  r.pos = lengthEnd(r);", "  break;"];
    }
    switch (f.fieldKind) {
      case "scalar":
      case "enum": {
        const t = tagOf(f, elementWireType(e));
        return [`case ${t}: ${label}`, `  m.${f.localName} = ${readElement(e, f)};`, "  break;"];
      }
      case "message": {
        const sub = typeIdentifier(f.message);
        return [`case ${lenTag}: ${label}`, `  m.${f.localName} = read${sub}(r, lengthEnd(r), m.${f.localName});`, "  break;"];
      }
      case "list": {
        const elemTag = tagOf(f, elementWireType(e));
        const typed = f.listKind === "scalar" ? typedArrayOf(f.scalar) : undefined;
        if (typed) {
          return [
            `case ${lenTag}: ${label}, packed`,
            `  $${f.localName} = ${typed.prefix}Packed(r, $${f.localName});`,
            "  break;",
            `case ${elemTag}: ${label}, unpacked`,
            `  $${f.localName} = ${typed.prefix}Push($${f.localName}, r.${typed.width === 4 ? "float" : "double"}());`,
            "  break;",
          ];
        }
        if (packable(e)) {
          return [
            `case ${lenTag}: { ${label}, packed`,
            "  const e = lengthEnd(r);",
            `  while (r.pos < e) m.${f.localName}.push(${readElement(e, f)});`,
            "  assertEnd(r, e);",
            "  break;",
            "}",
            `case ${elemTag}: ${label}, unpacked`,
            `  m.${f.localName}.push(${readElement(e, f)});`,
            "  break;",
          ];
        }
        return [`case ${lenTag}: ${label}`, `  m.${f.localName}.push(${readElement(e, f)});`, "  break;"];
      }
      case "map": {
        const keyE: Element = { kind: "scalar", scalar: f.mapKey };
        const keyTag = tagOf(MAP_KEY, scalarWireType(f.mapKey));
        const valueTag = tagOf(MAP_VALUE, elementWireType(e));
        const valueTs = elementTs(e);
        const valueInit = e.kind === "message" ? "undefined" : elementDefault(e);
        const valueType = e.kind === "message" ? `${valueTs} | undefined` : valueTs;
        return [
          `case ${lenTag}: { ${label}, one map entry`,
          "  const e = lengthEnd(r);",
          `  let key: ${scalarTs(f.mapKey)} = ${scalarDefault(f.mapKey)};`,
          `  let value: ${valueType} = ${valueInit};`,
          "  while (r.pos < e) {",
          "    const t = r.uint32();",
          `    if (t === ${keyTag}) key = ${readElement(keyE, f)};`,
          `    else if (t === ${valueTag}) value = ${readElement(e, f)};`,
          "    else skipField(r, t);",
          "  }",
          "  assertEnd(r, e);",
          // A missing message value is an empty message: read one from zero bytes.
          `  m.${f.localName}[key] = ${e.kind === "message" ? `value ?? read${valueTs}(r, r.pos)` : "value"};`,
          "  break;",
          "}",
        ];
      }
    }
  }

  private decodeExport(m: MessagePlan): string[] {
    return [
      `/** Decodes ${m.desc.typeName}; throws on malformed bytes (unknown fields are skipped). */`,
      `export function decode${m.name}(bytes: Uint8Array): ${m.name} {`,
      "  const r = new BinaryReader(bytes);",
      `  return read${m.name}(r, r.len);`,
      "}",
      "",
    ];
  }

  /** `sizeX(v)`: the encoded size of the fields of `v` (what follows its length prefix). */
  private sizer(m: MessagePlan): string[] {
    const lines = [`function size${m.name}(v: ${m.name}): number {`, "  let n = 0;"];
    for (const f of byNumber(m.desc)) lines.push(...this.sizeField(f).map((l) => `  ${l}`));
    lines.push("  return n;", "}", "");
    return lines;
  }

  private sizeField(f: DescField): string[] {
    const e = elementOf(f);
    const v = `v.${f.localName}`;
    switch (f.fieldKind) {
      case "scalar":
      case "enum": {
        const t = varintSize(tagOf(f, elementWireType(e)));
        return [`if (${presentScalar(f, e, v)}) n += ${t} + ${sizeElement(e, v)};`];
      }
      case "message":
        return [`if (${v} !== undefined) n += ${varintSize(tagOf(f, WT.len))} + ${sizeElement(e, v)};`];
      case "list": {
        if (packable(e) && f.packed) {
          const t = varintSize(tagOf(f, WT.len));
          const fixed = sizeElement(e, "x");
          if (/^\d+$/.test(fixed)) return [`if (${v} !== undefined && ${v}.length > 0) n += ${t} + lenSize(${v}.length * ${fixed});`];
          return [`if (${v} !== undefined && ${v}.length > 0) {`, "  let p = 0;", `  for (const x of ${v}) p += ${fixed};`, `  n += ${t} + lenSize(p);`, "}"];
        }
        const t = varintSize(tagOf(f, elementWireType(e)));
        return [`if (${v} !== undefined) for (const x of ${v}) n += ${t} + ${sizeElement(e, "x")};`];
      }
      case "map": {
        const t = varintSize(tagOf(f, WT.len));
        const keyE: Element = { kind: "scalar", scalar: f.mapKey };
        const key = f.mapKey === ScalarType.STRING ? "k" : "Number(k)";
        return [`if (${v} !== undefined) for (const [k, x] of Object.entries(${v})) n += ${t} + lenSize(${entrySize(keyE, key, e, "x")});`];
      }
    }
  }

  /** `writeX(w, v)`: the fields of `v`, in field-number order. */
  private writer(m: MessagePlan): string[] {
    const lines = [`function write${m.name}(w: BinaryWriter, v: ${m.name}): void {`];
    for (const f of byNumber(m.desc)) lines.push(...this.writeField(f).map((l) => `  ${l}`));
    lines.push("}", "");
    return lines;
  }

  private writeField(f: DescField): string[] {
    const e = elementOf(f);
    const v = `v.${f.localName}`;
    const label = `// ${f.name} = ${f.number}`;
    switch (f.fieldKind) {
      case "scalar":
      case "enum": {
        const t = tagOf(f, elementWireType(e));
        return [`if (${presentScalar(f, e, v)}) ${withTag(t, writeElement(e, v))} ${label}`];
      }
      case "message": {
        const t = tagOf(f, WT.len);
        return [`if (${v} !== undefined) { ${label}`, `  ${withTag(t, writeElement(e, v))}`, "}"];
      }
      case "list": {
        if (packable(e) && f.packed) {
          const t = tagOf(f, WT.len);
          const fixed = sizeElement(e, "x");
          const payload = /^\d+$/.test(fixed) ? [`  w.uint32(${t}).uint32(${v}.length * ${fixed});`] : ["  let p = 0;", `  for (const x of ${v}) p += ${fixed};`, `  w.uint32(${t}).uint32(p);`];
          return [`if (${v} !== undefined && ${v}.length > 0) { ${label}, packed`, ...payload, `  for (const x of ${v}) ${writeElement(e, "x")}`, "}"];
        }
        const t = tagOf(f, elementWireType(e));
        return [`if (${v} !== undefined) { ${label}`, `  for (const x of ${v}) ${e.kind === "message" ? `{ ${withTag(t, writeElement(e, "x"))} }` : withTag(t, writeElement(e, "x"))}`, "}"];
      }
      case "map": {
        const keyE: Element = { kind: "scalar", scalar: f.mapKey };
        const key = f.mapKey === ScalarType.STRING ? "k" : "Number(k)";
        return [
          `if (${v} !== undefined) { ${label}, one entry per key (key and value always written)`,
          `  for (const [k, x] of Object.entries(${v})) {`,
          `    w.uint32(${tagOf(f, WT.len)}).uint32(${entrySize(keyE, key, e, "x")});`,
          `    ${withTag(tagOf(MAP_KEY, scalarWireType(f.mapKey)), writeElement(keyE, key))}`,
          `    ${withTag(tagOf(MAP_VALUE, elementWireType(e)), writeElement(e, "x"))}`,
          "  }",
          "}",
        ];
      }
    }
  }

  private encodeExport(m: MessagePlan): string[] {
    return [`/** Encodes ${m.desc.typeName}; proto3 defaults (0, "", false, empty) are not written. */`, `export function encode${m.name}(value: ${m.name}): Uint8Array {`, `  return encodeWith(write${m.name}, value);`, "}", ""];
  }

  private envelopeCode(env: Envelope): string[] {
    const lines: string[] = [];
    const typeTag = tagOf(env.typeField, WT.varint);
    // Client: type, then the case.
    lines.push(`function write${env.clientName}(w: BinaryWriter, message: ${env.clientName}): void {`);
    lines.push("  switch (message.case) {");
    for (const c of env.client) {
      const name = typeIdentifier(c.message);
      lines.push(`    case "${c.field.localName}": // ${c.field.name} = ${c.field.number}, ${env.typeField.name} = ${c.typeValue.name}`);
      if (c.typeValue.number !== 0) lines.push(`      w.uint32(${typeTag}).int32(${c.typeValue.number});`);
      lines.push(`      w.uint32(${tagOf(c.field, WT.len)}).uint32(size${name}(message.value));`);
      lines.push(`      write${name}(w, message.value);`);
      lines.push("      return;");
    }
    lines.push("  }");
    lines.push(`  throw new Error(\`not a client case of ${env.message.typeName}: \${String((message as { case?: unknown }).case)}\`);`);
    lines.push("}");
    lines.push("");
    lines.push(`/** Encodes a ${env.message.typeName} the client sends: \`${env.typeField.name}\` from the case, then the case (written even when empty). */`);
    lines.push(`export function encode${env.clientName}(message: ${env.clientName}): Uint8Array {`);
    lines.push(`  return encodeWith(write${env.clientName}, message);`);
    lines.push("}");
    lines.push("");
    for (const shallow of [false, true]) {
      lines.push(
        shallow
          ? `/** Decodes a ${env.message.typeName} from the server without the message-typed fields of its payload (e.g. keyframes): for the per-frame path. */`
          : `/** Decodes a ${env.message.typeName} from the server. Unknown fields and cases that are not the server's are skipped; throws on malformed bytes. */`,
      );
      lines.push(`export function decode${env.serverName}${shallow ? "Shallow" : ""}(bytes: Uint8Array): ${env.serverName} {`);
      lines.push("  const r = new BinaryReader(bytes);");
      lines.push(`  const m: ${env.serverName} = { ${env.typeField.localName}: 0, ${env.oneof.localName}: { case: undefined } };`);
      lines.push("  while (r.pos < r.len) {");
      lines.push("    const tag = r.uint32();");
      lines.push("    switch (tag) {");
      lines.push(`      case ${typeTag}: // ${env.typeField.name} = ${env.typeField.number}`);
      lines.push(`        m.${env.typeField.localName} = r.int32() as ${typeIdentifier(env.typeField.enum)};`);
      lines.push("        break;");
      for (const c of env.server) {
        const plan = this.plan.messages.find((p) => p.desc === c.message)!;
        const read = `read${typeIdentifier(c.message)}${shallow && plan.shallow ? "Shallow" : ""}`;
        const d = `m.${env.oneof.localName}`;
        lines.push(`      case ${tagOf(c.field, WT.len)}: // ${c.field.name} = ${c.field.number}`);
        lines.push(`        ${d} = { case: "${c.field.localName}", value: ${read}(r, lengthEnd(r), ${d}.case === "${c.field.localName}" ? ${d}.value : undefined) };`);
        lines.push("        break;");
      }
      lines.push("      default:");
      lines.push("        skipField(r, tag);");
      lines.push("    }");
      lines.push("  }");
      lines.push("  assertEnd(r, r.len);");
      lines.push("  return m;");
      lines.push("}");
      lines.push("");
    }
    lines.push(...this.peekCode(env));
    return lines;
  }

  /**
   * `peekX(r, end, m)` for each server payload: reads its top-level bool
   * fields into `m` and steps over every other field, reading it only as far
   * as the shallow decoder's checks go (varints up to their end, lengths
   * against the end, packed elements one by one): so it throws on the same
   * malformed bytes, without decoding strings or allocating.
   */
  private peekReader(m: MessagePlan): string[] {
    const bools = boolFields(m.desc);
    const lines = [`/** Steps over ${m.desc.typeName} up to \`end\`${bools.length > 0 ? ", reading its bool fields into `m`" : ""}; throws where read${m.name}${m.shallow ? "Shallow" : ""} throws on malformed bytes. */`];
    lines.push(`function peek${m.name}(r: BinaryReader, end: number${bools.length > 0 ? `, m: { ${bools.map((f) => `${f.localName}: boolean`).join("; ")} }` : ""}): void {`);
    lines.push("  while (r.pos < end) {");
    lines.push("    const tag = r.uint32();");
    lines.push("    switch (tag) {");
    // Fields stepped over alike share one branch.
    const branches = new Map<string, string[]>();
    for (const f of byNumber(m.desc)) {
      for (const { tag, label, body } of this.peekField(f, m)) {
        const key = body.join("\n");
        const labels = branches.get(key) ?? [];
        labels.push(`case ${tag}: ${label}`);
        branches.set(key, labels);
      }
    }
    for (const [body, labels] of branches) {
      for (const l of labels) lines.push(`      ${l}`);
      for (const l of body.split("\n")) lines.push(`        ${l}`);
      lines.push("        break;");
    }
    lines.push("      default:");
    lines.push("        skipField(r, tag);");
    lines.push("    }");
    lines.push("  }");
    lines.push("  assertEnd(r, end);");
    lines.push("}");
    lines.push("");
    return lines;
  }

  /** The branches of one field in a peek reader: the tags it may come with, and what steps over it there. */
  private peekField(f: DescField, m: MessagePlan): { tag: number; label: string; body: string[] }[] {
    const e = elementOf(f);
    const label = `// ${f.name} = ${f.number}`;
    const lenTag = tagOf(f, WT.len);
    const overLength = ["r.pos = lengthEnd(r, end);"];
    if (fieldMessage(f) !== undefined) {
      // Server payloads with message-typed fields are read shallow: those fields are stepped over whole.
      if (!m.shallow) throw new Error(`${m.desc.typeName}.${f.name}: a message-typed field in a payload without a shallow reader`);
      return [{ tag: lenTag, label, body: overLength }];
    }
    switch (f.fieldKind) {
      case "scalar":
      case "enum": {
        const tag = tagOf(f, elementWireType(e));
        if (f.fieldKind === "scalar" && f.scalar === ScalarType.BOOL) return [{ tag, label, body: [`m.${f.localName} = r.bool();`] }];
        return [{ tag, label, body: [stepElement(e)] }];
      }
      case "list": {
        const elemTag = tagOf(f, elementWireType(e));
        if (!packable(e)) return [{ tag: lenTag, label, body: overLength }];
        const width = fixedWidth(e);
        const packed =
          width !== undefined
            ? [`skipPacked(r, ${width}, end);`]
            : ["{", "  const e = lengthEnd(r, end);", `  while (r.pos < e) ${stepElement(e)}`, "  assertEnd(r, e);", "}"];
        return [
          { tag: lenTag, label: `${label}, packed`, body: packed },
          { tag: elemTag, label: `${label}, unpacked`, body: [stepElement(e)] },
        ];
      }
      case "map": {
        const keyE: Element = { kind: "scalar", scalar: f.mapKey };
        const keyTag = tagOf(MAP_KEY, scalarWireType(f.mapKey));
        const valueTag = tagOf(MAP_VALUE, elementWireType(e));
        return [
          {
            tag: lenTag,
            label: `${label}, one map entry`,
            body: [
              "{",
              "  const e = lengthEnd(r, end);",
              "  while (r.pos < e) {",
              "    const t = r.uint32();",
              `    if (t === ${keyTag}) ${stepElement(keyE)}`,
              `    else if (t === ${valueTag}) ${stepElement(e)}`,
              "    else skipField(r, t);",
              "  }",
              "  assertEnd(r, e);",
              "}",
            ],
          },
        ];
      }
      case "message":
        throw new Error("unreachable: message fields are handled above");
    }
  }

  /** `peekServerMessage(bytes)` and what it needs: the peek readers of the server payloads and the object it fills. */
  private peekCode(env: Envelope): string[] {
    const lines: string[] = [];
    const payloads = [...new Set(env.server.map((c) => c.message))].map((desc) => this.plan.messages.find((p) => p.desc === desc)!);
    for (const m of payloads) lines.push(...this.peekReader(m));
    const withBools = peekCases(env);
    const typeName = typeIdentifier(env.typeField.enum);
    const dataCase = `${env.serverName}Data["case"]`;
    lines.push(`/** The object peek${env.serverName} fills and returns, every call. */`);
    lines.push("const peeked = {");
    lines.push(`  ${env.typeField.localName}: 0 as ${typeName},`);
    lines.push(`  case: undefined as ${dataCase},`);
    for (const c of withBools) lines.push(`  ${c.field.localName}: { ${boolFields(c.message).map((f) => `${f.localName}: false`).join(", ")} },`);
    lines.push("};");
    lines.push("");
    if (withBools.length > 0) {
      lines.push("/** Sets the bool fields of every case to false. */");
      lines.push("function clearPeeked(): void {");
      for (const c of withBools) for (const f of boolFields(c.message)) lines.push(`  peeked.${c.field.localName}.${f.localName} = false;`);
      lines.push("}");
      lines.push("");
    }
    const clear = withBools.length > 0 ? ["clearPeeked();"] : [];
    const typeTag = tagOf(env.typeField, WT.varint);
    lines.push("/**");
    lines.push(" * The reader of the memory the last peek read, with that memory: the messages of one socket");
    lines.push(" * read are views of one buffer, so they share one reader (a reader per message costs more");
    lines.push(" * than the peek itself). Kept until the next peek of other memory.");
    lines.push(" */");
    lines.push("let peekReader: BinaryReader | undefined;");
    lines.push("let peekMemory: ArrayBufferLike | undefined;");
    lines.push("");
    lines.push("/** A reader over all of `bytes.buffer`, at the start of `bytes`; reads must stop at its end. */");
    lines.push("function readerAt(bytes: Uint8Array): BinaryReader {");
    lines.push("  if (peekReader === undefined || peekMemory !== bytes.buffer || peekReader.len < bytes.byteOffset + bytes.byteLength) {");
    lines.push("    peekMemory = bytes.buffer;");
    lines.push("    peekReader = new BinaryReader(new Uint8Array(bytes.buffer));");
    lines.push("  }");
    lines.push("  peekReader.pos = bytes.byteOffset;");
    lines.push("  return peekReader;");
    lines.push("}");
    lines.push("");
    lines.push("/**");
    lines.push(` * Reads as much of a ${env.message.typeName} from the server as classifying it takes: its`);
    lines.push(` * \`${env.typeField.name}\` and the top-level bool fields of the server case's payload (see`);
    lines.push(` * {@link ${env.serverName}Peek}). Every other field is stepped over: no string is decoded, nothing`);
    lines.push(" * allocated (beyond a reader per buffer). It throws where decodeServerMessageShallow throws on malformed");
    lines.push(" * bytes (truncated fields, bad tags, lengths past the end), except on what only decoding a value");
    lines.push(" * finds: invalid UTF-8 in a string, an int64 beyond Number.MAX_SAFE_INTEGER.");
    lines.push(" */");
    lines.push(`export function peek${env.serverName}(bytes: Uint8Array): ${env.serverName}Peek {`);
    lines.push("  const r = readerAt(bytes);");
    lines.push("  const end = bytes.byteOffset + bytes.byteLength;");
    lines.push("  let type = 0;");
    lines.push(`  let present: ${dataCase} = undefined;`);
    lines.push("  let presentType = 0;");
    for (const l of clear) lines.push(`  ${l}`);
    lines.push("  while (r.pos < end) {");
    lines.push("    const tag = r.uint32();");
    lines.push("    switch (tag) {");
    lines.push(`      case ${typeTag}: // ${env.typeField.name} = ${env.typeField.number}`);
    lines.push("        type = r.int32();");
    lines.push("        break;");
    for (const c of env.server) {
      const name = c.field.localName;
      const hasBools = withBools.includes(c);
      lines.push(`      case ${tagOf(c.field, WT.len)}: // ${c.field.name} = ${c.field.number}, ${env.typeField.name} = ${c.typeValue.name}`);
      lines.push(`        if (present !== "${name}") {`);
      lines.push("          // Another case: a fresh payload, as the decoders start one.");
      lines.push(`          present = "${name}";`);
      lines.push(`          presentType = ${c.typeValue.number};`);
      for (const l of clear) lines.push(`          ${l}`);
      lines.push("        }");
      lines.push(`        peek${typeIdentifier(c.message)}(r, lengthEnd(r, end)${hasBools ? `, peeked.${name}` : ""});`);
      lines.push("        break;");
    }
    lines.push("      default:");
    lines.push("        skipField(r, tag);");
    lines.push("    }");
    lines.push("  }");
    lines.push("  assertEnd(r, end);");
    lines.push(`  peeked.${env.typeField.localName} = (type === 0 ? presentType : type) as ${typeName};`);
    lines.push("  peeked.case = present;");
    lines.push("  return peeked;");
    lines.push("}");
    lines.push("");
    return lines;
  }
}

/** The top-level singular bool fields of a message, by number: what a peek reads. */
function boolFields(message: DescMessage): DescField[] {
  return byNumber(message).filter((f) => f.fieldKind === "scalar" && f.scalar === ScalarType.BOOL);
}

/** The server cases whose payload has bool fields: each gets an object in the peek's result. */
function peekCases(env: Envelope): Envelope["server"][number][] {
  return env.server.filter((c) => boolFields(c.message).length > 0);
}

/** Bytes per element of a fixed-width scalar; undefined for varints and length-delimited ones. */
function fixedWidth(e: Element): 4 | 8 | undefined {
  if (e.kind !== "scalar") return undefined;
  const wt = scalarWireType(e.scalar);
  return wt === WT.bit32 ? 4 : wt === WT.bit64 ? 8 : undefined;
}

/**
 * A statement that steps over one element as its reader would read it,
 * without its value: the same bounds and varint checks, no allocation. 64-bit
 * varints go through `bool()`, which reads a varint of up to 10 bytes like
 * `int64()` does, without making a bigint; fixed-width ones through
 * `fixed32()`/`double()`, which check the bounds like the 64-bit readers.
 */
function stepElement(e: Element): string {
  if (e.kind === "enum") return "r.uint32();";
  if (e.kind === "message") return "r.pos = lengthEnd(r);";
  switch (e.scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return "r.pos = lengthEnd(r);";
    case ScalarType.BOOL:
      return "r.bool();";
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
      return "r.bool(); // a varint of up to 10 bytes, as int64() reads it, without the bigint";
    case ScalarType.INT32:
    case ScalarType.UINT32:
    case ScalarType.SINT32:
      return "r.uint32();";
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return "r.fixed32();";
    default:
      return "r.double();";
  }
}

/** Prefixes a write statement (`w.…`) with its tag. */
function withTag(tag: number, statement: string): string {
  return `w.uint32(${tag})${statement.slice(1)}`;
}

/** The condition under which a singular scalar or enum is written: proto3 omits its default. */
function presentScalar(_f: DescField, e: Element, v: string): string {
  // -0 is not the default: it is written, as protobuf-es and protoc do.
  if (e.kind === "scalar" && (e.scalar === ScalarType.FLOAT || e.scalar === ScalarType.DOUBLE)) return `${v} !== undefined && !Object.is(${v}, 0)`;
  if (e.kind === "scalar" && e.scalar === ScalarType.BYTES) return `${v} !== undefined && ${v}.length > 0`;
  return v;
}

/** Size of a map entry's content: key and value, both always written. */
function entrySize(keyE: Element, key: string, valueE: Element, value: string): string {
  return `${varintSize(tagOf(MAP_KEY, elementWireType(keyE)))} + ${sizeElement(keyE, key)} + ${varintSize(tagOf(MAP_VALUE, elementWireType(valueE)))} + ${sizeElement(valueE, value)}`;
}

