/**
 * The server envelope's peek: `peekServerMessage(bytes)`, the peek readers of
 * the server payloads it calls, and the object it fills. It reads the type
 * and the payload's top-level bool fields and steps over everything else.
 */
import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { fieldMessage, typeIdentifier, type Envelope, type FilePlan, type MessagePlan } from "./plan";
import { byNumber, elementOf, elementWireType, fixedWidth, MAP_KEY, MAP_VALUE, packable, scalarWireType, stepElement, tagOf, WT, type Element } from "./wire";

/** The end of a peek's field loop: unknown fields skipped, then the end checked. */
const SWITCH_END = ["      default:", "        skipField(r, tag);", "    }", "  }", "  assertEnd(r, end);"];

/**
 * `peekX(r, end, m)` for each server payload: reads its top-level bool
 * fields into `m` and steps over every other field, reading it only as far
 * as the shallow decoder's checks go (varints up to their end, lengths
 * against the end, packed elements one by one): so it throws on the same
 * malformed bytes, without decoding strings or allocating.
 */
function peekReader(m: MessagePlan): string[] {
  const bools = boolFields(m.desc);
  const lines = [`/** Steps over ${m.desc.typeName} up to \`end\`${bools.length > 0 ? ", reading its bool fields into `m`" : ""}; throws where read${m.name}${m.shallow ? "Shallow" : ""} throws on malformed bytes. */`];
  lines.push(`function peek${m.name}(r: BinaryReader, end: number${bools.length > 0 ? `, m: { ${bools.map((f) => `${f.localName}: boolean`).join("; ")} }` : ""}): void {`);
  lines.push("  while (r.pos < end) {");
  lines.push("    const tag = r.uint32();");
  lines.push("    switch (tag) {");
  // Fields stepped over alike share one branch.
  const branches = new Map<string, string[]>();
  for (const f of byNumber(m.desc)) {
    for (const { tag, label, body } of peekField(f, m)) {
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
  lines.push(...SWITCH_END);
  lines.push("}");
  lines.push("");
  return lines;
}

/** The branches of one field in a peek reader: the tags it may come with, and what steps over it there. */
function peekField(f: DescField, m: MessagePlan): { tag: number; label: string; body: string[] }[] {
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
export function peekCode(plan: FilePlan, env: Envelope): string[] {
  const lines: string[] = [];
  const payloads = [...new Set(env.server.map((c) => c.message))].map((desc) => plan.messages.find((p) => p.desc === desc)!);
  for (const m of payloads) lines.push(...peekReader(m));
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
  lines.push("    // A message that has its memory to itself (every message, in browsers) is that memory already.");
  lines.push("    peekReader = new BinaryReader(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes.buffer));");
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
  lines.push(...SWITCH_END);
  lines.push(`  peeked.${env.typeField.localName} = (type === 0 ? presentType : type) as ${typeName};`);
  lines.push("  peeked.case = present;");
  lines.push("  return peeked;");
  lines.push("}");
  lines.push("");
  return lines;
}

/** The top-level singular bool fields of a message, by number: what a peek reads. */
export function boolFields(message: DescMessage): DescField[] {
  return byNumber(message).filter((f) => f.fieldKind === "scalar" && f.scalar === ScalarType.BOOL);
}

/** The server cases whose payload has bool fields: each gets an object in the peek's result. */
export function peekCases(env: Envelope): Envelope["server"][number][] {
  return env.server.filter((c) => boolFields(c.message).length > 0);
}
