import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { EXTRA_FIELD_NUMBER, Noise, buildFrame, encodeAnimation } from "./frames";
import { MessageSchema, MessageType } from "./gen/message/message_pb";

describe("buildFrame", () => {
  const noise = new Noise(42);
  const frames = Array.from({ length: 300 }, (_, i) => buildFrame("conn_1", "req_1", i === 299, noise));

  it("starts with the declared message, byte for byte", () => {
    const declared = encodeAnimation("conn_1", "req_1", false);
    expect(Buffer.from(frames[0]!.subarray(0, declared.length))).toEqual(Buffer.from(declared));
  });

  it("decodes with the schema, the extra data kept as one unknown field 15", () => {
    for (const [i, frame] of frames.entries()) {
      const message = fromBinary(MessageSchema, frame);
      expect(message.type).toBe(MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION);
      expect(message.data.case === "serverResponseAnimation" && message.data.value).toMatchObject({
        connectionId: "conn_1",
        reqId: "req_1",
        end: i === 299,
      });
      const unknown = message.$unknown ?? [];
      expect(unknown.map((u) => [u.no, u.wireType])).toEqual([[EXTRA_FIELD_NUMBER, 2]]);
    }
  });

  it("re-serializes to the same bytes, so nothing is lost", () => {
    for (const frame of frames.slice(0, 20)) {
      expect(Buffer.from(toBinary(MessageSchema, fromBinary(MessageSchema, frame)))).toEqual(Buffer.from(frame));
    }
  });

  it("carries 32 to 200 extra bytes, with one- and two-byte lengths", () => {
    const extras = frames.map((f) => f.length - encodeAnimation("conn_1", "req_1", false).length);
    // tag (1) + length (1 or 2) + payload (32..200)
    expect(Math.min(...extras)).toBeGreaterThanOrEqual(1 + 1 + 32);
    expect(Math.max(...extras)).toBeLessThanOrEqual(1 + 2 + 200 + 1);
    expect(extras.some((n) => n - 2 < 128)).toBe(true);
    expect(extras.some((n) => n - 3 >= 128)).toBe(true);
  });

  it("differs from frame to frame", () => {
    expect(new Set(frames.map((f) => Buffer.from(f).toString("hex"))).size).toBe(frames.length);
  });
});
