/**
 * Writes the TypeScript of one planned file, as two modules: the enum
 * constants on their own (so that code needing only a constant does not
 * pull in the codec), and the codec: interfaces, encoders (sizes first, then
 * fields: no fork/join), decoders and the server envelope's peek over
 * `@bufbuild/protobuf/wire`'s BinaryReader and BinaryWriter. The codec
 * re-exports the enums. The wire facts of each field kind come from ./wire,
 * the runtime helpers the codec includes from ./helpers, the peek from ./peek.
 */
import { ScalarType, type DescEnum, type DescEnumValue, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { fieldMessage, typeIdentifier, type Envelope, type FilePlan, type MessagePlan } from "./plan";
import { HELPER_CODE, HELPER_DEPS, HELPER_ORDER, Helpers, noteHelpers } from "./helpers";
import { boolFields, peekCases, peekCode } from "./peek";
import {
  byNumber,
  elementDefault,
  elementOf,
  elementTs,
  elementWireType,
  entrySize,
  fieldDefault,
  fieldTs,
  MAP_KEY,
  MAP_VALUE,
  packable,
  presentScalar,
  readElement,
  scalarDefault,
  scalarTs,
  scalarWireType,
  sizeElement,
  tagOf,
  typedArrayOf,
  varintSize,
  withTag,
  writeElement,
  WT,
  type Element,
} from "./wire";

export { WRITER_REUSE_LIMIT } from "./helpers";

export interface Output {
  /** Adds one line. */
  line(text?: string): void;
  /** A JSDoc block of a descriptor's comments, indented. */
  doc(desc: DescMessage | DescEnum | DescEnumValue | DescField, indent?: string): void;
}

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
    lines.push(...peekCode(this.plan, env));
    return lines;
  }
}
