/**
 * The receive path over a real socket, with `transportFrames` alone (animation
 * frames are only peeked at: type and `end`) and with `onFrame` too (they are
 * decoded): the same frames delivered, the same errors reported, the same
 * messages ignored. The one difference: a frame whose strings are invalid
 * UTF-8 is passed on without `onFrame` (nothing reads them) and is a
 * protocolError with it.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { MessageSchema, MessageType, ServerPlaybackState_State } from "@avatarkit/simulator/gen";
import { WebSocketServer, type WebSocket } from "ws";
import { describe, expect, it } from "vitest";
import { newAvatarSession, type AnimationFrame, type AvatarSDKError, type PlaybackStateEvent } from "../src/index";
import { rawServerOptions, waitFor } from "./support";

const pb = (init: Parameters<typeof create<typeof MessageSchema>>[1]) => toBinary(MessageSchema, create(MessageSchema, init));
const animation = (reqId: string, end: boolean) => pb({ type: MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION, data: { case: "serverResponseAnimation", value: { connectionId: "c", reqId, end, animation: { keyframes: [{ jawPose: [0.5] }] } } } });
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** What the server sends, in order; `sentinel` last. */
const SENT: Array<[string, Uint8Array]> = [
  ["frame r1", animation("r1", false)],
  ["frame r1, last", animation("r1", true)],
  ["frame without a type", pb({ data: { case: "serverResponseAnimation", value: { reqId: "r2", end: true } } })],
  ["truncated frame", animation("r3", false).subarray(0, 12)],
  ["invalid UTF-8 in req_id", new Uint8Array([0x08, 0x05, 0x32, 0x06, 0x12, 0x02, 0xc3, 0x28, 0x18, 0x01])],
  ["an unknown type", pb({ type: 99 as MessageType })],
  ["a confirm at run time", pb({ type: MessageType.MESSAGE_SERVER_CONFIRM_SESSION, data: { case: "serverConfirmSession", value: { connectionId: "c" } } })],
  ["a playback state", pb({ type: MessageType.MESSAGE_SERVER_PLAYBACK_STATE, data: { case: "serverPlaybackState", value: { reqId: "r1", state: ServerPlaybackState_State.ENDED, playedMs: 40n } } })],
  ["a ServerError without a close code", pb({ type: MessageType.MESSAGE_SERVER_ERROR, data: { case: "serverError", value: { reqId: "r1", code: 13, message: "internal" } } })],
  ["an 11-byte varint for end", new Uint8Array([0x08, 0x05, 0x32, 0x0c, 0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])],
  ["sentinel", animation("sentinel", true)],
];

async function run(withOnFrame: boolean) {
  const confirm = pb({ type: MessageType.MESSAGE_SERVER_CONFIRM_SESSION, data: { case: "serverConfirmSession", value: { connectionId: "c", capabilities: ["playback_state"] } } });
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
  await new Promise((resolve) => server.once("listening", resolve));
  server.on("connection", (ws: WebSocket) => {
    ws.once("message", () => {
      ws.send(confirm);
      for (const [, bytes] of SENT) ws.send(bytes);
    });
  });
  const frames: Array<{ bytes: string; isLast: boolean }> = [];
  const contexts: AnimationFrame[] = [];
  const errors: AvatarSDKError[] = [];
  const states: PlaybackStateEvent[] = [];
  try {
    const session = newAvatarSession(
      rawServerOptions(server, {
        transportFrames: (bytes, isLast) => frames.push({ bytes: hex(bytes), isLast }),
        onError: (error) => errors.push(error),
        onPlaybackState: (event) => states.push(event),
        ...(withOnFrame ? { onFrame: (frame: AnimationFrame) => contexts.push(frame) } : {}),
      }),
    );
    await session.start();
    await waitFor(() => frames.some((f) => f.bytes === hex(SENT.at(-1)![1])), 5000, "the sentinel");
    expect(session.state).toBe("open");
    await session.close();
  } finally {
    server.close();
  }
  return { frames, contexts, errors, states };
}

const sent = (name: string) => hex(SENT.find(([n]) => n === name)![1]);

describe("the receive path, with and without onFrame", () => {
  it.each([false, true])("onFrame set: %s", async (withOnFrame) => {
    const { frames, contexts, errors, states } = await run(withOnFrame);
    const delivered = [
      { bytes: sent("frame r1"), isLast: false },
      { bytes: sent("frame r1, last"), isLast: true },
      { bytes: sent("frame without a type"), isLast: true },
      // Nothing reads its req_id without onFrame; with it, it is undecodable.
      ...(withOnFrame ? [] : [{ bytes: sent("invalid UTF-8 in req_id"), isLast: true }]),
      { bytes: sent("sentinel"), isLast: true },
    ];
    expect(frames).toEqual(delivered);
    if (withOnFrame) {
      expect(contexts.map((f) => [hex(f.bytes), f.reqId, f.isLast])).toEqual(delivered.map((d, i) => [d.bytes, ["r1", "r1", "r2", "sentinel"][i], d.isLast]));
    }
    expect(states).toEqual([{ reqId: "r1", state: "ended", playedMs: 40 }]);
    expect(errors.map((e) => [e.code, e.phase])).toEqual([
      ["protocolError", "websocket_runtime"], // truncated frame
      ...(withOnFrame ? [["protocolError", "websocket_runtime"]] : []), // invalid UTF-8
      ["serverError", "websocket_runtime"],
      ["protocolError", "websocket_runtime"], // an 11-byte varint
    ]);
    expect(errors[0]!.message).toMatch(/^Undecodable frame of 12 bytes: /);
    if (withOnFrame) expect(errors[1]!.message).toMatch(/invalid UTF-8 in a string field/);
  });
});
