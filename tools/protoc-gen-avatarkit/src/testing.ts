/**
 * Test support: values for any protobuf-es message descriptor (random, with
 * fast-check, or with every field set), in protobuf-es's shape and in the
 * shape the generated codec takes, and a field-by-field comparison that names
 * the field that differs. Used by the plugin's tests and by core's tests of
 * the generated codec.
 */
import { ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import * as fc from "fast-check";
import { expect } from "vitest";

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** The generated TypeScript name of a message or enum (nested names joined by `_`). */
export const tsName = (desc: DescMessage | DescEnum) => desc.typeName.slice(desc.file.proto.package ? desc.file.proto.package.length + 1 : 0).replace(/\./g, "_");

/** Every message reachable from `roots` through message-typed fields (singular, repeated, map values). */
export function reachable(roots: DescMessage[]): DescMessage[] {
  const seen = new Set<DescMessage>();
  const visit = (m: DescMessage) => {
    if (seen.has(m)) return;
    seen.add(m);
    for (const f of m.fields) {
      const sub = f.fieldKind === "message" ? f.message : f.fieldKind === "list" && f.listKind === "message" ? f.message : f.fieldKind === "map" && f.mapKind === "message" ? f.message : undefined;
      if (sub) visit(sub);
    }
  };
  roots.forEach(visit);
  return [...seen];
}

const INT64 = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
const UNSIGNED64 = new Set([ScalarType.UINT64, ScalarType.FIXED64]);
const SAFE = 2n ** 53n - 1n;

export function scalarArbitrary(t: ScalarType): fc.Arbitrary<unknown> {
  switch (t) {
    case ScalarType.STRING:
      return fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: "grapheme", maxLength: 6 }), fc.string({ unit: "binary", maxLength: 6 }));
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 16 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.FLOAT:
      return fc.float();
    case ScalarType.DOUBLE:
      return fc.double();
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    default:
      if (INT64.has(t)) return fc.bigInt({ min: UNSIGNED64.has(t) ? 0n : -SAFE, max: SAFE });
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  }
}

export const enumArbitrary = (e: DescEnum) => fc.oneof(fc.constantFrom(...e.values.map((v) => v.number)), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));

/** A protobuf-es init value for `desc`, every field random (messages to a small depth). */
export function messageArbitrary(desc: DescMessage, depth = 3): fc.Arbitrary<Record<string, unknown>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of desc.fields) {
    if (f.oneof) continue; // only the envelope has a oneof; its cases are built separately
    const element = (): fc.Arbitrary<unknown> => {
      const kind = f.fieldKind === "list" ? f.listKind : f.fieldKind === "map" ? f.mapKind : f.fieldKind;
      if (kind === "enum") return enumArbitrary((f as { enum: DescEnum }).enum);
      if (kind === "message") return messageArbitrary((f as { message: DescMessage }).message, depth - 1);
      return scalarArbitrary((f as { scalar: ScalarType }).scalar);
    };
    if (f.fieldKind === "message") record[f.localName] = depth > 0 ? fc.option(element(), { nil: undefined }) : fc.constant(undefined);
    else if (f.fieldKind === "list") record[f.localName] = depth > 0 || f.listKind !== "message" ? fc.array(element(), { maxLength: 4 }) : fc.constant([]);
    else if (f.fieldKind === "map" && f.mapKind === "message" && depth <= 0) record[f.localName] = fc.constant({});
    else if (f.fieldKind === "map") record[f.localName] = fc.dictionary(f.mapKey === ScalarType.STRING ? fc.string({ maxLength: 6 }) : scalarArbitrary(f.mapKey).map(String), element(), { maxKeys: 3 });
    else record[f.localName] = element();
  }
  return fc.record(record, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
}

/** A value with every field set to something other than its default, so that a field the codec ignores shows. */
export function fullValue(desc: DescMessage, depth = 3): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const scalar = (t: ScalarType, n: number): unknown =>
    t === ScalarType.STRING ? `v${n}é` : t === ScalarType.BYTES ? new Uint8Array([n, 0, 255]) : t === ScalarType.BOOL ? true : t === ScalarType.FLOAT || t === ScalarType.DOUBLE ? n + 0.5 : INT64.has(t) ? BigInt(n) * 1_000_000_007n : (n % 1000) * 1000 + 1;
  for (const f of desc.fields) {
    if (f.oneof) continue;
    const n = f.number;
    const element = (i: number): unknown => {
      const kind = f.fieldKind === "list" ? f.listKind : f.fieldKind === "map" ? f.mapKind : f.fieldKind;
      if (kind === "enum") return (f as { enum: DescEnum }).enum.values.at(-1)!.number;
      if (kind === "message") return fullValue((f as { message: DescMessage }).message, depth - 1);
      return scalar((f as { scalar: ScalarType }).scalar, n + i);
    };
    if (f.fieldKind === "message") {
      if (depth > 0) out[f.localName] = element(0);
    } else if (f.fieldKind === "list") out[f.localName] = depth > 0 || f.listKind !== "message" ? [element(0), element(1)] : [];
    else if (f.fieldKind === "map" && f.mapKind === "message" && depth <= 0) out[f.localName] = {};
    else if (f.fieldKind === "map") out[f.localName] = { [f.mapKey === ScalarType.STRING ? "k" : "7"]: element(0), [f.mapKey === ScalarType.STRING ? "" : f.mapKey === ScalarType.UINT32 || f.mapKey === ScalarType.FIXED32 ? "0" : "-1"]: element(1) };
    else out[f.localName] = element(0);
  }
  return out;
}

/** A protobuf-es value as the generated encoders take it: int64 as numbers, repeated floats as typed arrays. */
export function toGen(desc: DescMessage, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of desc.fields) {
    const v = value[f.localName];
    if (v === undefined || f.oneof) continue;
    const one = (x: unknown): unknown => {
      const kind = f.fieldKind === "list" ? f.listKind : f.fieldKind === "map" ? f.mapKind : f.fieldKind;
      if (kind === "message") return toGen((f as { message: DescMessage }).message, x as Record<string, unknown>);
      return typeof x === "bigint" ? Number(x) : x;
    };
    if (f.fieldKind === "list") {
      const list = (v as unknown[]).map(one);
      out[f.localName] = f.listKind === "scalar" && f.scalar === ScalarType.FLOAT ? Float32Array.from(list as number[]) : f.listKind === "scalar" && f.scalar === ScalarType.DOUBLE ? Float64Array.from(list as number[]) : list;
    } else if (f.fieldKind === "map") out[f.localName] = Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, one(x)]));
    else out[f.localName] = one(v);
  }
  return out;
}

/** One field's value in a comparable form (protobuf-es and generated shapes alike). */
export function comparable(f: DescField, v: unknown): unknown {
  const one = (x: unknown): unknown => {
    const kind = f.fieldKind === "list" ? f.listKind : f.fieldKind === "map" ? f.mapKind : f.fieldKind;
    if (kind === "message") return x === undefined ? undefined : comparableMessage((f as { message: DescMessage }).message, x as Record<string, unknown>);
    if (typeof x === "bigint" || (kind === "scalar" && INT64.has((f as { scalar: ScalarType }).scalar))) return String(x);
    if (x instanceof Uint8Array) return hex(x);
    return x;
  };
  if (f.fieldKind === "list") return v === undefined ? "<missing>" : Array.from(v as ArrayLike<unknown>, one);
  if (f.fieldKind === "map") return v === undefined ? "<missing>" : Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, one(x)]));
  if (f.fieldKind === "message") return one(v);
  return v === undefined ? "<missing>" : one(v);
}

export function comparableMessage(desc: DescMessage, value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(desc.fields.filter((f) => !f.oneof).map((f) => [f.name, comparable(f, value[f.localName])]));
}

/** Expects every field of `actual` (generated shape) to equal `expected` (protobuf-es), naming the first that differs. */
export function expectSameFields(desc: DescMessage, expected: Record<string, unknown>, actual: Record<string, unknown>): void {
  for (const f of desc.fields) {
    if (f.oneof) continue;
    expect(comparable(f, actual[f.localName]), `${desc.typeName}.${f.name} (${f.number})`).toEqual(comparable(f, expected[f.localName]));
  }
}
