/**
 * One upgraded session: the protocol state machine from the configure
 * message to the close.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import type { RawData, WebSocket } from "ws";
import { checkConfigure } from "./configure";
import { emit, type SimulatorContext, type Terminable } from "./context";
import type { FaultPlan, FaultTarget, FaultTrigger } from "./faults";
import { FramePump } from "./frames";
import {
  AudioFormat,
  MessageSchema,
  MessageType,
  ServerErrorSchema,
  type ClientAudioInput,
  type ClientConfigureSession,
  type Message,
} from "./gen/message/message_pb";
import type { ConnectionRecord } from "./records";
import { AudioRequest } from "./request";
import { CLOSE_WORDING, HANDSHAKE_WORDING, RUNTIME_WORDING, SERVER_CODE } from "./wording";

/** Above this many queued outgoing bytes, frames wait for the socket to drain. */
const HIGH_WATER = 1 << 20;

type State = "configuring" | "open" | "closed";

/** @internal Runs the protocol on one accepted WebSocket. */
export class Connection implements Terminable {
  readonly #ws: WebSocket;
  readonly #record: ConnectionRecord;
  readonly #faults: FaultPlan;
  readonly #ctx: SimulatorContext;
  readonly #pump: FramePump;
  readonly #requests = new Map<string, AudioRequest>();
  readonly #target: FaultTarget;
  #state: State = "configuring";
  #connectionId = "";
  #currentReqId = "";
  #idle: NodeJS.Timeout | undefined;
  #confirmTimer: NodeJS.Timeout | undefined;

  constructor(ws: WebSocket, record: ConnectionRecord, faults: FaultPlan, ctx: SimulatorContext) {
    this.#ws = ws;
    this.#record = record;
    this.#faults = faults;
    this.#ctx = ctx;
    this.#pump = new FramePump(
      {
        connectionId: () => this.#connectionId,
        send: (frame, request) => this.#sendFrame(frame, request),
        finished: (request) => this.#settle(request),
      },
      ctx.options.frameIntervalMs,
    );
    this.#target = {
      sendError: (code, message) => this.#sendError(code, message, this.#currentReqId),
      close: (code, reason) => this.#close(code, reason),
      drop: () => this.#drop(),
      sendRaw: (data) => this.#ws.send(data, { binary: typeof data !== "string" }),
      stopReading: () => this.#ws.pause(),
    };
    ctx.live.add(this);
    ws.on("message", (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on("close", (code, reason) => this.#onClose(code, reason.toString("utf8")));
    ws.on("error", () => undefined);
    if (ctx.options.idleTimeoutMs > 0) this.#idle = setTimeout(() => this.#onIdle(), ctx.options.idleTimeoutMs);
    if (faults.dropOnUpgrade) this.#drop();
  }

  /** Destroys the socket (the simulator is closing). */
  terminate(): void {
    this.#record.closed ??= { code: 1006, reason: "", by: "server" };
    this.#shutDown();
    this.#ws.terminate();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#state === "closed") return;
    const configuring = this.#state === "configuring";
    if (!isBinary) {
      if (configuring) return this.#refuseHandshake(HANDSHAKE_WORDING.expectedConfigure);
      return this.#sendError(SERVER_CODE.invalidArgument, RUNTIME_WORDING.unexpectedMessageType(1));
    }
    let message: Message;
    try {
      message = fromBinary(MessageSchema, toBytes(data));
    } catch {
      if (configuring) return this.#refuseHandshake(HANDSHAKE_WORDING.unmarshalInitial);
      return this.#sendError(SERVER_CODE.invalidArgument, RUNTIME_WORDING.unmarshal);
    }
    this.#record.received.push(message);
    if (configuring) return this.#onConfigure(message);
    switch (message.type) {
      case MessageType.MESSAGE_CLIENT_AUDIO_INPUT:
        return this.#onAudio(message.data.case === "clientAudioInput" ? message.data.value : undefined);
      case MessageType.MESSAGE_CLIENT_INTERRUPT:
        return this.#onInterrupt(message.data.case === "clientInterrupt" ? message.data.value.reqId : "");
      default:
        return this.#sendError(SERVER_CODE.invalidArgument, RUNTIME_WORDING.unexpectedMessageType(message.type));
    }
  }

  #onConfigure(message: Message): void {
    if (message.type !== MessageType.MESSAGE_CLIENT_CONFIGURE_SESSION) {
      return this.#refuseHandshake(HANDSHAKE_WORDING.expectedConfigure);
    }
    if (message.data.case !== "clientConfigureSession") return this.#refuseHandshake(HANDSHAKE_WORDING.configureIsNil);
    const configure: ClientConfigureSession = message.data.value;
    this.#record.configure = configure;
    const check = checkConfigure(configure);
    if (!check.ok) return this.#refuseHandshake(check.message, check.code);
    this.#record.egress = check.egress;
    const plan = this.#faults.confirm();
    if (plan.reject) return this.#refuseHandshake(plan.reject.message, plan.reject.code);
    this.#state = "open";
    this.#connectionId = plan.emptyId ? "" : `conn_${randomBytes(8).toString("hex")}`;
    if (plan.withhold) return;
    const confirm = (): void => {
      if (this.#state === "closed") return;
      this.#record.id = this.#connectionId;
      this.#send({
        type: MessageType.MESSAGE_SERVER_CONFIRM_SESSION,
        data: { case: "serverConfirmSession", value: { connectionId: this.#connectionId } },
      });
      this.#fire("confirm");
    };
    if (plan.delayMs > 0) this.#confirmTimer = setTimeout(confirm, plan.delayMs);
    else confirm();
  }

  #onAudio(input: ClientAudioInput | undefined): void {
    this.#idle?.refresh();
    const reqId = input?.reqId ?? "";
    if (!reqId) return this.#sendError(SERVER_CODE.invalidArgument, RUNTIME_WORDING.reqIdMissing);
    let request = this.#requests.get(reqId);
    if (request?.closed) {
      const why = request.record.interrupted ? RUNTIME_WORDING.requestInterrupted : RUNTIME_WORDING.requestEnded;
      return this.#sendError(SERVER_CODE.invalidArgument, why(reqId), reqId);
    }
    if (!request) {
      const format = this.#record.configure?.audioFormat === AudioFormat.OGG_OPUS ? "ogg_opus" : "pcm_s16le";
      request = new AudioRequest(reqId, format, this.#record.configure?.sampleRate ?? 0);
      this.#requests.set(reqId, request);
      this.#record.requests.push(request.record);
    }
    this.#currentReqId = reqId;
    const refusal = request.append(input?.audio ?? new Uint8Array(0));
    if (refusal) return this.#sendError(SERVER_CODE.invalidArgument, refusal, reqId);
    if (!this.#fire("audio")) return;
    if (input?.end) this.#endRequest(request);
  }

  #endRequest(request: AudioRequest): void {
    const outcome = request.end(this.#ctx.options.framesPerSecond);
    if (!this.#fire("end")) return;
    if (!outcome.ok) {
      this.#sendError(SERVER_CODE.invalidArgument, outcome.message, request.record.reqId);
      return this.#settle(request);
    }
    if (this.#record.egress !== "none") return this.#settle(request);
    this.#pump.enqueue(request, outcome.frames);
  }

  #onInterrupt(reqId: string): void {
    this.#record.interrupts.push(reqId);
    const request = this.#requests.get(reqId);
    if (!request || request.record.interrupted) return;
    if (request.settled && this.#record.egress === "none") return;
    request.record.interrupted = true;
    // Frames still queued are dropped by the pump, which then settles the request.
    if (!request.record.ended) this.#settle(request);
  }

  #onIdle(): void {
    if (this.#state === "closed") return;
    this.#sendError(SERVER_CODE.ok, RUNTIME_WORDING.idle(this.#ctx.options.idleTimeoutMs));
    this.#close(CLOSE_WORDING.normal, CLOSE_WORDING.idleReason);
  }

  #onClose(code: number, reason: string): void {
    this.#record.closed ??= { code, reason, by: "client" };
    this.#shutDown();
    emit(this.#ctx, "close", this.#record);
  }

  /** Fires the faults waiting for `trigger`; false if they ended the session. */
  #fire(trigger: FaultTrigger): boolean {
    this.#faults.fire(trigger, this.#target);
    return this.#state !== "closed";
  }

  #settle(request: AudioRequest): void {
    if (request.settle()) emit(this.#ctx, "request", request.record, this.#record);
  }

  #refuseHandshake(message: string, code: number = SERVER_CODE.invalidArgument): void {
    this.#sendError(code, message);
    this.#close(CLOSE_WORDING.policyViolation, closeReason(message));
  }

  #sendError(code: number, message: string, reqId = ""): void {
    const error = create(ServerErrorSchema, { connectionId: this.#connectionId, reqId, code, message });
    this.#record.errorsSent.push(error);
    this.#send({ type: MessageType.MESSAGE_SERVER_ERROR, data: { case: "serverError", value: error } });
  }

  #send(init: MessageInitShape<typeof MessageSchema>): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#ws.send(toBinary(MessageSchema, create(MessageSchema, init)));
  }

  #sendFrame(frame: Uint8Array, request: AudioRequest): Promise<void> | undefined {
    if (this.#ws.readyState !== this.#ws.OPEN) return undefined;
    this.#record.framesSent.push(frame);
    request.record.framesSent += 1;
    if (this.#ws.bufferedAmount < HIGH_WATER) {
      this.#ws.send(frame);
      return undefined;
    }
    return new Promise((resolve) => this.#ws.send(frame, () => resolve()));
  }

  #close(code: number, reason: string): void {
    if (this.#state === "closed") return;
    this.#record.closed ??= { code, reason, by: "server" };
    this.#shutDown();
    this.#ws.close(code, reason);
  }

  #drop(): void {
    this.#record.closed ??= { code: 1006, reason: "", by: "drop" };
    this.#shutDown();
    this.#ws.terminate();
  }

  #shutDown(): void {
    this.#state = "closed";
    clearTimeout(this.#idle);
    clearTimeout(this.#confirmTimer);
    this.#pump.stop();
    this.#ctx.live.delete(this);
  }
}

/** A close reason fits in 123 bytes. */
function closeReason(message: string): string {
  const bytes = Buffer.from(message, "utf8");
  return bytes.length <= 123 ? message : bytes.subarray(0, 120).toString("utf8").replace(/\uFFFD$/, "") + "...";
}

/** Views a `ws` payload as a plain `Uint8Array` (no copy for the usual single buffer). */
function toBytes(data: RawData): Uint8Array {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
