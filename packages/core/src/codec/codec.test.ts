import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  AudioFormat as PbAudioFormat,
  ClientConfigureSessionSchema,
  EgressType,
  MessageSchema,
  MessageType as PbMessageType,
  ServerErrorSchema,
  ServerResponseAnimationSchema,
  ServerConfirmSessionSchema,
} from "@avatarkit/simulator/gen";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeServerMessage, DecodeError } from "./decode";
import { encodeAudioInput, encodeConfigureSession, encodeInterrupt } from "./encode";
import * as F from "./fields";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));

describe("field numbers match proto/message/message.proto", () => {
  const numbers = (schema: { fields: readonly { localName: string; number: number }[] }) =>
    Object.fromEntries(schema.fields.map((f) => [f.localName, f.number]));
  it("Message", () => {
    expect(numbers(MessageSchema)).toEqual(F.MessageField);
  });
  it("payloads", async () => {
    const gen = await import("@avatarkit/simulator/gen");
    expect(numbers(gen.ClientConfigureSessionSchema)).toEqual(F.ConfigureField);
    expect(numbers(gen.LiveKitEgressConfigSchema)).toEqual(F.LiveKitField);
    expect(numbers(gen.AgoraEgressConfigSchema)).toEqual(F.AgoraField);
    expect(numbers(gen.ServerConfirmSessionSchema)).toEqual(F.ConfirmField);
    expect(numbers(gen.ClientAudioInputSchema)).toEqual(F.AudioInputField);
    expect(numbers(gen.ServerErrorSchema)).toEqual(F.ServerErrorField);
    expect(numbers(gen.ServerResponseAnimationSchema)).toEqual(F.AnimationField);
    expect(numbers(gen.ClientInterruptSchema)).toEqual(F.InterruptField);
  });
  it("enums", () => {
    expect(F.MessageType).toEqual({
      unspecified: PbMessageType.MESSAGE_UNSPECIFIED,
      clientConfigureSession: PbMessageType.MESSAGE_CLIENT_CONFIGURE_SESSION,
      serverConfirmSession: PbMessageType.MESSAGE_SERVER_CONFIRM_SESSION,
      clientAudioInput: PbMessageType.MESSAGE_CLIENT_AUDIO_INPUT,
      serverError: PbMessageType.MESSAGE_SERVER_ERROR,
      serverResponseAnimation: PbMessageType.MESSAGE_SERVER_RESPONSE_ANIMATION,
      clientInterrupt: PbMessageType.MESSAGE_CLIENT_INTERRUPT,
    });
    expect(F.WireAudioFormat).toEqual({ pcm_s16le: PbAudioFormat.PCM_S16LE, ogg_opus: PbAudioFormat.OGG_OPUS });
    expect(F.WireEgressType).toEqual({ unspecified: EgressType.UNSPECIFIED, livekit: EgressType.LIVEKIT, agora: EgressType.AGORA });
  });
});

describe("encoding, byte fixtures", () => {
  it("audio input", () => {
    // type=3; field 4 {req_id="r1", end=true, audio=01 02}
    expect(hex(encodeAudioInput("r1", true, new Uint8Array([1, 2])))).toBe("0803" + "220a" + "0a027231" + "1001" + "1a020102");
  });
  it("audio input without end or audio omits the defaults", () => {
    expect(hex(encodeAudioInput("r1", false, new Uint8Array()))).toBe("0803" + "2204" + "0a027231");
  });
  it("interrupt", () => {
    expect(hex(encodeInterrupt("r1"))).toBe("0807" + "4204" + "0a027231");
  });
  it("configure, PCM 16 kHz", () => {
    // type=1; field 2 {sample_rate=16000}
    expect(hex(encodeConfigureSession({ sampleRate: 16000, bitrate: 0, audioFormat: "pcm_s16le" }))).toBe("0801" + "1203" + "08807d");
  });
  it("configure, Ogg Opus with bitrate", () => {
    expect(hex(encodeConfigureSession({ sampleRate: 24000, bitrate: 32000, audioFormat: "ogg_opus" }))).toBe(
      "0801" + "120a" + "08c0bb01" + "1080fa01" + "1801",
    );
  });
});

describe("decoding, byte fixtures", () => {
  it("confirm", () => {
    expect(decodeServerMessage(unhex("0802 1a04 0a02 6331"))).toEqual({ kind: "confirm", connectionId: "c1" });
  });
  it("a negative ServerError code (10-byte varint)", () => {
    const bytes = unhex("0804 2a0b 18 ffffffffffffffffff01");
    expect(decodeServerMessage(bytes)).toEqual({ kind: "error", connectionId: "", reqId: "", code: -1, message: "" });
  });
  it("animation with unknown fields around it", () => {
    // type=5, unknown field 15 (bytes), field 6 {req_id="r", end=true, unknown fixed32}
    const bytes = unhex("0805 7a03 aabbcc 320a 1201 72 1801 2d 01020304");
    expect(decodeServerMessage(bytes)).toEqual({ kind: "animation", connectionId: "", reqId: "r", end: true });
  });
  it("an unknown type is 'other'", () => {
    expect(decodeServerMessage(unhex("0863"))).toEqual({ kind: "other", type: 99 });
  });
  it("a missing type is inferred from the payload", () => {
    expect(decodeServerMessage(unhex("1a04 0a02 6331"))).toEqual({ kind: "confirm", connectionId: "c1" });
  });
  it.each([
    ["truncated varint", "08"],
    ["length past the end", "0805 3205 1201"],
    ["field number 0", "0001"],
    ["group wire type", "0b"],
    ["invalid UTF-8", "0802 1a03 0a01 ff"],
  ])("rejects %s", (_name, bytes) => {
    expect(() => decodeServerMessage(unhex(bytes))).toThrow(DecodeError);
  });
});

const text = fc.string({ maxLength: 40 });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

describe("equivalence with the generated schema (property tests)", () => {
  it("server messages encoded by protobuf-es decode the same", () => {
    const serverMessage = fc.oneof(
      fc.record({ connectionId: text }).map((v) => create(MessageSchema, { type: PbMessageType.MESSAGE_SERVER_CONFIRM_SESSION, data: { case: "serverConfirmSession", value: create(ServerConfirmSessionSchema, v) } })),
      fc.record({ connectionId: text, reqId: text, code: int32, message: text }).map((v) => create(MessageSchema, { type: PbMessageType.MESSAGE_SERVER_ERROR, data: { case: "serverError", value: create(ServerErrorSchema, v) } })),
      fc.record({ connectionId: text, reqId: text, end: fc.boolean() }).map((v) => create(MessageSchema, { type: PbMessageType.MESSAGE_SERVER_RESPONSE_ANIMATION, data: { case: "serverResponseAnimation", value: create(ServerResponseAnimationSchema, v) } })),
    );
    fc.assert(
      fc.property(serverMessage, (message) => {
        const decoded = decodeServerMessage(toBinary(MessageSchema, message));
        const value = message.data.value as Record<string, unknown>;
        const expected =
          message.data.case === "serverConfirmSession"
            ? { kind: "confirm", connectionId: value["connectionId"] }
            : message.data.case === "serverError"
              ? { kind: "error", connectionId: value["connectionId"], reqId: value["reqId"], code: value["code"], message: value["message"] }
              : { kind: "animation", connectionId: value["connectionId"], reqId: value["reqId"], end: value["end"] };
        expect(decoded).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("audio and interrupt messages decode with protobuf-es to what was encoded", () => {
    fc.assert(
      fc.property(text, fc.boolean(), fc.uint8Array({ maxLength: 300 }), (reqId, end, audio) => {
        const decoded = fromBinary(MessageSchema, encodeAudioInput(reqId, end, audio));
        expect(decoded.type).toBe(PbMessageType.MESSAGE_CLIENT_AUDIO_INPUT);
        expect(decoded.data.case).toBe("clientAudioInput");
        expect(decoded.data.value).toMatchObject({ reqId, end, audio });
        const interrupt = fromBinary(MessageSchema, encodeInterrupt(reqId));
        expect(interrupt.type).toBe(PbMessageType.MESSAGE_CLIENT_INTERRUPT);
        expect(interrupt.data.case === "clientInterrupt" && interrupt.data.value.reqId).toBe(reqId);
      }),
      { numRuns: 500 },
    );
  });

  it("configure messages decode with protobuf-es to what was encoded, and encode byte-identically", () => {
    const nonEmpty = fc.string({ minLength: 1, maxLength: 20 });
    const livekit = fc.record(
      {
        url: nonEmpty, roomName: nonEmpty, apiToken: nonEmpty, apiKey: nonEmpty, apiSecret: nonEmpty, publisherId: nonEmpty,
        idleTimeout: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        extraAttributes: fc.dictionary(nonEmpty, text, { maxKeys: 3 }),
      },
      { requiredKeys: ["url", "roomName"] },
    );
    const agora = fc.record({ channelName: nonEmpty, token: nonEmpty, uid: fc.integer({ min: 0, max: 2 ** 32 - 1 }), publisherId: nonEmpty }, { requiredKeys: ["channelName"] });
    const fields = fc.record({
      sampleRate: fc.constantFrom(8000, 16000, 22050, 24000, 48000),
      bitrate: fc.integer({ min: 0, max: 512000 }),
      audioFormat: fc.constantFrom("pcm_s16le" as const, "ogg_opus" as const),
      egress: fc.oneof(fc.constant(undefined), livekit.map((l) => ({ livekitEgress: l })), agora.map((a) => ({ agoraEgress: a }))),
    });
    fc.assert(
      fc.property(fields, ({ egress, ...rest }) => {
        const input = { ...rest, ...(egress ?? {}) };
        const bytes = encodeConfigureSession(input);
        const decoded = fromBinary(MessageSchema, bytes);
        expect(decoded.type).toBe(PbMessageType.MESSAGE_CLIENT_CONFIGURE_SESSION);
        if (decoded.data.case !== "clientConfigureSession") throw new Error("wrong case");
        const c = decoded.data.value;
        expect(c.sampleRate).toBe(rest.sampleRate);
        expect(c.bitrate).toBe(rest.bitrate);
        expect(c.audioFormat).toBe(F.WireAudioFormat[rest.audioFormat]);
        if (egress && "livekitEgress" in egress) {
          expect(c.egressType).toBe(EgressType.LIVEKIT);
          expect(c.livekitEgress).toMatchObject({ ...egress.livekitEgress, extraAttributes: egress.livekitEgress.extraAttributes ?? {} });
        } else if (egress && "agoraEgress" in egress) {
          expect(c.egressType).toBe(EgressType.AGORA);
          expect(c.agoraEgress).toMatchObject(egress.agoraEgress);
        } else {
          expect(c.egressType).toBe(EgressType.UNSPECIFIED);
        }
        // Without maps (whose entry order may differ) the bytes are identical to protobuf-es's.
        if (!egress || !("livekitEgress" in egress) || Object.keys(egress.livekitEgress.extraAttributes ?? {}).length === 0) {
          expect(hex(bytes)).toBe(hex(toBinary(MessageSchema, decoded)));
        }
        expect(create(ClientConfigureSessionSchema, c).transportCompression).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it("mutated server frames either decode or throw DecodeError, never anything else", () => {
    const valid = toBinary(
      MessageSchema,
      create(MessageSchema, { type: PbMessageType.MESSAGE_SERVER_RESPONSE_ANIMATION, data: { case: "serverResponseAnimation", value: { connectionId: "c", reqId: "r", end: true } } }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), (flips, cut) => {
        const bytes = valid.slice(0, (cut % (valid.length + 1)) || valid.length);
        for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
        try {
          decodeServerMessage(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
