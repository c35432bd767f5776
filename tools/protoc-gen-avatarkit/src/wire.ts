/**
 * The wire facts of each field kind, as the generator needs them: wire types
 * and tags, the element kind of a field, the code that reads, sizes, writes
 * or steps over one element, and a field's TypeScript type and default.
 */
import { ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { typeIdentifier } from "./plan";

/** Protobuf wire types. */
export const WT = { varint: 0, bit64: 1, len: 2, bit32: 5 } as const;

/** Field numbers of a map entry's key and value: fixed by the protobuf encoding, not by any .proto file. */
export const MAP_KEY = 1;
export const MAP_VALUE = 2;

const INT64_TYPES = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);

/** Wire type of a scalar (enums are int32). */
export function scalarWireType(t: ScalarType): number {
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

export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

export const tagOf = (field: DescField | number, wireType: number) => (((typeof field === "number" ? field : field.number) << 3) | wireType) >>> 0;

/** A scalar's TypeScript type. */
export function scalarTs(t: ScalarType): string {
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

export function scalarDefault(t: ScalarType): string {
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
export function typedArrayOf(t: ScalarType | undefined): { ctor: "Float32Array" | "Float64Array"; prefix: "f32" | "f64"; width: 4 | 8 } | undefined {
  if (t === ScalarType.FLOAT) return { ctor: "Float32Array", prefix: "f32", width: 4 };
  if (t === ScalarType.DOUBLE) return { ctor: "Float64Array", prefix: "f64", width: 8 };
  return undefined;
}

/** The element kind of a field: what one value on the wire is. */
export type Element = { kind: "scalar"; scalar: ScalarType } | { kind: "enum"; desc: DescEnum } | { kind: "message"; desc: DescMessage };

export function elementOf(field: DescField): Element {
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

export const elementTs = (e: Element) => (e.kind === "scalar" ? scalarTs(e.scalar) : typeIdentifier(e.desc));
export const elementWireType = (e: Element) => (e.kind === "scalar" ? scalarWireType(e.scalar) : e.kind === "enum" ? WT.varint : WT.len);
export const elementDefault = (e: Element) => (e.kind === "scalar" ? scalarDefault(e.scalar) : e.kind === "enum" ? "0" : "undefined");
export const packable = (e: Element) => e.kind === "enum" || (e.kind === "scalar" && e.scalar !== ScalarType.STRING && e.scalar !== ScalarType.BYTES);

/** Code that reads one element. */
export function readElement(e: Element, field: DescField): string {
  if (e.kind === "enum") return `r.int32() as ${typeIdentifier(e.desc)}`;
  if (e.kind === "message") return `read${typeIdentifier(e.desc)}(r, lengthEnd(r))`;
  if (e.scalar === ScalarType.STRING) return `r.string(${field.utf8Validation})`;
  if (INT64_TYPES.has(e.scalar)) return `toSafeInt(r.${scalarMethod(e.scalar)}())`;
  return `r.${scalarMethod(e.scalar)}()`;
}

/** Code for the encoded size of one element held in `x`, without its tag. */
export function sizeElement(e: Element, x: string): string {
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
export function writeElement(e: Element, x: string): string {
  if (e.kind === "enum") return `w.int32(${x});`;
  if (e.kind === "message") {
    const name = typeIdentifier(e.desc);
    return `w.uint32(size${name}(${x})); write${name}(w, ${x});`;
  }
  return `w.${scalarMethod(e.scalar)}(${x});`;
}

/** TypeScript type of a field. */
export function fieldTs(field: DescField): string {
  const e = elementOf(field);
  if (field.fieldKind === "list") {
    const typed = field.listKind === "scalar" ? typedArrayOf(field.scalar) : undefined;
    return typed ? typed.ctor : `${elementTs(e)}[]`;
  }
  if (field.fieldKind === "map") return `{ [key: string]: ${elementTs(e)} }`;
  return elementTs(e);
}

export function fieldDefault(field: DescField): string {
  if (field.fieldKind === "list") {
    const typed = field.listKind === "scalar" ? typedArrayOf(field.scalar) : undefined;
    return typed ? `new ${typed.ctor}(0)` : "[]";
  }
  if (field.fieldKind === "map") return "Object.create(null)";
  return elementDefault(elementOf(field));
}

/** Fields in wire order (by number), as protobuf-es and protoc write them. */
export const byNumber = (message: DescMessage) => [...message.fields].sort((a, b) => a.number - b.number);

/** Bytes per element of a fixed-width scalar; undefined for varints and length-delimited ones. */
export function fixedWidth(e: Element): 4 | 8 | undefined {
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
export function stepElement(e: Element): string {
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
export function withTag(tag: number, statement: string): string {
  return `w.uint32(${tag})${statement.slice(1)}`;
}

/** The condition under which a singular scalar or enum is written: proto3 omits its default. */
export function presentScalar(_f: DescField, e: Element, v: string): string {
  // -0 is not the default: it is written, as protobuf-es and protoc do.
  if (e.kind === "scalar" && (e.scalar === ScalarType.FLOAT || e.scalar === ScalarType.DOUBLE)) return `${v} !== undefined && !Object.is(${v}, 0)`;
  if (e.kind === "scalar" && e.scalar === ScalarType.BYTES) return `${v} !== undefined && ${v}.length > 0`;
  return v;
}

/** Size of a map entry's content: key and value, both always written. */
export function entrySize(keyE: Element, key: string, valueE: Element, value: string): string {
  return `${varintSize(tagOf(MAP_KEY, elementWireType(keyE)))} + ${sizeElement(keyE, key)} + ${varintSize(tagOf(MAP_VALUE, elementWireType(valueE)))} + ${sizeElement(valueE, value)}`;
}
