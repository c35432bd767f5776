/**
 * The SDK's codec layer (encode.ts, decode.ts over the generated ../gen):
 * byte fixtures for everything the SDK sends, decode fixtures for everything
 * the server sends, and property tests against the protobuf-es schema.
 * gen.test.ts checks the generated codec itself, message by message.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  AudioFormat as PbAudioFormat,
  ClientConfigureSessionSchema,
  EgressType,
  FlameSchema,
  MessageSchema,
  MessageType as PbMessageType,
  ServerConfirmSessionSchema,
  ServerErrorSchema,
  ServerPlaybackState_State as PbState,
  ServerPlaybackStateSchema,
  ServerResponseAnimationSchema,
  type Message,
} from "@avatarkit/simulator/gen";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeAnimationFrame, decodeServerMessage, DecodeError, peekAnimationEnd } from "./decode";
import { encodeAudioInput, encodeConfigureSession, encodeInterrupt, encodePause, encodeResume } from "./encode";
import * as codec from "./index";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const ascii = (s: string) => Buffer.from(s, "latin1").toString("hex");

describe("the module's exports", () => {
  it("are what the rest of core imports", () => {
    expect(Object.keys(codec).sort()).toEqual(["DecodeError", "decodeAnimationFrame", "decodeServerMessage", "encodeAudioInput", "encodeConfigureSession", "encodeInterrupt", "encodePause", "encodeResume", "peekAnimationEnd"]);
  });
});

describe("encoding, byte fixtures (the bytes of the hand-written codec this replaced)", () => {
  it("audio input", () => {
    // type=3; field 4 {req_id="r1", end=true, audio=01 02}
    expect(hex(encodeAudioInput("r1", true, new Uint8Array([1, 2])))).toBe("0803" + "220a" + "0a027231" + "1001" + "1a020102");
  });
  it("audio input without end or audio omits the defaults", () => {
    expect(hex(encodeAudioInput("r1", false, new Uint8Array()))).toBe("0803" + "2204" + "0a027231");
  });
  it("an empty closing chunk without a request id", () => {
    expect(hex(encodeAudioInput("", true, new Uint8Array()))).toBe("0803" + "2202" + "1001");
  });
  it("audio over 127 bytes (two-byte lengths) with a non-ASCII request id", () => {
    // "é😀" and a lone surrogate (written as U+FFFD, as TextEncoder does)
    expect(hex(encodeAudioInput("é😀\ud800", false, new Uint8Array(200)))).toBe("0803" + "22d601" + "0a09" + "c3a9" + "f09f9880" + "efbfbd" + "1ac801" + "00".repeat(200));
  });
  it("a 256 KiB chunk", () => {
    const audio = new Uint8Array(256 * 1024).map((_, i) => i);
    const bytes = encodeAudioInput("r", true, audio);
    expect(hex(bytes.subarray(0, 12))).toBe("0803" + "22898010" + "0a0172" + "1001" + "1a");
    expect(Buffer.compare(bytes.subarray(bytes.length - audio.length), audio)).toBe(0);
    expect(bytes.length).toBe(15 + audio.length);
  });
  it("interrupt", () => {
    expect(hex(encodeInterrupt("r1"))).toBe("0807" + "4204" + "0a027231");
    expect(hex(encodeInterrupt(""))).toBe("0807" + "4200"); // the case is written even when empty
  });
  it("pause: type 8, field 9", () => {
    expect(hex(encodePause("r1"))).toBe("0808" + "4a04" + "0a027231");
  });
  it("resume: type 9, field 10", () => {
    expect(hex(encodeResume("r1"))).toBe("0809" + "5204" + "0a027231");
  });
  it("configure, PCM 16 kHz", () => {
    // type=1; field 2 {sample_rate=16000}
    expect(hex(encodeConfigureSession({ sampleRate: 16000, bitrate: 0, audioFormat: "pcm_s16le" }))).toBe("0801" + "1203" + "08807d");
  });
  it("configure, Ogg Opus with bitrate", () => {
    expect(hex(encodeConfigureSession({ sampleRate: 24000, bitrate: 32000, audioFormat: "ogg_opus" }))).toBe("0801" + "120a" + "08c0bb01" + "1080fa01" + "1801");
  });
  it("configure, LiveKit egress with a token, attributes and an idle timeout", () => {
    const bytes = encodeConfigureSession({
      sampleRate: 16000,
      bitrate: 0,
      audioFormat: "pcm_s16le",
      livekitEgress: { url: "wss://lk", apiToken: "tok", roomName: "room", publisherId: "pub", extraAttributes: { a: "1", b: "" }, idleTimeout: 30 },
    });
    expect(hex(bytes)).toBe(
      "0801" + "1232" + "08807d" + "2801" + "322b" + "0a08" + ascii("wss://lk") + "2204" + ascii("room") + "2a03" + ascii("pub") +
        "3206" + "0a0161" + "120131" + "3205" + "0a0162" + "1200" + "381e" + "4203" + ascii("tok"),
    );
  });
  it("configure, LiveKit with the deprecated key and secret and a negative idle timeout (10-byte varint)", () => {
    const bytes = encodeConfigureSession({ sampleRate: 16000, bitrate: 0, audioFormat: "pcm_s16le", livekitEgress: { url: "u", apiKey: "k", apiSecret: "s", roomName: "r", idleTimeout: -1 } });
    expect(hex(bytes)).toBe("0801" + "121e" + "08807d" + "2801" + "3217" + "0a0175" + "12016b" + "1a0173" + "220172" + "38ffffffffffffffffff01");
  });
  it("configure, Agora egress", () => {
    const bytes = encodeConfigureSession({ sampleRate: 48000, bitrate: 64000, audioFormat: "ogg_opus", agoraEgress: { channelName: "ch", token: "t", uid: 4294967295, publisherId: "p" } });
    expect(hex(bytes)).toBe("0801" + "121e" + "0880f702" + "1080f403" + "1801" + "2802" + "3a10" + "0a026368" + "120174" + "18ffffffff0f" + "220170");
    expect(hex(encodeConfigureSession({ sampleRate: 16000, bitrate: 0, audioFormat: "pcm_s16le", agoraEgress: { channelName: "ch" } }))).toBe("0801" + "120b" + "08807d" + "2802" + "3a04" + "0a026368");
  });
  it("configure with both egresses sends LiveKit only (validation refuses both before this)", () => {
    const bytes = encodeConfigureSession({ sampleRate: 16000, bitrate: 0, audioFormat: "pcm_s16le", livekitEgress: { url: "u", roomName: "r" }, agoraEgress: { channelName: "ch" } });
    const c = fromBinary(MessageSchema, bytes).data;
    expect(c.case === "clientConfigureSession" && [c.value.egressType, c.value.agoraEgress]).toEqual([EgressType.LIVEKIT, undefined]);
  });
  it("an encoder that throws leaves the next encode intact", () => {
    expect(() => encodeConfigureSession({ sampleRate: 1.5, bitrate: 0, audioFormat: "pcm_s16le" })).toThrow();
    expect(hex(encodeInterrupt("r1"))).toBe("0807" + "4204" + "0a027231");
  });
});

/** A server message as protobuf-es writes it. */
const pb = (init: Parameters<typeof create<typeof MessageSchema>>[1]) => toBinary(MessageSchema, create(MessageSchema, init));

describe("decoding, byte fixtures", () => {
  it("confirm of an old server: no capabilities", () => {
    expect(decodeServerMessage(unhex("0802 1a04 0a02 6331"))).toEqual({ kind: "confirm", connectionId: "c1", capabilities: [] });
  });
  it("confirm with capabilities", () => {
    const bytes = unhex("0802 1a26 0a02 6331 1210" + ascii("playback_control") + "120e" + ascii("playback_state"));
    expect(decodeServerMessage(bytes)).toEqual({ kind: "confirm", connectionId: "c1", capabilities: ["playback_control", "playback_state"] });
  });
  it("a negative ServerError code (10-byte varint)", () => {
    const bytes = unhex("0804 2a0b 18 ffffffffffffffffff01");
    expect(decodeServerMessage(bytes)).toEqual({ kind: "error", connectionId: "", reqId: "", code: -1, message: "" });
  });
  it("a ServerError with a close code", () => {
    const bytes = unhex("0804 2a0e 0a0163 120172 18a11f 2203" + ascii("bye"));
    expect(decodeServerMessage(bytes)).toEqual({ kind: "error", connectionId: "c", reqId: "r", code: 4001, message: "bye" });
  });
  it("animation with unknown fields around it", () => {
    // type=5, unknown field 15 (bytes), field 6 {req_id="r", end=true, unknown fixed32}
    const bytes = unhex("0805 7a03 aabbcc 320a 1201 72 1801 2d 01020304");
    expect(decodeServerMessage(bytes)).toEqual({ kind: "animation", connectionId: "", reqId: "r", end: true, avatarId: "" });
  });
  it("animation with an avatar id: the keyframes are not decoded", () => {
    // field 6 {connection_id="c", req_id="r", animation = a packed float field of 3 bytes (malformed), avatar_id="a1"}
    const bytes = unhex("0805 3213 0a0163 120172 2207 0a05 0a03 000000 2a02 6131");
    expect(decodeServerMessage(bytes)).toEqual({ kind: "animation", connectionId: "c", reqId: "r", end: false, avatarId: "a1" });
    expect(() => decodeAnimationFrame(bytes)).toThrow(DecodeError);
  });
  it("playback states, int64 played_ms beyond 32 bits", () => {
    // field 11 {connection_id="c", req_id="r", state=PAUSED, played_ms=5_000_000_000, reason=""}
    const bytes = unhex("080a 5a0e 0a0163 120172 1802 2080e497d012");
    expect(decodeServerMessage(bytes)).toEqual({ kind: "playbackState", connectionId: "c", reqId: "r", state: "paused", playedMs: 5_000_000_000, reason: "" });
    const states = [
      [PbState.PLAYING, "playing"],
      [PbState.PAUSED, "paused"],
      [PbState.ENDED, "ended"],
      [PbState.INTERRUPTED, "interrupted"],
      [PbState.STATE_UNSPECIFIED, "unspecified"],
      [77 as PbState, "unspecified"], // a state this SDK does not know
    ] as const;
    for (const [state, name] of states) {
      const message = pb({ type: PbMessageType.MESSAGE_SERVER_PLAYBACK_STATE, data: { case: "serverPlaybackState", value: { reqId: "r", state, playedMs: 1234n, reason: "explicit" } } });
      expect(decodeServerMessage(message)).toEqual({ kind: "playbackState", connectionId: "", reqId: "r", state: name, playedMs: 1234, reason: "explicit" });
    }
  });
  it("an unknown type is 'other': 99, and 6 (the service-internal driven config) even with its payload", () => {
    expect(decodeServerMessage(unhex("0863"))).toEqual({ kind: "other", type: 99 });
    const driven = pb({ type: PbMessageType.MESSAGE_CLIENT_DRIVEN_CONFIG, data: { case: "drivenConfig", value: { drivenServerUrl: "http://x", encoderStartFrame: 3 } } });
    expect(decodeServerMessage(driven)).toEqual({ kind: "other", type: PbMessageType.MESSAGE_CLIENT_DRIVEN_CONFIG });
    // A client message echoed back is no server message either.
    expect(decodeServerMessage(encodeInterrupt("r"))).toEqual({ kind: "other", type: PbMessageType.MESSAGE_CLIENT_INTERRUPT });
    expect(decodeServerMessage(new Uint8Array(0))).toEqual({ kind: "other", type: PbMessageType.MESSAGE_UNSPECIFIED });
  });
  it("a missing type is inferred from the payload", () => {
    expect(decodeServerMessage(unhex("1a04 0a02 6331"))).toEqual({ kind: "confirm", connectionId: "c1", capabilities: [] });
    expect(decodeServerMessage(pb({ data: { case: "serverPlaybackState", value: { state: PbState.ENDED, playedMs: 10n } } }))).toMatchObject({ kind: "playbackState", state: "ended", playedMs: 10 });
  });
  it("a payload that does not match the type reads as empty", () => {
    // type=5 (animation) with a confirm payload
    expect(decodeServerMessage(unhex("0805 1a04 0a02 6331"))).toEqual({ kind: "animation", connectionId: "", reqId: "", end: false, avatarId: "" });
  });
  it.each([
    ["truncated varint", "08"],
    ["truncated tag", "ff"],
    ["length past the end", "0805 3205 1201"],
    ["a submessage field past its length", "0805 3202 1203 727272"],
    ["field number 0", "0001"],
    ["a truncated group", "0b"],
    ["wire type 6", "0e"],
    ["wire type 7", "0f"],
    ["an end-group tag without its group", "0c"],
    ["invalid UTF-8", "0802 1a03 0a01 ff"],
    ["invalid UTF-8 in a capability", "0802 1a03 1201 c3"],
    ["int64 beyond the safe integer range", "080a 5a0a 20 ffffffffffffffff7f"],
    ["truncated fixed64 in an unknown field", "0805 79 0102"],
  ])("rejects %s with a DecodeError", (_name, bytes) => {
    expect(() => decodeServerMessage(unhex(bytes))).toThrow(DecodeError);
  });
  it("errors say why", () => {
    expect(() => decodeServerMessage(unhex("0802 1a03 0a01 ff"))).toThrow("invalid UTF-8 in a string field");
    expect(() => decodeServerMessage(unhex("0805 3205 1201"))).toThrow("a length-delimited field runs past the end");
  });
});

describe("peekAnimationEnd: the per-frame fast path", () => {
  it("an animation frame's end, undefined for anything else", () => {
    expect(peekAnimationEnd(unhex("0805 3211 0a0163 120172 1801 2207 0a05 0a03 000000"))).toBe(true); // keyframes (malformed ones) not read
    expect(peekAnimationEnd(unhex("0805 320a 1201 72 1801 2d 01020304"))).toBe(true); // an unknown field in the payload
    expect(peekAnimationEnd(unhex("0805 3203 120172"))).toBe(false);
    expect(peekAnimationEnd(unhex("0805"))).toBe(false); // no payload
    expect(peekAnimationEnd(unhex("3202 1801"))).toBe(true); // no type: the payload's
    expect(peekAnimationEnd(unhex("0805 1a04 0a02 6331"))).toBe(false); // a confirm payload: read as an empty animation
    expect(peekAnimationEnd(unhex("0805 3202 1801 1a00"))).toBe(false); // a later case replaces the animation
    for (const other of ["0802 1a04 0a02 6331", "0804 2a03 18a11f", "080a 5a02 1801", "0863", "", "1a00"]) expect(peekAnimationEnd(unhex(other)), other).toBeUndefined();
  });
  it("agrees with decodeServerMessage on what protobuf-es writes", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.string(), fc.boolean(), (withType, reqId, end) => {
        const bytes = pb({ type: withType ? PbMessageType.MESSAGE_SERVER_RESPONSE_ANIMATION : 0, data: { case: "serverResponseAnimation", value: { reqId, end, animation: { keyframes: [{ jawPose: [1] }] } } } });
        expect(peekAnimationEnd(bytes)).toBe((decodeServerMessage(bytes) as { end: boolean }).end);
      }),
    );
  });
  it.each([
    ["truncated varint", "08"],
    ["truncated tag", "ff"],
    ["length past the end", "0805 3205 1201"],
    ["a submessage field past its length", "0805 3202 1203 727272"],
    ["field number 0", "0001"],
    ["a truncated group", "0b"],
    ["wire type 6", "0e"],
    ["an end-group tag without its group", "0c"],
    ["truncated fixed64 in an unknown field", "0805 79 0102"],
    ["an 11-byte varint for end", "0805 320c 18 8080808080808080808001"],
  ])("rejects %s with a DecodeError, as decodeServerMessage does", (_name, bytes) => {
    expect(() => peekAnimationEnd(unhex(bytes))).toThrow(DecodeError);
    expect(() => decodeServerMessage(unhex(bytes))).toThrow(DecodeError);
  });
  it("does not decode the strings of an animation frame: invalid UTF-8 in req_id passes", () => {
    const bytes = unhex("0805 3206 1202 c328 1801");
    expect(() => decodeServerMessage(bytes)).toThrow("invalid UTF-8 in a string field");
    expect(peekAnimationEnd(bytes)).toBe(true);
  });
  it("errors say why", () => {
    expect(() => peekAnimationEnd(unhex("0805 3205 1201"))).toThrow("a length-delimited field runs past the end");
  });
  it("reads a frame that shares its memory with others (a socket read) to its own end, and errs as it would alone", () => {
    // Three frames in one buffer, as `ws` slices one socket read: end = false, true, false.
    const frames = ["0805 3203 120172", "0805 3205 120172 1801", "0805 3202 1800"].map(unhex);
    const memory = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    const views = frames.map((f) => {
      memory.set(f, at);
      at += f.length;
      return memory.subarray(at - f.length, at);
    });
    expect(views.map(peekAnimationEnd)).toEqual([false, true, false]);
    expect([2, 0, 1].map((i) => peekAnimationEnd(views[i]!))).toEqual([false, false, true]); // any order
    // Bytes that would complete the payload follow the frame in its memory: still past the frame's end.
    const truncated = unhex("0805 3205 1201 72 1801 0101");
    expect(() => peekAnimationEnd(truncated.subarray(0, 6))).toThrow("a length-delimited field runs past the end");
    expect(() => peekAnimationEnd(unhex("0805 3205 1201"))).toThrow("a length-delimited field runs past the end");
    // A varint cut at the frame's end, completed by the next bytes of the memory.
    expect(() => peekAnimationEnd(unhex("0805 3202 18 81 01").subarray(0, 6))).toThrow(DecodeError);
  });
});

describe("decodeAnimationFrame: keyframes", () => {
  const flame = { translation: [1, 2, 3], rotation: [0.5], neckPose: [], jawPose: [-1.25], eyePose: [1, 2, 3, 4, 5, 6], eyeLid: [0, 1], expression: Array.from({ length: 50 }, (_, i) => i / 8) };
  const asArrays = (k: Record<string, Float32Array>) => Object.fromEntries(Object.entries(k).map(([key, v]) => [key, Array.from(v)]));

  it("packed Flame (as protobuf-es writes it)", () => {
    const bytes = pb({
      type: PbMessageType.MESSAGE_SERVER_RESPONSE_ANIMATION,
      data: { case: "serverResponseAnimation", value: { connectionId: "c", reqId: "r", end: true, avatarId: "a", animation: { keyframes: [flame, {}] } } },
    });
    const frame = decodeAnimationFrame(bytes);
    expect(frame).toMatchObject({ connectionId: "c", reqId: "r", end: true, avatarId: "a" });
    expect(frame.keyframes).toHaveLength(2);
    for (const array of Object.values(frame.keyframes[0]!)) expect(array).toBeInstanceOf(Float32Array);
    expect(asArrays(frame.keyframes[0]! as unknown as Record<string, Float32Array>)).toEqual(flame);
    expect(asArrays(frame.keyframes[1]! as unknown as Record<string, Float32Array>)).toEqual({ translation: [], rotation: [], neckPose: [], jawPose: [], eyePose: [], eyeLid: [], expression: [] });
  });
  it("packed Flame, byte fixture", () => {
    // field 6 {animation {keyframes {translation=[1.0, -2.0] packed}}}
    const bytes = unhex("0805 320e 220c 0a0a 0a08 0000803f 000000c0");
    expect(Array.from(decodeAnimationFrame(bytes).keyframes[0]!.translation)).toEqual([1, -2]);
  });
  it("unpacked Flame, byte fixture: one fixed32 per value", () => {
    // field 6 {animation {keyframes {translation=1.0, translation=-2.0, rotation=0.5}}}
    const bytes = unhex("0805 3213 2211 0a0f 0d0000803f 0d000000c0 150000003f");
    const k = decodeAnimationFrame(bytes).keyframes[0]!;
    expect([Array.from(k.translation), Array.from(k.rotation), k.expression.length]).toEqual([[1, -2], [0.5], 0]);
  });
  it("an animation frame without animation has no keyframes", () => {
    expect(decodeAnimationFrame(unhex("0805 3203 120172"))).toEqual({ connectionId: "", reqId: "r", end: false, avatarId: "", keyframes: [] });
  });
  it("anything but an animation message is a DecodeError", () => {
    for (const bytes of ["0802 1a04 0a02 6331", "0863", "", "0806"]) expect(() => decodeAnimationFrame(unhex(bytes))).toThrow(DecodeError);
    expect(() => decodeAnimationFrame(unhex("0805 32"))).toThrow(DecodeError);
  });
  it("a packed float field whose length is not a multiple of 4 is a DecodeError", () => {
    expect(() => decodeAnimationFrame(unhex("0805 3209 2207 0a05 0a03 000000"))).toThrow(DecodeError);
  });
});

const text = fc.string({ maxLength: 40 });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const floats = fc.array(fc.float(), { maxLength: 12 });
const flameArb = fc.record({ translation: floats, rotation: floats, neckPose: floats, jawPose: floats, eyePose: floats, eyeLid: floats, expression: floats }, { requiredKeys: [] });
const stateArb = fc.constantFrom(PbState.STATE_UNSPECIFIED, PbState.PLAYING, PbState.PAUSED, PbState.ENDED, PbState.INTERRUPTED);
const STATE_NAMES: Record<number, string> = { [PbState.PLAYING]: "playing", [PbState.PAUSED]: "paused", [PbState.ENDED]: "ended", [PbState.INTERRUPTED]: "interrupted" };

/** Every server message, as protobuf-es builds them. */
const serverMessage: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ connectionId: text, capabilities: fc.array(text, { maxLength: 3 }) }).map((v) => create(MessageSchema, { type: PbMessageType.MESSAGE_SERVER_CONFIRM_SESSION, data: { case: "serverConfirmSession", value: create(ServerConfirmSessionSchema, v) } })),
  fc.record({ connectionId: text, reqId: text, code: int32, message: text }).map((v) => create(MessageSchema, { type: PbMessageType.MESSAGE_SERVER_ERROR, data: { case: "serverError", value: create(ServerErrorSchema, v) } })),
  fc
    .record({ connectionId: text, reqId: text, end: fc.boolean(), avatarId: text, animation: fc.option(fc.record({ keyframes: fc.array(flameArb, { maxLength: 3 }) }), { nil: undefined }) })
    .map((v) => create(MessageSchema, { type: PbMessageType.MESSAGE_SERVER_RESPONSE_ANIMATION, data: { case: "serverResponseAnimation", value: create(ServerResponseAnimationSchema, v) } })),
  fc
    .record({ connectionId: text, reqId: text, state: stateArb, playedMs: fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }), reason: fc.constantFrom("", "explicit", "preempted", "pause_timeout") })
    .map((v) => create(MessageSchema, { type: PbMessageType.MESSAGE_SERVER_PLAYBACK_STATE, data: { case: "serverPlaybackState", value: create(ServerPlaybackStateSchema, v) } })),
);

function expectedOf(message: Message): unknown {
  const d = message.data;
  switch (d.case) {
    case "serverConfirmSession":
      return { kind: "confirm", connectionId: d.value.connectionId, capabilities: d.value.capabilities };
    case "serverError":
      return { kind: "error", connectionId: d.value.connectionId, reqId: d.value.reqId, code: d.value.code, message: d.value.message };
    case "serverResponseAnimation":
      return { kind: "animation", connectionId: d.value.connectionId, reqId: d.value.reqId, end: d.value.end, avatarId: d.value.avatarId };
    case "serverPlaybackState":
      return { kind: "playbackState", connectionId: d.value.connectionId, reqId: d.value.reqId, state: STATE_NAMES[d.value.state] ?? "unspecified", playedMs: Number(d.value.playedMs), reason: d.value.reason };
    default:
      throw new Error("not a server message");
  }
}

describe("equivalence with the protobuf-es schema (property tests)", () => {
  it("server messages encoded by protobuf-es decode the same, with or without a type", () => {
    fc.assert(
      fc.property(serverMessage, fc.boolean(), (message, withType) => {
        if (!withType) message.type = PbMessageType.MESSAGE_UNSPECIFIED;
        expect(decodeServerMessage(toBinary(MessageSchema, message))).toEqual(expectedOf(message));
      }),
      { numRuns: 500 },
    );
  });

  it("animation frames decode with their keyframes as protobuf-es reads them", () => {
    const animation = serverMessage.filter((m) => m.data.case === "serverResponseAnimation");
    fc.assert(
      fc.property(animation, (message) => {
        const bytes = toBinary(MessageSchema, message);
        const read = fromBinary(MessageSchema, bytes).data.value as { animation?: { keyframes: Array<Record<string, number[]>> } };
        const frame = decodeAnimationFrame(bytes);
        expect(frame.keyframes.map((k) => Object.fromEntries(Object.entries(k).map(([key, v]) => [key, Array.from(v as Float32Array)])))).toEqual(
          (read.animation?.keyframes ?? []).map((k) => Object.fromEntries(Object.keys(FlameSchema.field).map((key) => [key, k[key]]))),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("audio, interrupt, pause and resume decode with protobuf-es to what was encoded", () => {
    fc.assert(
      fc.property(text, fc.boolean(), fc.uint8Array({ maxLength: 300 }), (reqId, end, audio) => {
        const decoded = fromBinary(MessageSchema, encodeAudioInput(reqId, end, audio));
        expect(decoded.type).toBe(PbMessageType.MESSAGE_CLIENT_AUDIO_INPUT);
        expect(decoded.data.case).toBe("clientAudioInput");
        expect(decoded.data.value).toMatchObject({ reqId, end, audio });
        const cases = [
          [encodeInterrupt, PbMessageType.MESSAGE_CLIENT_INTERRUPT, "clientInterrupt"],
          [encodePause, PbMessageType.MESSAGE_CLIENT_PAUSE, "clientPause"],
          [encodeResume, PbMessageType.MESSAGE_CLIENT_RESUME, "clientResume"],
        ] as const;
        for (const [encode, type, name] of cases) {
          const bytes = encode(reqId);
          const message = fromBinary(MessageSchema, bytes);
          expect([message.type, message.data.case, (message.data.value as { reqId: string }).reqId]).toEqual([type, name, reqId]);
          expect(hex(bytes)).toBe(hex(toBinary(MessageSchema, message)));
        }
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
    const wireFormat = { pcm_s16le: PbAudioFormat.PCM_S16LE, ogg_opus: PbAudioFormat.OGG_OPUS };
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
        expect(c.audioFormat).toBe(wireFormat[rest.audioFormat]);
        if (egress && "livekitEgress" in egress) {
          expect(c.egressType).toBe(EgressType.LIVEKIT);
          expect(c.livekitEgress).toMatchObject({ ...egress.livekitEgress, extraAttributes: egress.livekitEgress.extraAttributes ?? {} });
        } else if (egress && "agoraEgress" in egress) {
          expect(c.egressType).toBe(EgressType.AGORA);
          expect(c.agoraEgress).toMatchObject(egress.agoraEgress);
        } else {
          expect(c.egressType).toBe(EgressType.UNSPECIFIED);
        }
        // protobuf-es writes map entries in the same (insertion) order: the bytes are identical.
        expect(hex(bytes)).toBe(hex(toBinary(MessageSchema, decoded)));
        expect(create(ClientConfigureSessionSchema, c).transportCompression).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it("mutated server frames either decode or throw DecodeError, never anything else", () => {
    const frames = [
      pb({ type: PbMessageType.MESSAGE_SERVER_RESPONSE_ANIMATION, data: { case: "serverResponseAnimation", value: { connectionId: "c", reqId: "r", end: true, avatarId: "a", animation: { keyframes: [{ translation: [1, 2, 3], expression: [0.5, 0.25] }, { rotation: [1] }] } } } }),
      pb({ type: PbMessageType.MESSAGE_SERVER_PLAYBACK_STATE, data: { case: "serverPlaybackState", value: { connectionId: "c", reqId: "r", state: PbState.PAUSED, playedMs: 123456789n, reason: "explicit" } } }),
      pb({ type: PbMessageType.MESSAGE_SERVER_CONFIRM_SESSION, data: { case: "serverConfirmSession", value: { connectionId: "c", capabilities: ["playback_control", "playback_state"] } } }),
      pb({ type: PbMessageType.MESSAGE_SERVER_ERROR, data: { case: "serverError", value: { connectionId: "c", reqId: "r", code: 4001, message: "credits exhausted" } } }),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...frames), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), (valid, flips, cut) => {
        const bytes = valid.slice(0, cut % (valid.length + 1) || valid.length);
        for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
        for (const decode of [decodeServerMessage, decodeAnimationFrame, peekAnimationEnd]) {
          try {
            decode(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(DecodeError);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("random bytes either decode or throw DecodeError, never anything else (deep groups included)", () => {
    const w = new BinaryWriter();
    for (let i = 0; i < 200; i++) w.tag(15, WireType.StartGroup);
    const deepGroups = w.finish();
    expect(() => decodeServerMessage(deepGroups)).toThrow(DecodeError);
    expect(() => peekAnimationEnd(deepGroups)).toThrow(DecodeError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const decode of [decodeServerMessage, decodeAnimationFrame, peekAnimationEnd]) {
          try {
            decode(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(DecodeError);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
