/**
 * The plugin on schemas compiled by buf: proto/ (the committed output, the
 * client/server rule), a schema with every field type it supports (the
 * generated code, bundled and loaded, round-trips with protobuf-es), and the
 * schemas it refuses.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { create, createFileRegistry, fromBinary, toBinary, type DescField, type DescMessage, type FileRegistry } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, FileDescriptorSetSchema, type FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { build } from "esbuild";
import * as fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { planFile, RefusedError } from "./plan";
import { ENUMS_SUFFIX, FILE_SUFFIX, plugin } from "./plugin";
import { corrupted, embedded, expectedPeek, expectPeekAgrees, expectSameFields, fullValue, hex, messageArbitrary, overlongVarints, peekSnapshot, reachable, toGen, tsName } from "./testing";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "protoc-gen-avatarkit-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Compiles .proto sources with buf (as `buf generate` would feed the plugin). */
function compile(files: Record<string, string>, dir = mkdtempSync(join(scratch, "src-"))): FileDescriptorSet {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const out = join(mkdtempSync(join(scratch, "set-")), "set.binpb"); // never next to the sources (proto/ is one)
  execFileSync(join(root, "node_modules/.bin/buf"), ["build", dir, "--as-file-descriptor-set", "-o", out], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  return fromBinary(FileDescriptorSetSchema, readFileSync(out));
}

/** Runs the plugin; returns the generated files by name. */
function generate(set: FileDescriptorSet, fileToGenerate: string[]): Record<string, string> {
  const response = plugin.run(create(CodeGeneratorRequestSchema, { fileToGenerate, parameter: "target=ts", protoFile: set.file }));
  return Object.fromEntries(response.file.map((f) => [f.name, f.content]));
}

const PROTO_DIR = join(root, "proto");
const protoSet = () => compile({}, PROTO_DIR);

describe("proto/", () => {
  it("generates packages/core/src/gen byte for byte, every time", () => {
    const set = protoSet();
    const first = generate(set, ["message/message.proto"]);
    expect(Object.keys(first).sort()).toEqual([`message/message${FILE_SUFFIX}`, `message/message${ENUMS_SUFFIX}`]);
    expect(first).toEqual(generate(set, ["message/message.proto"]));
    expect(first[`message/message${FILE_SUFFIX}`]).toBe(readFileSync(join(root, "packages/core/src/gen/message/message_codec.ts"), "utf8"));
    expect(first[`message/message${ENUMS_SUFFIX}`]).toBe(readFileSync(join(root, "packages/core/src/gen/message/message_enums.ts"), "utf8"));
  });

  it("the client/server rule: client_* encoded, server_* decoded, driven_config neither", () => {
    const registry = createFileRegistry(protoSet());
    const plan = planFile(registry.getFile("message/message.proto")!);
    const env = plan.envelope!;
    expect(env.message.typeName).toBe("message.Message");
    expect(env.client.map((c) => [c.field.name, c.typeValue.name])).toEqual([
      ["client_configure_session", "MESSAGE_CLIENT_CONFIGURE_SESSION"],
      ["client_audio_input", "MESSAGE_CLIENT_AUDIO_INPUT"],
      ["client_interrupt", "MESSAGE_CLIENT_INTERRUPT"],
      ["client_pause", "MESSAGE_CLIENT_PAUSE"],
      ["client_resume", "MESSAGE_CLIENT_RESUME"],
    ]);
    expect(env.server.map((c) => [c.field.name, c.typeValue.name])).toEqual([
      ["server_confirm_session", "MESSAGE_SERVER_CONFIRM_SESSION"],
      ["server_error", "MESSAGE_SERVER_ERROR"],
      ["server_response_animation", "MESSAGE_SERVER_RESPONSE_ANIMATION"],
      ["server_playback_state", "MESSAGE_SERVER_PLAYBACK_STATE"],
    ]);
    expect(env.ignored.map((f) => f.name)).toEqual(["driven_config"]);
    const by = (pred: (m: (typeof plan.messages)[number]) => boolean) => plan.messages.filter(pred).map((m) => m.name);
    expect(by((m) => m.encode)).toEqual(["LiveKitEgressConfig", "AgoraEgressConfig", "ClientConfigureSession", "ClientAudioInput", "ClientInterrupt", "ClientPause", "ClientResume"]);
    expect(by((m) => m.decode)).toEqual(["ServerConfirmSession", "ServerError", "Flame", "FlameAnimation", "ServerResponseAnimation", "ServerPlaybackState"]);
    expect(by((m) => m.shallow)).toEqual(["ServerResponseAnimation"]);
    // DrivenIngressConfig (and google.protobuf.Struct through it) gets no code at all.
    expect(plan.messages.some((m) => m.name === "DrivenIngressConfig")).toBe(false);
  });

  it("imports nothing but BinaryReader and BinaryWriter from @bufbuild/protobuf/wire and enum types from its enums module, and nothing runs at module level but pure declarations", () => {
    const code = readFileSync(join(root, "packages/core/src/gen/message/message_codec.ts"), "utf8");
    const enums = readFileSync(join(root, "packages/core/src/gen/message/message_enums.ts"), "utf8");
    expect(code.match(/^import .*$/gm)).toEqual([
      'import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";',
      'import type { MessageType, AudioFormat, TransportCompression, EgressType, ServerPlaybackState_State } from "./message_enums";',
    ]);
    // Every enum re-exported, none declared here.
    expect(code.match(/^export \{.*$/gm)).toEqual(['export { MessageType, CloseCode, AudioFormat, TransportCompression, EgressType, ServerPlaybackState_State } from "./message_enums";']);
    expect(code).not.toMatch(/^export const (MessageType|CloseCode) /m);
    // The enums module imports nothing and declares the enums only.
    expect(enums).not.toMatch(/^(import|export \{)/m);
    expect(enums.match(/^export const (\w+)/gm)).toEqual(["MessageType", "CloseCode", "AudioFormat", "TransportCompression", "EgressType", "ServerPlaybackState_State"].map((n) => `export const ${n}`));
    for (const file of [code, enums]) {
      expect(file).not.toMatch(/fileDesc|messageDesc|registry|reflect/i);
      // Top-level statements: declarations only (functions, types, const object literals, `let`s without initializer, re-exports).
      const topLevel = file.split("\n").filter((l) => /^\S/.test(l) && !/^(\/\/|\/\*|\s*\*|\}|;|\]|\)|import )/.test(l));
      for (const line of topLevel) {
        expect(line).toMatch(/^(export )?(function |interface |type |const [A-Za-z_]+ = \{$|let spare: BinaryWriter \| undefined;$|let peekReader: BinaryReader \| undefined;$|let peekMemory: ArrayBufferLike \| undefined;$|\{ [A-Za-z_, ]+ \} from "\.\/message_enums";$|\s*\| )/);
      }
      expect(file.startsWith("// The wire contract")).toBe(true);
      expect(file).toContain("// DO NOT EDIT: change the .proto file (or the plugin) and regenerate.");
    }
  });
});

const KITCHEN = `syntax = "proto3";
package kitchen;

enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; KIND_B = 2; }
enum EnvType {
  ENV_TYPE_UNSPECIFIED = 0; ENV_TYPE_CLIENT_ALL = 1; ENV_TYPE_SERVER_ALL = 2; ENV_TYPE_CLIENT_EMPTY = 3; ENV_TYPE_SERVER_TREE = 4;
  ENV_TYPE_SERVER_SCALARS = 5; ENV_TYPE_SERVER_LISTS = 6; ENV_TYPE_SERVER_MAPS = 7; ENV_TYPE_SERVER_FLAGS = 8;
}

message Scalars {
  double d = 1; float f = 2; int64 i64 = 3; uint64 u64 = 4; int32 i32 = 5; fixed64 fx64 = 6; fixed32 fx32 = 7;
  bool b = 8; string s = 9; bytes by = 12; uint32 u32 = 13; Kind k = 14; sfixed32 sf32 = 15; sfixed64 sf64 = 16;
  sint32 s32 = 17; sint64 s64 = 18; int32 big_number = 536870911;
  // A second bool, named like a parameter of the generated code.
  bool end = 19;
}
message Lists {
  repeated double d = 1; repeated float f = 2; repeated int64 i64 = 3; repeated uint64 u64 = 4; repeated int32 i32 = 5;
  repeated fixed64 fx64 = 6; repeated fixed32 fx32 = 7; repeated bool b = 8; repeated string s = 9; repeated bytes by = 12;
  repeated uint32 u32 = 13; repeated Kind k = 14; repeated sfixed32 sf32 = 15; repeated sfixed64 sf64 = 16;
  repeated sint32 s32 = 17; repeated sint64 s64 = 18; repeated Scalars m = 20;
  repeated int32 unpacked = 21 [packed = false]; repeated float unpacked_f = 22 [packed = false];
}
message Maps {
  map<string, string> ss = 1; map<int32, Scalars> im = 2; map<uint32, Kind> uk = 3; map<string, bytes> sb = 4;
  map<sfixed32, double> sd = 5; map<sint32, int64> si = 6;
}
message Tree {
  message Inner {
    enum Mood { MOOD_UNSPECIFIED = 0; MOOD_OK = 1; }
    Mood mood = 1;
  }
  Scalars scalars = 1; Lists lists = 2; Maps maps = 3; Tree child = 4; repeated Tree children = 5; Inner inner = 6;
  // Field names that are also names in the generated code.
  repeated float end = 7; string r = 8; int32 tag = 9; repeated float m = 10;
}
message Empty {}
message All { Scalars scalars = 1; Lists lists = 2; Maps maps = 3; Tree tree = 4; }
message Unrelated { string x = 1; }
message Envelope {
  EnvType type = 1;
  oneof body {
    All client_all = 2;
    All server_all = 3;
    Empty client_empty = 4;
    Tree server_tree = 5;
    Unrelated other = 6;
    // Payloads with scalars of every kind at the top level (the peek steps over them), one of them twice.
    Scalars server_scalars = 7;
    Lists server_lists = 8;
    Maps server_maps = 9;
    Scalars server_flags = 10;
  }
}
`;

describe("every field type the plugin supports, round-tripped with protobuf-es", async () => {
  const set = compile({ "kitchen.proto": KITCHEN });
  const registry: FileRegistry = createFileRegistry(set);
  const files = generate(set, ["kitchen.proto"]);
  const code = files[`kitchen${FILE_SUFFIX}`]!;
  // Both modules written out and bundled (@bufbuild/protobuf/wire from the repository's node_modules), then loaded.
  const dir = mkdtempSync(join(scratch, "kitchen-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const bundled = await build({ entryPoints: [join(dir, `kitchen${FILE_SUFFIX}`)], nodePaths: [join(root, "node_modules")], bundle: true, format: "esm", write: false, logLevel: "error" });
  const file = join(scratch, "kitchen_codec.mjs");
  writeFileSync(file, bundled.outputFiles[0]!.text);
  const G = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const message = (name: string) => registry.getMessage(`kitchen.${name}`)!;
  const envelope = message("Envelope");
  const cases = envelope.oneofs[0]!.fields;
  const client = reachable(cases.filter((c) => c.name.startsWith("client_")).map((c) => (c as { message: DescMessage }).message));
  const server = reachable(cases.filter((c) => c.name.startsWith("server_")).map((c) => (c as { message: DescMessage }).message));

  it("typechecks: no `any`, no ts-nocheck", () => {
    expect(code).not.toMatch(/@ts-nocheck|: any\b/);
  });

  it("generates an encoder per client message and a decoder per server message (both for a message on both sides)", () => {
    expect(client.map(tsName).sort()).toEqual(["All", "Empty", "Lists", "Maps", "Scalars", "Tree", "Tree_Inner"]);
    for (const m of client) expect(typeof G[`encode${tsName(m)}`], tsName(m)).toBe("function");
    for (const m of server) expect(typeof G[`decode${tsName(m)}`], tsName(m)).toBe("function");
    expect(G["encodeUnrelated"]).toBeUndefined();
    expect(G["decodeUnrelated"]).toBeUndefined();
    expect(G["Tree_Inner_Mood"]).toEqual({ UNSPECIFIED: 0, OK: 1 }); // the prefix MOOD_ stripped, as protobuf-es does
    expect(G["ClientEnvelopeType"]).toEqual({ clientAll: 1, clientEmpty: 3 });
    expect(G["ServerEnvelopeType"]).toEqual({ serverAll: 2, serverTree: 4, serverScalars: 5, serverLists: 6, serverMaps: 7, serverFlags: 8 });
    expect(Object.keys(files).sort()).toEqual([`kitchen${FILE_SUFFIX}`, `kitchen${ENUMS_SUFFIX}`]);
  });

  it("every field set", () => {
    for (const m of server) {
      const value = create(m, fullValue(m));
      const bytes = toBinary(m, value);
      expectSameFields(m, fromBinary(m, bytes) as never, (G[`decode${tsName(m)}`] as (b: Uint8Array) => Record<string, unknown>)(bytes));
    }
    for (const m of client) {
      const value = create(m, fullValue(m));
      expect(hex((G[`encode${tsName(m)}`] as (v: unknown) => Uint8Array)(toGen(m, value as never))), m.typeName).toBe(hex(toBinary(m, value)));
    }
  });

  for (const m of [message("Scalars"), message("Lists"), message("Maps"), message("Tree")]) {
    it(`${m.name}: decodes what protobuf-es writes, encodes protobuf-es's bytes`, () => {
      fc.assert(
        fc.property(messageArbitrary(m, 2), (init) => {
          const value = create(m, init);
          const bytes = toBinary(m, value);
          expectSameFields(m, fromBinary(m, bytes) as never, (G[`decode${tsName(m)}`] as (b: Uint8Array) => Record<string, unknown>)(bytes));
          expect(hex((G[`encode${tsName(m)}`] as (v: unknown) => Uint8Array)(toGen(m, value as never)))).toBe(hex(bytes));
        }),
        { numRuns: 150 },
      );
    });
  }

  it("the envelope: type from the case on encode; the shallow decoder skips message-typed fields", () => {
    const tree = message("Tree");
    const value = create(tree, fullValue(tree));
    const bytes = toBinary(envelope, create(envelope, { type: 4, body: { case: "serverTree", value } }));
    const deep = (G["decodeServerEnvelope"] as (b: Uint8Array) => { type: number; body: { case: string; value: Record<string, unknown> } })(bytes);
    const shallow = (G["decodeServerEnvelopeShallow"] as (b: Uint8Array) => typeof deep)(bytes);
    expect([deep.type, deep.body.case, shallow.body.case]).toEqual([4, "serverTree", "serverTree"]);
    expectSameFields(tree, value as never, deep.body.value);
    expect([shallow.body.value["scalars"], shallow.body.value["child"], shallow.body.value["children"]]).toEqual([undefined, undefined, []]);
    expect(shallow.body.value["r"]).toBe((value as unknown as { r: string }).r);
    const encoded = (G["encodeClientEnvelope"] as (m: unknown) => Uint8Array)({ case: "clientEmpty", value: {} });
    expect(hex(encoded)).toBe(hex(toBinary(envelope, create(envelope, { type: 3, body: { case: "clientEmpty", value: {} } }))));
    // A case that is neither client nor server is skipped by the decoder.
    const other = toBinary(envelope, create(envelope, { type: 9, body: { case: "other", value: { x: "x" } } }));
    expect((G["decodeServerEnvelope"] as (b: Uint8Array) => unknown)(other)).toEqual({ type: 9, body: { case: undefined } });
  });

  describe("the peek", () => {
    type Peek = (b: Uint8Array) => Record<string, unknown>;
    const peek = G["peekServerEnvelope"] as Peek;
    const shallow = G["decodeServerEnvelopeShallow"] as Peek;
    const serverCases = cases.filter((c) => c.name.startsWith("server_")) as Array<DescField & { fieldKind: "message" }>;
    /** One server message as protobuf-es writes it: any server case, any type (0 included: then inferred). */
    const serverMessage = fc
      .tuple(fc.constantFrom(...serverCases), fc.integer({ min: 0, max: 9 }), fc.nat())
      .chain(([c, type]) => messageArbitrary(c.message, 2).map((init) => toBinary(envelope, create(envelope, { type, body: { case: c.localName, value: init } as never }))));
    /** One to three server messages, concatenated: protobuf's merge (the same case merges, another starts afresh). */
    const merged = fc.array(serverMessage, { minLength: 1, maxLength: 3 }).map((parts) => new Uint8Array(Buffer.concat(parts)));

    it("reads the type (the case's when absent), the case and its top-level bools as protobuf-es decodes them, merges included", () => {
      expect(peekSnapshot(peek(new Uint8Array(0)))).toEqual({ type: 0, case: undefined, serverScalars: { b: false, end: false }, serverFlags: { b: false, end: false } });
      fc.assert(
        fc.property(merged, (bytes) => {
          const expected = expectedPeek(envelope, fromBinary(envelope, bytes) as never);
          expect(peekSnapshot(peek(bytes))).toEqual(expected);
          expect(peekSnapshot(peek(embedded(bytes, bytes.length % 5)))).toEqual(expected);
        }),
        { numRuns: 500 },
      );
    });

    it("a case after another starts afresh: the first one's bools are cleared", () => {
      const scalars = toBinary(envelope, create(envelope, { body: { case: "serverScalars", value: { b: true, end: true } } }));
      const flags = toBinary(envelope, create(envelope, { body: { case: "serverFlags", value: { end: true } } }));
      expect(peekSnapshot(peek(new Uint8Array([...scalars, ...flags])))).toEqual({ type: 8, case: "serverFlags", serverScalars: { b: false, end: false }, serverFlags: { b: false, end: true } });
      expect(peekSnapshot(peek(new Uint8Array([...scalars, ...flags, ...scalars])))).toMatchObject({ type: 5, case: "serverScalars", serverScalars: { b: true, end: true }, serverFlags: { end: false } });
    });

    it("throws where the shallow decoder throws: truncated, overwritten and spliced bytes", () => {
      const seen = new Set<string>();
      fc.assert(
        fc.property(
          merged.chain((valid) => corrupted(valid)),
          (bytes) => void seen.add(expectPeekAgrees(envelope, shallow, peek, bytes)),
        ),
        { numRuns: 3000 },
      );
      expect([...seen].sort()).toEqual(["read", "threw", "value error"]);
    });

    it("throws on a varint of 11 bytes wherever the shallow decoder reads one", () => {
      const cases = overlongVarints(envelope);
      expect(cases.length).toBeGreaterThan(30);
      for (const { what, bytes } of cases) {
        expect(() => shallow(bytes), what).toThrow("invalid varint");
        expect(() => peek(bytes), what).toThrow("invalid varint");
        expect(() => peek(embedded(bytes)), what).toThrow();
      }
    });

    it("reads on past what only decoding a value finds: invalid UTF-8, an int64 beyond the safe range", () => {
      const invalidUtf8 = new Uint8Array([0x3a, 0x05, 0x4a, 0x01, 0xff, 0x40, 0x01]); // server_scalars { s: "\xff", b: true }
      expect(() => shallow(invalidUtf8)).toThrow(TypeError);
      expect(peekSnapshot(peek(invalidUtf8))).toMatchObject({ type: 5, case: "serverScalars", serverScalars: { b: true, end: false } });
      const unsafe = new Uint8Array([0x3a, 0x0d, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x98, 0x01, 0x01]); // server_scalars { i64: 2^63 - 1, end: true }
      expect(() => shallow(unsafe)).toThrow(/outside the safe integer range/);
      expect(peekSnapshot(peek(unsafe))).toMatchObject({ type: 5, case: "serverScalars", serverScalars: { b: false, end: true } });
    });

    it("returns the same object every call, and allocates nothing per field", () => {
      const bytes = toBinary(envelope, create(envelope, { type: 5, body: { case: "serverScalars", value: create(message("Scalars"), fullValue(message("Scalars"))) } }));
      expect(peek(bytes)).toBe(peek(new Uint8Array(0)));
      expect(code).toMatch(/const peeked = \{/);
      // Strings and bytes are stepped over by their length, never read.
      const peekCode = code.slice(code.indexOf("function peekAll("));
      expect(peekCode).not.toMatch(/r\.(string|bytes|int64|uint64|sint64|fixed64|sfixed64)\(/);
    });
  });

  it("a map key __proto__ is a key, not a prototype", () => {
    const maps = message("Maps");
    const bytes = toBinary(maps, create(maps, { ss: { ["__proto__"]: "x", a: "b" } }));
    const decoded = (G["decodeMaps"] as (b: Uint8Array) => { ss: Record<string, string> })(bytes);
    expect(Object.getPrototypeOf(decoded.ss)).toBe(null);
    expect(Object.entries(decoded.ss)).toEqual([["__proto__", "x"], ["a", "b"]]);
  });
});

describe("what the plugin refuses", () => {
  const refused = (proto: string, extra: Record<string, string> = {}) => {
    const set = compile({ "x.proto": proto, ...extra });
    try {
      generate(set, ["x.proto"]);
    } catch (error) {
      expect(error).toBeInstanceOf(RefusedError);
      return (error as Error).message;
    }
    throw new Error("not refused");
  };
  const env = (cases: string, extra = "") => `syntax = "proto3";\npackage x;\nenum T { T_UNSPECIFIED = 0; T_CLIENT_A = 1; T_SERVER_B = 2; }\nmessage A { string s = 1; }\nmessage B { string s = 1; }\n${extra}\nmessage M { T type = 1; oneof data { ${cases} } }\n`;

  it.each([
    ["a proto2 file", 'syntax = "proto2";\npackage x;\nenum T { T_UNSPECIFIED = 0; T_CLIENT_A = 1; }\nmessage A { optional string s = 1; }\nmessage M { optional T type = 1; oneof data { A client_a = 2; } }\n', "only proto3 files are supported"],
    ["a oneof outside the envelope", env("A client_a = 2; C server_b = 3;").replace("T_SERVER_B", "T_SERVER_B"), ""],
    ["a proto3 optional field", env("A client_a = 2; B server_b = 3;", "message C { optional string s = 1; }").replace("message B { string s = 1; }", "message B { optional string s = 1; }"), "proto3 optional fields are not supported"],
    ["a 64-bit map key", env("A client_a = 2; B server_b = 3;").replace("message B { string s = 1; }", "message B { map<int64, string> m = 1; }"), "map keys of type int64 are not supported"],
    ["a bool map key", env("A client_a = 2; B server_b = 3;").replace("message B { string s = 1; }", "message B { map<bool, string> m = 1; }"), "map keys of type bool are not supported"],
    ["a case without its type value", env("A client_a = 2; B server_c = 3;"), "no value of x.T ends with _SERVER_C"],
    ["a case that is not a message", env("A client_a = 2; string server_b = 3;"), "a client_/server_ case must be a message"],
    ["an envelope without a type", 'syntax = "proto3";\npackage x;\nmessage A {}\nmessage M { oneof data { A client_a = 2; } }\n', 'the envelope needs an enum field named "type"'],
    ["an envelope with other fields", env("A client_a = 2; B server_b = 3;").replace("T type = 1;", "T type = 1; string note = 9;"), 'x.M.note: the envelope may only have the "type" field and its oneof'],
    ["two envelopes", env("A client_a = 2; B server_b = 3;") + "message N { T type = 1; oneof d { A client_a = 2; } }\n", "more than one envelope"],
    ["a message from another file", 'syntax = "proto3";\npackage x;\nimport "google/protobuf/struct.proto";\nenum T { T_UNSPECIFIED = 0; T_SERVER_S = 1; }\nmessage M { T type = 1; oneof data { google.protobuf.Struct server_s = 2; } }\n', "messages from other files"],
    ["a generated name taken twice", env("A client_a = 2; B server_b = 3;", "message ClientM { string s = 1; }\nmessage Z { ClientM c = 1; }").replace("message A { string s = 1; }", "message A { Z z = 1; }"), "the generated name ClientM is taken twice"],
  ])("%s", (_name, proto, reason) => {
    const message = refused(proto.includes("C server_b") ? proto + "message C { oneof o { string a = 1; int32 b = 2; } }\n" : proto);
    expect(message).toContain(reason || "oneofs are supported in the envelope only");
  });

  it("a target other than ts", () => {
    const set = protoSet();
    expect(() => plugin.run(create(CodeGeneratorRequestSchema, { fileToGenerate: ["message/message.proto"], parameter: "target=js", protoFile: set.file }))).toThrow("generates TypeScript only");
  });

  it("names every reason at once", () => {
    const message = refused(env("A client_a = 2; B server_c = 3; string client_d = 4;"));
    expect(message).toContain("no value of x.T ends with _SERVER_C");
    expect(message).toContain("a client_/server_ case must be a message");
  });
});
