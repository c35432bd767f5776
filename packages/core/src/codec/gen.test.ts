/**
 * The generated codec (`../gen`, from proto/ by tools/protoc-gen-avatarkit)
 * against the protobuf-es schema the simulator uses, driven by the schema's
 * descriptors: every message, every field, every enum value.
 *
 * These tests fail when proto/ declares something the generated codec does
 * not handle: a field, a message, a client_/server_ case or an enum value
 * missing from `packages/core/src/gen` (a stale or partial generation). To
 * see it fail, in a scratch copy of the repository (never in the working
 * tree):
 *
 *   git worktree add /tmp/scratch HEAD   # or: cp -r . /tmp/scratch
 *   cd /tmp/scratch
 *   # add `string trace_id = 6;` to ServerError in proto/message/message.proto
 *   npx buf generate --template '{"version":"v2","inputs":[{"directory":"proto"}],
 *     "plugins":[{"local":"protoc-gen-es","out":"packages/simulator/src/gen",
 *     "opt":["target=ts","import_extension=js"]}]}'   # the protobuf-es schema only
 *   pnpm exec vitest run packages/core/src/codec/gen.test.ts
 *
 * "every field of every message is handled" then fails on
 * `message.ServerError.trace_id (6)`, and so do the round trips. After a full
 * `pnpm proto` (both generators) they pass again: the plugin handles the new
 * field. (`pnpm proto:check` catches the stale copy in CI as a diff.)
 */
import { create, fromBinary, toBinary, type DescEnum, type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { file_message_message, MessageSchema } from "@avatarkit/simulator/gen";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  comparable,
  corrupted,
  enumArbitrary,
  expectedPeek,
  expectPeekAgrees,
  expectSameFields,
  fullValue,
  hex,
  messageArbitrary,
  overlongVarints,
  peekSnapshot,
  reachable,
  toGen,
  tsName,
} from "../../../../tools/protoc-gen-avatarkit/src/testing";
import * as gen from "../gen/message/message_codec";

const G = gen as unknown as Record<string, unknown>;

// ---- The rule, restated from the descriptors (tools/protoc-gen-avatarkit/README.md) ----

const envelope = MessageSchema;
const oneof = envelope.oneofs[0]!;
const typeEnum = (envelope.fields.find((f) => f.name === "type") as DescField & { fieldKind: "enum" }).enum;
const casesWith = (prefix: string) => oneof.fields.filter((f) => f.name.startsWith(prefix)) as Array<DescField & { fieldKind: "message" }>;
const clientCases = casesWith("client_");
const serverCases = casesWith("server_");

const clientMessages = reachable(clientCases.map((c) => c.message));
const serverMessages = reachable(serverCases.map((c) => c.message));
const typeValueOf = (field: DescField) => typeEnum.values.find((v) => v.name.endsWith(`_${field.name.toUpperCase()}`))!.number;

function allEnums(): DescEnum[] {
  const out: DescEnum[] = [...file_message_message.enums];
  const visit = (m: DescMessage) => {
    out.push(...m.nestedEnums);
    m.nestedMessages.forEach(visit);
  };
  file_message_message.messages.forEach(visit);
  return out;
}

const encoderOf = (m: DescMessage) => G[`encode${tsName(m)}`] as ((v: unknown) => Uint8Array) | undefined;
const decoderOf = (m: DescMessage) => G[`decode${tsName(m)}`] as ((b: Uint8Array) => Record<string, unknown>) | undefined;

// ---- Tests ----

describe("the generated codec covers proto/", () => {
  it("client_/server_ cases: the rule's sets of messages", () => {
    expect(clientCases.map((c) => c.name)).toEqual(["client_configure_session", "client_audio_input", "client_interrupt", "client_pause", "client_resume"]);
    expect(serverCases.map((c) => c.name)).toEqual(["server_confirm_session", "server_error", "server_response_animation", "server_playback_state"]);
    // driven_config is neither: not encodable, not decoded.
    expect(G["encodeDrivenIngressConfig"]).toBeUndefined();
    expect(G["decodeDrivenIngressConfig"]).toBeUndefined();
  });

  it("an encoder for every message the client sends, a decoder for every message the server sends", () => {
    for (const m of clientMessages) expect(typeof encoderOf(m), `encode${tsName(m)}`).toBe("function");
    for (const m of serverMessages) expect(typeof decoderOf(m), `decode${tsName(m)}`).toBe("function");
  });

  it("the type of every case, from the envelope's enum", () => {
    expect(gen.ClientMessageType).toEqual(Object.fromEntries(clientCases.map((c) => [c.localName, typeValueOf(c)])));
    expect(gen.ServerMessageType).toEqual(Object.fromEntries(serverCases.map((c) => [c.localName, typeValueOf(c)])));
  });

  it("every enum, every value", () => {
    for (const e of allEnums()) expect(G[tsName(e)], e.typeName).toEqual(Object.fromEntries(e.values.map((v) => [v.localName, v.number])));
  });

  it("every field of every message is handled", () => {
    for (const m of serverMessages) {
      const schema = m as DescMessage;
      const expected = fromBinary(schema, toBinary(schema, create(schema, fullValue(schema))));
      expectSameFields(schema, expected as unknown as Record<string, unknown>, decoderOf(m)!(toBinary(schema, expected)));
    }
    for (const m of clientMessages) {
      const value = create(m, fullValue(m));
      const decoded = fromBinary(m, encoderOf(m)!(toGen(m, value as unknown as Record<string, unknown>)));
      expectSameFields(m, value as unknown as Record<string, unknown>, decoded as unknown as Record<string, unknown>);
    }
  });
});

describe("round trips with protobuf-es (property tests)", () => {
  for (const m of serverMessages) {
    it(`decode${tsName(m)} reads what protobuf-es writes, as protobuf-es reads it`, () => {
      fc.assert(
        fc.property(messageArbitrary(m), (init) => {
          const bytes = toBinary(m, create(m, init));
          expectSameFields(m, fromBinary(m, bytes) as unknown as Record<string, unknown>, decoderOf(m)!(bytes));
        }),
        { numRuns: 200 },
      );
    });
  }

  for (const m of clientMessages) {
    it(`encode${tsName(m)} writes protobuf-es's bytes`, () => {
      fc.assert(
        fc.property(messageArbitrary(m), (init) => {
          const value = create(m, init);
          expect(hex(encoderOf(m)!(toGen(m, value as unknown as Record<string, unknown>)))).toBe(hex(toBinary(m, value)));
        }),
        { numRuns: 200 },
      );
    });
  }

  it("encodeClientMessage: every client case, type from the case, protobuf-es's bytes", () => {
    const message = fc.oneof(...clientCases.map((c) => messageArbitrary(c.message).map((init) => ({ c, init }))));
    fc.assert(
      fc.property(message, ({ c, init }) => {
        const value = create(c.message, init);
        const expected = toBinary(MessageSchema, create(MessageSchema, { type: typeValueOf(c), data: { case: c.localName, value } as never }));
        const bytes = gen.encodeClientMessage({ case: c.localName, value: toGen(c.message, value as unknown as Record<string, unknown>) } as gen.ClientMessage);
        expect(hex(bytes)).toBe(hex(expected));
      }),
      { numRuns: 300 },
    );
  });

  it("decodeServerMessage: every server case, and its shallow variant without message-typed fields", () => {
    const message = fc.oneof(...serverCases.map((c) => fc.tuple(messageArbitrary(c.message), enumArbitrary(typeEnum)).map(([init, type]) => ({ c, init, type }))));
    fc.assert(
      fc.property(message, ({ c, init, type }) => {
        const bytes = toBinary(MessageSchema, create(MessageSchema, { type, data: { case: c.localName, value: create(c.message, init) } as never }));
        const expected = fromBinary(MessageSchema, bytes);
        for (const decoded of [gen.decodeServerMessage(bytes), gen.decodeServerMessageShallow(bytes)]) {
          expect(decoded.type).toBe(expected.type);
          expect(decoded.data.case).toBe(c.localName);
        }
        const value = expected.data.value as unknown as Record<string, unknown>;
        expectSameFields(c.message, value, gen.decodeServerMessage(bytes).data.value as unknown as Record<string, unknown>);
        const shallow = gen.decodeServerMessageShallow(bytes).data.value as unknown as Record<string, unknown>;
        for (const f of c.message.fields) {
          if (f.fieldKind === "message") expect(shallow[f.localName], f.name).toBeUndefined();
          else expect(comparable(f, shallow[f.localName]), f.name).toEqual(comparable(f, value[f.localName]));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("unknown fields of any wire type, anywhere, are skipped", () => {
    const unknownField = fc.tuple(fc.integer({ min: 1000, max: 2 ** 29 - 1 }), fc.constantFrom(WireType.Varint, WireType.Bit64, WireType.LengthDelimited, WireType.Bit32, WireType.StartGroup), fc.uint8Array({ maxLength: 8 }));
    const unknownBytes = (fields: Array<[number, WireType, Uint8Array]>) => {
      const w = new BinaryWriter();
      for (const [no, wt, data] of fields) {
        w.tag(no, wt);
        if (wt === WireType.Varint) w.uint64(BigInt(data.length) * 12345n);
        else if (wt === WireType.Bit64) w.fixed64(7n);
        else if (wt === WireType.Bit32) w.fixed32(7);
        else if (wt === WireType.LengthDelimited) w.bytes(data);
        else w.tag(1, WireType.Varint).uint32(5).tag(no, WireType.EndGroup);
      }
      return w.finish();
    };
    for (const m of serverMessages) {
      fc.assert(
        fc.property(messageArbitrary(m), fc.array(unknownField, { maxLength: 3 }), fc.array(unknownField, { maxLength: 3 }), (init, before, after) => {
          const body = toBinary(m, create(m, init));
          const bytes = Buffer.concat([unknownBytes(before), body, unknownBytes(after)]);
          expectSameFields(m, fromBinary(m, body) as unknown as Record<string, unknown>, decoderOf(m)!(new Uint8Array(bytes)));
        }),
        { numRuns: 100 },
      );
    }
  });

  it("repeated floats: packed and unpacked (and both, split) decode the same", () => {
    const floatLists = serverMessages.flatMap((m) => m.fields.filter((f) => f.fieldKind === "list" && f.listKind === "scalar" && f.scalar === ScalarType.FLOAT).map((f) => ({ m, f })));
    expect(floatLists.length).toBeGreaterThan(0);
    for (const { m, f } of floatLists) {
      fc.assert(
        fc.property(fc.array(fc.float(), { maxLength: 20 }), fc.nat(), (values, split) => {
          const cut = split % (values.length + 1);
          const w = new BinaryWriter();
          // The first part unpacked, the rest packed.
          for (const v of values.slice(0, cut)) w.tag(f.number, WireType.Bit32).float(v);
          if (cut < values.length) {
            w.tag(f.number, WireType.LengthDelimited).fork();
            for (const v of values.slice(cut)) w.float(v);
            w.join();
          }
          const decoded = decoderOf(m)!(w.finish())[f.localName];
          expect(decoded).toBeInstanceOf(Float32Array);
          expect(Array.from(decoded as Float32Array)).toEqual(values.map(Math.fround));
        }),
        { numRuns: 100 },
      );
    }
  });
});

describe("peekServerMessage: the type and the payload's bools, nothing else decoded", () => {
  /** A server message as protobuf-es writes it: any server case, any type (0 included: then inferred from the case). */
  const serverMessage = fc
    .oneof(...serverCases.map((c) => fc.tuple(messageArbitrary(c.message), enumArbitrary(typeEnum)).map(([init, type]) => ({ c, init, type }))))
    .map(({ c, init, type }) => toBinary(MessageSchema, create(MessageSchema, { type, data: { case: c.localName, value: create(c.message, init) } as never })));
  /** One to three of them concatenated: protobuf's merge (the same case merges, another starts afresh). */
  const merged = fc.array(serverMessage, { minLength: 1, maxLength: 3 }).map((parts) => new Uint8Array(Buffer.concat(parts)));
  const shallow = gen.decodeServerMessageShallow as unknown as (b: Uint8Array) => Record<string, unknown>;

  it("says what protobuf-es decodes: the type (the case's when absent), the case, the animation's end", () => {
    fc.assert(
      fc.property(merged, (bytes) => {
        expect(peekSnapshot(gen.peekServerMessage(bytes))).toEqual(expectedPeek(MessageSchema, fromBinary(MessageSchema, bytes) as never));
      }),
      { numRuns: 1000 },
    );
    // The bools it reads are the animation's `end`, the only top-level bool of a server payload.
    expect(peekSnapshot(gen.peekServerMessage(new Uint8Array(0)))).toEqual({ type: 0, case: undefined, serverResponseAnimation: { end: false } });
  });

  it("throws where decodeServerMessageShallow throws: truncated, overwritten and spliced bytes", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        merged.chain((valid) => corrupted(valid)),
        (bytes) => void seen.add(expectPeekAgrees(MessageSchema, shallow, gen.peekServerMessage, bytes)),
      ),
      { numRuns: 5000 },
    );
    expect([...seen].sort()).toEqual(["read", "threw", "value error"]);
  });

  it("throws on a varint of 11 bytes wherever decodeServerMessageShallow reads one", () => {
    for (const { what, bytes } of overlongVarints(MessageSchema)) {
      expect(() => shallow(bytes), what).toThrow("invalid varint");
      expect(() => gen.peekServerMessage(bytes), what).toThrow("invalid varint");
    }
  });

  it("reads on past invalid UTF-8 and an unsafe int64, which only decoding them finds", () => {
    // type 5; server_response_animation { req_id: 2 bytes, end: true }
    const withReqId = (reqId: [number, number]) => new Uint8Array([0x08, 0x05, 0x32, 0x06, 0x12, 0x02, ...reqId, 0x18, 0x01]);
    const invalid = withReqId([0xc3, 0x28]);
    expect(() => gen.decodeServerMessageShallow(invalid)).toThrow(TypeError);
    expect(peekSnapshot(gen.peekServerMessage(invalid))).toEqual({ type: 5, case: "serverResponseAnimation", serverResponseAnimation: { end: true } });
    expect(gen.decodeServerMessageShallow(withReqId([0xc3, 0xa9])).data.value).toMatchObject({ reqId: "é", end: true }); // the same bytes, valid
    const unsafe = new Uint8Array([0x08, 0x0a, 0x5a, 0x0c, 0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x18, 0x01]); // played_ms = 2^63 - 1, state = PLAYING
    expect(() => gen.decodeServerMessageShallow(unsafe)).toThrow(/outside the safe integer range/);
    expect(peekSnapshot(gen.peekServerMessage(unsafe))).toMatchObject({ type: 10, case: "serverPlaybackState" });
  });

  it("returns one object, refilled by every call", () => {
    const a = gen.peekServerMessage(toBinary(MessageSchema, create(MessageSchema, { type: 5, data: { case: "serverResponseAnimation", value: { end: true } } })));
    expect(a.serverResponseAnimation.end).toBe(true);
    const b = gen.peekServerMessage(toBinary(MessageSchema, create(MessageSchema, { type: 2, data: { case: "serverConfirmSession", value: {} } })));
    expect(b).toBe(a);
    expect(peekSnapshot(a)).toEqual({ type: 2, case: "serverConfirmSession", serverResponseAnimation: { end: false } });
  });
});
