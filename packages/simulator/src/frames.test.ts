import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { FLAME_FLOATS, fillFlame } from "./flame";
import { EXTRA_FIELD_NUMBER, Noise, utf8, writeFrame } from "./frames";
import { MessageSchema, MessageType, ServerResponseAnimationSchema } from "./gen/message/message_pb";

const flat = (i: number): Float32Array => {
  const f = new Float32Array(FLAME_FLOATS);
  fillFlame(f, 0.1 + i / 1000, i);
  return f;
};
const animationOf = (bytes: Uint8Array) => {
  const m = fromBinary(MessageSchema, bytes);
  if (m.data.case !== "serverResponseAnimation") throw new Error(`type ${m.type}`);
  return { message: m, value: m.data.value };
};
const conn = utf8("conn_1");
const req = utf8("req_1");
const avatar = utf8("demo-avatar");

describe("writeFrame: a keyframe frame", () => {
  const noise = new Noise(42);
  const frames = Array.from({ length: 300 }, (_, i) => writeFrame(conn, req, i === 299, flat(i), avatar, noise));

  it("decodes with the schema: ids, end, avatar, exactly one keyframe", () => {
    for (const [i, frame] of frames.entries()) {
      const { message, value } = animationOf(frame);
      expect(message.type).toBe(MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION);
      expect(message.$unknown).toBeUndefined(); // nothing undeclared on the outer Message
      expect(value).toMatchObject({ connectionId: "conn_1", reqId: "req_1", end: i === 299, avatarId: "demo-avatar" });
      expect(value.animation?.keyframes).toHaveLength(1);
      const [k] = value.animation!.keyframes;
      expect([k!.translation, k!.rotation, k!.neckPose, k!.jawPose, k!.eyePose, k!.eyeLid, k!.expression].map((a) => a.length)).toEqual([3, 3, 3, 3, 6, 2, 50]);
      expect(k!.jawPose[0]).toBe(Math.fround(0.1 + i / 1000));
    }
  });

  it("carries the undeclared bytes inside ServerResponseAnimation, as one field 15 of 32 to 200 bytes", () => {
    const sizes = frames.map((frame) => {
      const unknown = animationOf(frame).value.$unknown ?? [];
      expect(unknown.map((u) => [u.no, u.wireType])).toEqual([[EXTRA_FIELD_NUMBER, 2]]);
      return unknown[0]!.data.length; // length varint + payload
    });
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1 + 32);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2 + 200);
    expect(sizes.some((n) => n - 1 < 128)).toBe(true);
    expect(sizes.some((n) => n - 2 >= 128)).toBe(true);
  });

  it("re-serializes to the same bytes, so nothing is lost and nothing is non-canonical", () => {
    for (const frame of frames.slice(0, 30)) {
      expect(Buffer.from(toBinary(MessageSchema, fromBinary(MessageSchema, frame)))).toEqual(Buffer.from(frame));
    }
  });

  it("differs from frame to frame", () => {
    expect(new Set(frames.map((f) => Buffer.from(f).toString("hex"))).size).toBe(frames.length);
  });

  it("is what protobuf-es writes for the same declared content", () => {
    const frame = writeFrame(conn, req, true, flat(7), avatar, undefined);
    const { value } = animationOf(frame);
    const expected = toBinary(
      MessageSchema,
      create(MessageSchema, {
        type: MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION,
        data: { case: "serverResponseAnimation", value: create(ServerResponseAnimationSchema, { ...value }) },
      }),
    );
    expect(Buffer.from(frame)).toEqual(Buffer.from(expected));
  });
});

describe("writeFrame: other shapes", () => {
  it("legacy: no animation, no avatar id, the undeclared bytes still inside", () => {
    const { message, value } = animationOf(writeFrame(conn, req, false, undefined, new Uint8Array(0), new Noise(1)));
    expect(message.$unknown).toBeUndefined();
    expect(value.animation).toBeUndefined();
    expect(value.avatarId).toBe("");
    expect(value.$unknown?.map((u) => u.no)).toEqual([EXTRA_FIELD_NUMBER]);
  });

  it("egress control frame: no animation, no undeclared bytes, the avatar id", () => {
    const frame = writeFrame(conn, req, true, undefined, avatar, undefined);
    const { value } = animationOf(frame);
    expect(value).toMatchObject({ connectionId: "conn_1", reqId: "req_1", end: true, avatarId: "demo-avatar" });
    expect(value.animation).toBeUndefined();
    expect(value.$unknown).toBeUndefined();
  });

  it("omits an empty connection id, and writes long ids with multi-byte lengths", () => {
    const long = utf8("r".repeat(300));
    const { value } = animationOf(writeFrame(new Uint8Array(0), long, false, flat(0), avatar, new Noise(3)));
    expect(value.connectionId).toBe("");
    expect(value.reqId).toBe("r".repeat(300));
  });

  it("matches BinaryWriter's framing of the undeclared field", () => {
    const frame = writeFrame(new Uint8Array(0), new Uint8Array(0), false, undefined, new Uint8Array(0), new Noise(9));
    const payload = animationOf(frame).value.$unknown![0]!.data;
    const inner = new BinaryWriter().tag(EXTRA_FIELD_NUMBER, 2).raw(payload).finish();
    const outer = new BinaryWriter()
      .tag(MessageSchema.field.type!.number, 0)
      .int32(MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION)
      .tag(MessageSchema.field.serverResponseAnimation!.number, 2)
      .bytes(inner)
      .finish();
    expect(Buffer.from(frame)).toEqual(Buffer.from(outer));
  });
});
