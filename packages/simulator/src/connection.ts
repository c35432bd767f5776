/**
 * One upgraded session: the protocol state machine from the configure
 * message to the close. When its output goes (frames, pause and resume,
 * playback states) is the {@link Playout}'s; how it goes on the wire, the
 * {@link Outbox}'s.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import type { RawData, WebSocket } from "ws";
import { checkConfigure } from "./configure";
import { emit, type SimulatorContext, type Terminable } from "./context";
import type { FaultPlan, FaultTarget, FaultTrigger } from "./faults";
import {
  AudioFormat,
  CloseCode,
  MessageSchema,
  MessageType,
  type ClientAudioInput,
  type ClientConfigureSession,
  type Message,
} from "./gen/message/message_pb";
import { closeReason, Outbox } from "./outbox";
import { Playout, type PlayoutHost, type SendResult } from "./playout";
import type { ConnectionRecord } from "./records";
import { AudioRequest } from "./request";
import { TimerEntry, type TimerOwner } from "./scheduler";
import {
  CLOSE_CODE_WORDING,
  CLOSE_WORDING,
  HANDSHAKE_WORDING,
  RUNTIME_WORDING,
  SERVER_CODE,
  type ServiceCloseCode,
} from "./wording";

const IDLE = 0;
const CONFIRM = 1;

type State = "configuring" | "open" | "closed";

/** @internal Runs the protocol on one accepted WebSocket. */
export class Connection implements Terminable, TimerOwner, PlayoutHost, FaultTarget {
  readonly #ws: WebSocket;
  readonly #record: ConnectionRecord;
  readonly #faults: FaultPlan;
  readonly #ctx: SimulatorContext;
  readonly #requests = new Map<string, AudioRequest>();
  readonly #idleEntry = new TimerEntry(this, IDLE);
  readonly #confirmEntry = new TimerEntry(this, CONFIRM);
  readonly #out: Outbox;
  #playout: Playout | undefined;
  #state: State = "configuring";
  #currentReqId = "";
  #lastAudioAt: number;
  /** The app whose concurrent-session count this session holds. */
  #countedApp: string | undefined;

  constructor(ws: WebSocket, record: ConnectionRecord, faults: FaultPlan, ctx: SimulatorContext) {
    this.#ws = ws;
    this.#record = record;
    this.#faults = faults;
    this.#ctx = ctx;
    this.#out = new Outbox(ws, record, ctx, () => this.#playout?.drained());
    ctx.live.add(this);
    ws.on("message", (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on("close", (code, reason) => this.#onClose(code, reason.toString("utf8")));
    ws.on("error", () => undefined);
    this.#lastAudioAt = ctx.scheduler.now();
    if (ctx.options.idleTimeoutMs > 0) ctx.scheduler.schedule(this.#idleEntry, this.#lastAudioAt + ctx.options.idleTimeoutMs);
    if (faults.dropOnUpgrade) this.#drop();
  }

  /** Destroys the socket (the simulator is closing). */
  terminate(): void {
    this.#record.closed ??= { code: 1006, reason: "", by: "server" };
    this.#shutDown();
    this.#ws.terminate();
  }

  /** @internal Fault: a runtime `ServerError` about the current request. */
  sendError(code: number, message: string): void {
    this.#out.error(code, message, this.#currentReqId);
  }

  /** @internal Fault: a close frame. */
  close(code: number, reason: string): void {
    this.#close(code, reason);
  }

  /** @internal Fault: a close code, reported as the server does. */
  closeWithCode(code: ServiceCloseCode, bare: boolean, message: string | undefined): void {
    this.#closeWithCode(code, bare, message, false);
  }

  /** @internal Fault: the socket destroyed without a close frame. */
  drop(): void {
    this.#drop();
  }

  /** @internal Fault: a raw WebSocket frame. */
  sendRaw(data: Uint8Array | string): void {
    this.#ws.send(data, { binary: typeof data !== "string" });
  }

  /** @internal Fault: the server stops reading. */
  stopReading(): void {
    this.#ws.pause();
  }

  /** @internal The idle or confirm deadline is due. */
  onTimer(entry: TimerEntry): void {
    if (this.#state === "closed") return;
    if (entry.slot === CONFIRM) return this.#confirm();
    const due = this.#lastAudioAt + this.#ctx.options.idleTimeoutMs;
    if (due > this.#ctx.scheduler.now() + 1) return this.#ctx.scheduler.schedule(this.#idleEntry, due);
    this.#onIdle();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#state === "closed") return;
    const configuring = this.#state === "configuring";
    if (!isBinary) {
      if (configuring) return this.#refuseHandshake(HANDSHAKE_WORDING.expectedConfigure);
      return this.#out.error(SERVER_CODE.invalidArgument, RUNTIME_WORDING.unexpectedMessageType(1));
    }
    let message: Message;
    try {
      message = fromBinary(MessageSchema, toBytes(data));
    } catch {
      if (configuring) return this.#refuseHandshake(HANDSHAKE_WORDING.unmarshalInitial);
      return this.#out.error(SERVER_CODE.invalidArgument, RUNTIME_WORDING.unmarshal);
    }
    this.#record.received.push(message);
    emit(this.#ctx, "message", message, this.#record);
    if ((this.#state as State) === "closed") return; // a listener may have closed it
    if (configuring) return this.#onConfigure(message);
    const d = message.data;
    switch (message.type) {
      case MessageType.MESSAGE_CLIENT_AUDIO_INPUT:
        return this.#onAudio(d.case === "clientAudioInput" ? d.value : undefined);
      case MessageType.MESSAGE_CLIENT_INTERRUPT:
        return this.#onInterrupt(d.case === "clientInterrupt" ? d.value.reqId : "");
      case MessageType.MESSAGE_CLIENT_PAUSE:
        return this.#onPause(d.case === "clientPause" ? d.value.reqId : "", "pause");
      case MessageType.MESSAGE_CLIENT_RESUME:
        return this.#onPause(d.case === "clientResume" ? d.value.reqId : "", "resume");
      default:
        return this.#out.error(SERVER_CODE.invalidArgument, RUNTIME_WORDING.unexpectedMessageType(message.type));
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
    const refused = this.#ctx.options.refusedEgressTokens;
    if (check.egress === "livekit" && refused.has(configure.livekitEgress?.apiToken ?? "")) {
      return this.#refuseHandshake(HANDSHAKE_WORDING.livekitTokenRefused, SERVER_CODE.unauthenticated);
    }
    if (check.egress === "agora" && refused.has(configure.agoraEgress?.token ?? "")) {
      return this.#refuseHandshake(HANDSHAKE_WORDING.agoraTokenRefused, SERVER_CODE.unauthenticated);
    }
    const plan = this.#faults.confirm();
    if (plan.reject) return this.#refuseHandshake(plan.reject.message, plan.reject.code);
    if (plan.closeCode) return this.#closeWithCode(plan.closeCode.code, plan.closeCode.bare, plan.closeCode.message, true);
    const appId = this.#record.appId ?? "";
    const open = this.#ctx.sessionsByApp.get(appId) ?? 0;
    if (open >= this.#ctx.options.maxConcurrentSessionsPerApp) {
      return this.#closeWithCode(CloseCode.CONCURRENCY_LIMIT, false, undefined, true);
    }
    this.#ctx.sessionsByApp.set(appId, open + 1);
    this.#countedApp = appId;
    this.#state = "open";
    this.#out.connectionId = plan.emptyId ? "" : `conn_${randomBytes(8).toString("hex")}`;
    this.#playout = new Playout(this, this.#ctx, check.egress !== "none", this.#out.connectionId, this.#record.avatarId ?? "");
    if (plan.withhold) return;
    if (plan.delayMs > 0) this.#ctx.scheduler.schedule(this.#confirmEntry, this.#ctx.scheduler.now() + plan.delayMs);
    else this.#confirm();
  }

  #confirm(): void {
    if (this.#state === "closed") return;
    const capabilities = [...this.#ctx.options.capabilities];
    this.#record.id = this.#out.connectionId;
    this.#record.capabilities = capabilities;
    this.#out.message({
      type: MessageType.MESSAGE_SERVER_CONFIRM_SESSION,
      data: { case: "serverConfirmSession", value: { connectionId: this.#out.connectionId, capabilities } },
    });
    emit(this.#ctx, "confirm", this.#record);
    this.#fire("confirm");
  }

  #onAudio(input: ClientAudioInput | undefined): void {
    this.#lastAudioAt = this.#ctx.scheduler.now();
    const reqId = input?.reqId ?? "";
    if (!reqId) return this.#out.error(SERVER_CODE.invalidArgument, RUNTIME_WORDING.reqIdMissing);
    let request = this.#requests.get(reqId);
    if (request?.closed) {
      const why = request.record.interrupted ? RUNTIME_WORDING.requestInterrupted : RUNTIME_WORDING.requestEnded;
      return this.#out.error(SERVER_CODE.invalidArgument, why(reqId), reqId);
    }
    const playout = this.#playout!;
    if (!request) {
      const format = this.#record.configure?.audioFormat === AudioFormat.OGG_OPUS ? "ogg_opus" : "pcm_s16le";
      request = new AudioRequest(reqId, format, this.#record.configure?.sampleRate ?? 0, this.#ctx.options.framesPerSecond);
      this.#requests.set(reqId, request);
      this.#record.requests.push(request.record);
      playout.started(request);
    }
    this.#currentReqId = reqId;
    const refusal = request.append(input?.audio ?? new Uint8Array(0));
    if (refusal) return this.#out.error(SERVER_CODE.invalidArgument, refusal, reqId);
    if (!this.#fire("audio")) return;
    if (input?.end) this.#endRequest(request);
    else playout.progressed();
  }

  #endRequest(request: AudioRequest): void {
    const outcome = request.end();
    if (!this.#fire("end")) return;
    if (!outcome.ok) {
      this.#out.error(SERVER_CODE.invalidArgument, outcome.message, request.record.reqId);
      return this.#playout!.refused(request);
    }
    this.#playout!.progressed();
  }

  #onInterrupt(reqId: string): void {
    this.#record.interrupts.push(reqId);
    emit(this.#ctx, "interrupt", reqId, this.#record);
    const request = this.#requests.get(reqId);
    // Frames already sent are in flight; the rest are dropped.
    if (request) this.#playout!.interrupt(request);
  }

  #onPause(reqId: string, kind: "pause" | "resume"): void {
    if (kind === "pause") {
      this.#record.pauses.push(reqId);
      emit(this.#ctx, "pause", reqId, this.#record);
      this.#playout!.pause(reqId);
    } else {
      this.#record.resumes.push(reqId);
      emit(this.#ctx, "resume", reqId, this.#record);
      this.#playout!.resume(reqId);
    }
  }

  #onIdle(): void {
    if (this.#state === "closed") return;
    this.#out.error(SERVER_CODE.ok, RUNTIME_WORDING.idle(this.#ctx.options.idleTimeoutMs));
    this.#close(CLOSE_WORDING.normal, CLOSE_WORDING.idleReason);
  }

  #onClose(code: number, reason: string): void {
    this.#record.closed ??= { code, reason, by: "client" };
    this.#shutDown();
    emit(this.#ctx, "close", this.#record);
  }

  /** Fires the faults waiting for `trigger`; false if they ended the session. */
  #fire(trigger: FaultTrigger): boolean {
    this.#faults.fire(trigger, this);
    return this.#state !== "closed";
  }

  /** @internal A request's output is over. */
  settle(request: AudioRequest): void {
    if (request.settle()) emit(this.#ctx, "request", request.record, this.#record);
  }

  /** @internal Sends one animation frame and records it. */
  sendFrame(bytes: Uint8Array, request: AudioRequest, index: number, end: boolean, keyframes: boolean): SendResult {
    return this.#out.frame(bytes, request, index, end, keyframes);
  }

  /** @internal Sends one `ServerPlaybackState` and records it. */
  sendState(...args: Parameters<Outbox["state"]>): void {
    this.#out.state(...args);
  }

  /**
   * Reports a close code as the server does: a `ServerError` with the code
   * (unless `bare`), then a close with it. A legacy server sends a gRPC-style
   * code and text instead, and closes 1008 at the handshake or 1011 later.
   */
  #closeWithCode(code: ServiceCloseCode, bare: boolean, message: string | undefined, handshake: boolean): void {
    const wording = CLOSE_CODE_WORDING[code];
    const reqId = handshake ? "" : this.#currentReqId;
    if (this.#ctx.options.legacy) {
      const text = message ?? wording.legacy.message;
      if (!bare) this.#out.error(wording.legacy.code, text, reqId);
      return this.#close(handshake ? CLOSE_WORDING.policyViolation : CLOSE_WORDING.internalError, closeReason(text));
    }
    const text = message ?? wording.message;
    if (!bare) this.#out.error(code, text, reqId);
    this.#close(code, closeReason(text));
  }

  #refuseHandshake(message: string, code: number = SERVER_CODE.invalidArgument): void {
    this.#out.error(code, message);
    this.#close(CLOSE_WORDING.policyViolation, closeReason(message));
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
    this.#ctx.scheduler.cancel(this.#idleEntry);
    this.#ctx.scheduler.cancel(this.#confirmEntry);
    this.#playout?.stop();
    this.#ctx.live.delete(this);
    if (this.#countedApp !== undefined) {
      const left = (this.#ctx.sessionsByApp.get(this.#countedApp) ?? 1) - 1;
      if (left > 0) this.#ctx.sessionsByApp.set(this.#countedApp, left);
      else this.#ctx.sessionsByApp.delete(this.#countedApp);
      this.#countedApp = undefined;
    }
  }
}

/** Views a `ws` payload as a plain `Uint8Array` (no copy for the usual single buffer). */
function toBytes(data: RawData): Uint8Array {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
