/**
 * Test support: values for any protobuf-es message descriptor (random, with
 * fast-check, or with every field set), in protobuf-es's shape and in the
 * shape the generated codec takes, and a field-by-field comparison that names
 * the field that differs. Used by the plugin's tests and by core's tests of
 * the generated codec.
 */
import { ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
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

/** The server cases of an envelope (its oneof's `server_*` fields). */
function serverCases(envelope: DescMessage): Array<DescField & { fieldKind: "message" }> {
  return envelope.oneofs[0]!.fields.filter((f) => f.name.startsWith("server_")) as Array<DescField & { fieldKind: "message" }>;
}

/** The envelope's `type` value that goes with a case, by the plugin's rule. */
export function caseType(envelope: DescMessage, c: DescField): number {
  const typeField = envelope.fields.find((f) => f.name === "type") as DescField & { fieldKind: "enum" };
  return typeField.enum.values.find((v) => v.name.endsWith(`_${c.name.toUpperCase()}`) || v.name === c.name.toUpperCase())!.number;
}

/**
 * What a generated `peekServerX` must say of a message that decoded as
 * `decoded` (protobuf-es's shape or the generated decoders': `type` and the
 * oneof's `{ case, value }`): the type as sent or, when 0, the server case's;
 * the server case; and per server case with bool fields, those fields of the
 * payload when it is the case present, false otherwise.
 */
export function expectedPeek(envelope: DescMessage, decoded: Record<string, unknown>): Record<string, unknown> {
  const oneof = envelope.oneofs[0]!;
  const data = decoded[oneof.localName] as { case?: string; value?: Record<string, unknown> };
  const cases = serverCases(envelope);
  const present = cases.find((c) => c.localName === data.case);
  const sent = decoded["type"] as number;
  const out: Record<string, unknown> = { type: sent === 0 && present !== undefined ? caseType(envelope, present) : sent, case: present?.localName };
  for (const c of cases) {
    const bools = c.message.fields.filter((f) => f.fieldKind === "scalar" && f.scalar === ScalarType.BOOL);
    if (bools.length > 0) out[c.localName] = Object.fromEntries(bools.map((f) => [f.localName, c === present ? data.value![f.localName] : false]));
  }
  return out;
}

/** A peek's result as plain data (the peek reuses its object from call to call). */
export const peekSnapshot = (peek: unknown): Record<string, unknown> => structuredClone(peek) as Record<string, unknown>;

/** Bytes near `valid`: cut short, some bytes overwritten, random bytes or runs of continuation bytes spliced in, or several of these. */
export function corrupted(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const cut = fc.nat().map((n) => (bytes: Uint8Array) => bytes.slice(0, n % (bytes.length + 1)));
  const flip = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((flips) => (bytes: Uint8Array) => {
    const out = bytes.slice();
    for (const [at, value] of flips) if (out.length > 0) out[at % out.length] = value;
    return out;
  });
  const splice = fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 6 })).map(([at, extra]) => (bytes: Uint8Array) => {
    const i = at % (bytes.length + 1);
    return new Uint8Array([...bytes.subarray(0, i), ...extra, ...bytes.subarray(i)]);
  });
  // Runs of continuation bytes: varints longer than 10 bytes, which only a varint's reader rejects.
  const stretch = fc.tuple(fc.nat(), fc.constantFrom(0x80, 0xff), fc.integer({ min: 1, max: 12 })).map(([at, byte, n]) => (bytes: Uint8Array) => {
    const i = at % (bytes.length + 1);
    return new Uint8Array([...bytes.subarray(0, i), ...new Array<number>(n).fill(byte), ...bytes.subarray(i)]);
  });
  return fc.array(fc.oneof(cut, flip, splice, stretch), { minLength: 1, maxLength: 3 }).map((steps) => steps.reduce((bytes, step) => step(bytes), valid));
}

/** What only decoding a value finds, which a peek does not look for: invalid UTF-8 (a TypeError), an int64 beyond the safe range. */
export const isValueError = (error: unknown) => error instanceof TypeError || (error instanceof RangeError && /outside the safe integer range/.test(error.message));

/**
 * Runs the generated shallow decoder and the peek on the same bytes and
 * expects them to agree: when the decoder reads the bytes, the peek reads
 * them too and says what the decoded message says; when the decoder throws
 * on malformed bytes, the peek throws too. Where the decoder throws for a
 * value (see {@link isValueError}) the peek reads on, and throws only if the
 * bytes are also malformed further on.
 * Returns what happened, so that a test can check that it saw every outcome.
 */
/**
 * `bytes` as a view into larger memory, as a socket read holds several
 * messages: a few bytes before it, and after it the same bytes again and
 * bytes that complete any varint left open, so that a read past the view's
 * end finds plausible bytes there instead of the end of the memory.
 */
export function embedded(bytes: Uint8Array, before = 3): Uint8Array {
  const memory = new Uint8Array(before + 2 * bytes.length + 16).fill(0x01);
  memory.fill(0x08, 0, before);
  memory.set(bytes, before);
  memory.set(bytes, before + bytes.length);
  return memory.subarray(before, before + bytes.length);
}

export function expectPeekAgrees(
  envelope: DescMessage,
  shallow: (bytes: Uint8Array) => Record<string, unknown>,
  peek: (bytes: Uint8Array) => unknown,
  bytes: Uint8Array,
): "read" | "threw" | "value error" {
  let decoded: Record<string, unknown> | undefined;
  let decodeError: unknown;
  try {
    decoded = shallow(bytes);
  } catch (error) {
    decodeError = error;
  }
  let peeked: Record<string, unknown> | undefined;
  let peekError: unknown;
  try {
    peeked = peekSnapshot(peek(bytes));
  } catch (error) {
    peekError = error;
  }
  // The same message inside larger memory: read to its end, not to the memory's.
  let inside: Record<string, unknown> | undefined;
  try {
    inside = peekSnapshot(peek(embedded(bytes)));
  } catch (error) {
    if (peekError === undefined) expect.fail(`${hex(bytes)}: the peek read it alone, and threw ${String(error)} inside larger memory`);
  }
  if (peekError !== undefined && inside !== undefined) expect.fail(`${hex(bytes)}: the peek threw ${String(peekError)} alone, and read it inside larger memory`);
  expect(inside, `${hex(bytes)} inside larger memory`).toEqual(peeked);
  const what = () => `${hex(bytes)}: decoder ${decodeError === undefined ? "read it" : `threw ${String(decodeError)}`}, peek ${peekError === undefined ? "read it" : `threw ${String(peekError)}`}`;
  if (decoded !== undefined) {
    if (peekError !== undefined) expect.fail(what());
    expect(peeked, hex(bytes)).toEqual(expectedPeek(envelope, decoded));
    return "read";
  }
  // The decoder stops at the first error: past a value error, the bytes may be malformed too, which the peek then finds.
  if (isValueError(decodeError)) return "value error";
  if (!(peekError instanceof Error)) expect.fail(what());
  return "threw";
}

const VARINT_SCALARS = new Set([ScalarType.INT32, ScalarType.UINT32, ScalarType.SINT32, ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.BOOL]);
/** A varint of 11 bytes: one more than any varint reader accepts. */
const OVERLONG = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];

/**
 * For every varint the shallow decoder of `envelope` reads (the `type`, and
 * every varint field of every server payload: singular, repeated unpacked and
 * packed, map keys and values), a message where that varint is 11 bytes
 * long: malformed, where stepping over it with `skip()` would pass.
 */
export function overlongVarints(envelope: DescMessage): Array<{ what: string; bytes: Uint8Array }> {
  const out: Array<{ what: string; bytes: Uint8Array }> = [];
  const typeField = envelope.fields.find((f) => f.name === "type")!;
  out.push({ what: `${envelope.typeName}.type`, bytes: new BinaryWriter().tag(typeField.number, WireType.Varint).raw(new Uint8Array(OVERLONG)).finish() });
  const isVarint = (kind: string | undefined, scalar: ScalarType | undefined) => kind === "enum" || (kind === "scalar" && VARINT_SCALARS.has(scalar!));
  for (const c of serverCases(envelope)) {
    const payloads: Array<[string, Uint8Array]> = [];
    for (const f of c.message.fields) {
      const where = `${c.message.typeName}.${f.name}`;
      const w = () => new BinaryWriter();
      if (f.fieldKind === "scalar" || f.fieldKind === "enum") {
        if (isVarint(f.fieldKind, f.fieldKind === "scalar" ? f.scalar : undefined)) payloads.push([where, w().tag(f.number, WireType.Varint).raw(new Uint8Array(OVERLONG)).finish()]);
      } else if (f.fieldKind === "list" && isVarint(f.listKind, f.listKind === "scalar" ? f.scalar : undefined)) {
        payloads.push([`${where} (unpacked)`, w().tag(f.number, WireType.Varint).raw(new Uint8Array(OVERLONG)).finish()]);
        payloads.push([`${where} (packed)`, w().tag(f.number, WireType.LengthDelimited).bytes(new Uint8Array(OVERLONG)).finish()]);
      } else if (f.fieldKind === "map" && f.mapKind !== "message") {
        // (A map of messages makes the payload shallow: the shallow decoder steps over it whole.)
        if (isVarint("scalar", f.mapKey)) payloads.push([`${where} (key)`, w().tag(f.number, WireType.LengthDelimited).bytes(w().tag(1, WireType.Varint).raw(new Uint8Array(OVERLONG)).finish()).finish()]);
        if (isVarint(f.mapKind, f.mapKind === "scalar" ? f.scalar : undefined)) payloads.push([`${where} (value)`, w().tag(f.number, WireType.LengthDelimited).bytes(w().tag(2, WireType.Varint).raw(new Uint8Array(OVERLONG)).finish()).finish()]);
      }
    }
    for (const [what, payload] of payloads) out.push({ what, bytes: new BinaryWriter().tag(c.number, WireType.LengthDelimited).bytes(payload).finish() });
  }
  return out;
}
