/**
 * @internal Helpers for the simulator's own tests: a WebSocket client that
 * queues what it receives, raw HTTP upgrades, and message builders using the
 * generated schema.
 *
 * @module
 */
import { connect as netConnect } from "node:net";
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import WebSocket from "ws";
import {
  AudioFormat,
  MessageSchema,
  MessageType,
  type ClientConfigureSession,
  type Message,
} from "./gen/message/message_pb";
import { DEMO_CREDENTIALS } from "./options";
import type { Simulator } from "./server";

/** One frame a {@link TestClient} received. */
export interface ReceivedFrame {
  binary: boolean;
  data: Buffer;
}

/** @internal A `ws` client that queues frames and records its close. */
export class TestClient {
  readonly ws: WebSocket;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #queue: ReceivedFrame[] = [];
  #waiter: (() => void) | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data, binary) => {
      this.#queue.push({ binary, data: Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer) });
      this.#waiter?.();
    });
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Opens a WebSocket; rejects if the upgrade is refused. */
  static open(url: string, headers?: Record<string, string>): Promise<TestClient> {
    const ws = new WebSocket(url, { headers });
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
    });
  }

  /** The next frame, or a rejection after `timeoutMs`. */
  async next(timeoutMs = 2000): Promise<ReceivedFrame> {
    const deadline = Date.now() + timeoutMs;
    while (this.#queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
    return this.#queue.shift()!;
  }

  /** The next frame decoded as a `Message`. */
  async nextMessage(timeoutMs?: number): Promise<Message> {
    const frame = await this.next(timeoutMs);
    if (!frame.binary) throw new Error(`expected a binary frame, got text "${frame.data.toString()}"`);
    return fromBinary(MessageSchema, frame.data);
  }

  /** Resolves true if nothing arrives within `ms`. */
  async quietFor(ms: number): Promise<boolean> {
    return this.next(ms).then(
      () => false,
      () => true,
    );
  }

  /** Frames received so far and not yet read. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Sends a `Message`. */
  send(init: MessageInitShape<typeof MessageSchema>): void {
    this.ws.send(encode(init));
  }

  /** Sends one audio chunk. */
  sendAudio(reqId: string, audio: Uint8Array, end = false): void {
    this.send(audioInput(reqId, audio, end));
  }

  /** Reads animation frames until the one with `end=true`; returns their raw bytes. */
  async framesUntilEnd(timeoutMs = 5000): Promise<Buffer[]> {
    const frames: Buffer[] = [];
    for (;;) {
      const frame = await this.next(timeoutMs);
      frames.push(frame.data);
      const message = fromBinary(MessageSchema, frame.data);
      if (message.data.case !== "serverResponseAnimation") throw new Error(`unexpected message type ${message.type}`);
      if (message.data.value.end) return frames;
    }
  }
}

/** Serializes a `Message` with the generated schema. */
export function encode(init: MessageInitShape<typeof MessageSchema>): Uint8Array {
  return toBinary(MessageSchema, create(MessageSchema, init));
}

/** A configure message (PCM 16 kHz, no egress, unless overridden). */
export function configure(init: ConfigureInit = {}): MessageInitShape<typeof MessageSchema> {
  return {
    type: MessageType.MESSAGE_CLIENT_CONFIGURE_SESSION,
    data: { case: "clientConfigureSession", value: { sampleRate: 16000, audioFormat: AudioFormat.PCM_S16LE, ...init } },
  };
}

/** Fields of a configure message a test may set. */
export type ConfigureInit = Partial<Omit<ClientConfigureSession, "$typeName" | "livekitEgress" | "agoraEgress">> & {
  livekitEgress?: { url?: string; roomName?: string; apiToken?: string; apiKey?: string; apiSecret?: string };
  agoraEgress?: { channelName?: string; token?: string };
};

/** An audio input message. */
export function audioInput(reqId: string, audio: Uint8Array, end = false): MessageInitShape<typeof MessageSchema> {
  return { type: MessageType.MESSAGE_CLIENT_AUDIO_INPUT, data: { case: "clientAudioInput", value: { reqId, audio, end } } };
}

/** An interrupt message. */
export function interrupt(reqId: string): MessageInitShape<typeof MessageSchema> {
  return { type: MessageType.MESSAGE_CLIENT_INTERRUPT, data: { case: "clientInterrupt", value: { reqId } } };
}

/** A valid token for the demo app, an hour long. */
export function demoToken(sim: Simulator, appId: string = DEMO_CREDENTIALS.appId): string {
  return sim.mintToken(appId, new Date(Date.now() + 3600_000));
}

/** The demo session URL with query auth. */
export function sessionUrl(sim: Simulator, token = demoToken(sim), avatarId: string = DEMO_CREDENTIALS.avatarId): string {
  const q = new URLSearchParams({ id: avatarId, appId: DEMO_CREDENTIALS.appId, sessionKey: token });
  return `${sim.ingressEndpointUrl}/websocket?${q}`;
}

/** Opens a session, configures it and reads the confirm. */
export async function openSession(
  sim: Simulator,
  init: ConfigureInit = {},
): Promise<{ client: TestClient; connectionId: string }> {
  const client = await TestClient.open(sessionUrl(sim));
  client.send(configure(init));
  const confirm = await client.nextMessage();
  if (confirm.data.case !== "serverConfirmSession") throw new Error(`expected a confirm, got type ${confirm.type}`);
  return { client, connectionId: confirm.data.value.connectionId };
}

/** `seconds` of PCM s16le silence at `rate`. */
export function pcm(seconds: number, rate = 16000): Uint8Array {
  return new Uint8Array(Math.round(seconds * rate) * 2);
}

/** A raw HTTP response read off a socket. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends a WebSocket upgrade request by hand and reads the raw answer. */
export function rawUpgrade(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 2000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, "127.0.0.1");
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (chunk) => (text += chunk.toString("utf8")));
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      const [head = "", body = ""] = text.split("\r\n\r\n");
      const [statusLine = "", ...headerLines] = head.split("\r\n");
      const responseHeaders = Object.fromEntries(
        headerLines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(" ")[1]), headers: responseHeaders, body });
    });
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  });
}
