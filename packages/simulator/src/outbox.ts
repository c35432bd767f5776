/**
 * What one session sends: animation frames (with back-pressure), playback
 * states, errors and any other message; each recorded in the connection's
 * record and announced as an event.
 *
 * @module
 */
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import type { WebSocket } from "ws";
import { emit, listening, type SimulatorContext } from "./context";
import { MessageSchema, MessageType, ServerErrorSchema, ServerPlaybackState_State } from "./gen/message/message_pb";
import type { SendResult } from "./playout";
import type { ConnectionRecord, InterruptReason, PlaybackStateName, PlaybackStateRecord } from "./records";
import type { AudioRequest } from "./request";

/** Above this many queued outgoing bytes, frames wait for the socket to drain. */
const HIGH_WATER = 1 << 20;

/** @internal The sending side of a {@link Connection}. */
export class Outbox {
  /** The id the session confirmed with; empty before the confirm (or when a fault confirms without one). */
  connectionId = "";

  /** `drained` is called once the socket took what was queued above the high-water mark. */
  constructor(
    private readonly ws: WebSocket,
    private readonly record: ConnectionRecord,
    private readonly ctx: SimulatorContext,
    private readonly drained: () => void,
  ) {}

  /** Sends one animation frame and records it. */
  frame(bytes: Uint8Array, request: AudioRequest, index: number, end: boolean, keyframes: boolean): SendResult {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return "closed";
    const full = ws.bufferedAmount + bytes.length >= HIGH_WATER;
    if (full) ws.send(bytes, this.drained);
    else ws.send(bytes);
    this.record.framesSent.push(bytes);
    const r = request.record;
    r.frames.push(bytes);
    r.framesSent += 1;
    if (listening(this.ctx, "frame")) {
      emit(this.ctx, "frame", { reqId: r.reqId, index, end, keyframes, bytes, request: r, connection: this.record });
    }
    return full ? "full" : "sent";
  }

  /** Sends one `ServerPlaybackState` and records it. */
  state(
    reqId: string,
    state: ServerPlaybackState_State,
    playedMs: number,
    reason: "" | InterruptReason,
    answers: "pause" | "resume" | undefined,
    about: AudioRequest | undefined,
  ): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    const bytes = encode({
      type: MessageType.MESSAGE_SERVER_PLAYBACK_STATE,
      data: {
        case: "serverPlaybackState",
        value: { connectionId: this.connectionId, reqId, state, playedMs: BigInt(playedMs), reason },
      },
    });
    ws.send(bytes);
    const name = ServerPlaybackState_State[state] as PlaybackStateName;
    const record: PlaybackStateRecord = { reqId, state, name, playedMs, reason, afterFrames: this.record.framesSent.length, bytes };
    if (answers) record.answers = answers;
    this.record.statesSent.push(record);
    if (about && about.record.reqId === reqId) about.record.state = name;
    emit(this.ctx, "state", record, this.record);
  }

  /** Sends a `ServerError` and records it. */
  error(code: number, message: string, reqId = ""): void {
    const error = create(ServerErrorSchema, { connectionId: this.connectionId, reqId, code, message });
    this.record.errorsSent.push(error);
    this.message({ type: MessageType.MESSAGE_SERVER_ERROR, data: { case: "serverError", value: error } });
    emit(this.ctx, "serverError", error, this.record);
  }

  /** Sends any message, if the socket is still open. */
  message(init: MessageInitShape<typeof MessageSchema>): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(encode(init));
  }
}

function encode(init: MessageInitShape<typeof MessageSchema>): Uint8Array {
  return toBinary(MessageSchema, create(MessageSchema, init));
}

/** A close reason fits in 123 bytes. @internal */
export function closeReason(message: string): string {
  const bytes = Buffer.from(message, "utf8");
  return bytes.length <= 123 ? message : bytes.subarray(0, 120).toString("utf8").replace(/\uFFFD$/, "") + "...";
}
