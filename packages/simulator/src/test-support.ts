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
  type ServerPlaybackState,
} from "./gen/message/message_pb";
import { oggCrc32, parseOggPages } from "./ogg";
import { DEMO_CREDENTIALS } from "./options";
import type { Simulator } from "./server";

/** One frame a {@link TestClient} received. */
export interface ReceivedFrame {
  binary: boolean;
  data: Buffer;
}

/**
 * @internal A `ws` client that queues frames and records its close.
 * `ServerPlaybackState` messages go to their own queue ({@link nextState}),
 * so that tests about frames and errors need not skip them.
 */
export class TestClient {
  readonly ws: WebSocket;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Every playback state received, in order. */
  readonly states: ServerPlaybackState[] = [];
  readonly #queue: ReceivedFrame[] = [];
  #stateQueue = 0;
  #waiter: (() => void) | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data, binary) => {
      const frame = { binary, data: Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer) };
      const state = binary ? playbackState(frame.data) : undefined;
      if (state) this.states.push(state);
      else this.#queue.push(frame);
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

  /** The next frame (playback states aside), or a rejection after `timeoutMs`. */
  async next(timeoutMs = 2000): Promise<ReceivedFrame> {
    await this.#until(() => this.#queue.length > 0, timeoutMs, "frame");
    return this.#queue.shift()!;
  }

  /** The next playback state not yet read, or a rejection after `timeoutMs`. */
  async nextState(timeoutMs = 2000): Promise<ServerPlaybackState> {
    await this.#until(() => this.states.length > this.#stateQueue, timeoutMs, "playback state");
    return this.states[this.#stateQueue++]!;
  }

  async #until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
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

/** The playback state a frame holds, if it is one. */
function playbackState(data: Uint8Array): ServerPlaybackState | undefined {
  try {
    const m = fromBinary(MessageSchema, data);
    return m.data.case === "serverPlaybackState" ? m.data.value : undefined;
  } catch {
    return undefined;
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

/** A pause message. */
export function pause(reqId: string): MessageInitShape<typeof MessageSchema> {
  return { type: MessageType.MESSAGE_CLIENT_PAUSE, data: { case: "clientPause", value: { reqId } } };
}

/** A resume message. */
export function resume(reqId: string): MessageInitShape<typeof MessageSchema> {
  return { type: MessageType.MESSAGE_CLIENT_RESUME, data: { case: "clientResume", value: { reqId } } };
}

/** `seconds` of a 440 Hz tone (amplitude 8000) as s16le. */
export function tone(seconds: number, rate = 16000): Uint8Array {
  const samples = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  return new Uint8Array(samples.buffer);
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
): Promise<{ client: TestClient; connectionId: string; capabilities: string[] }> {
  const client = await TestClient.open(sessionUrl(sim));
  client.send(configure(init));
  const confirm = await client.nextMessage();
  if (confirm.data.case !== "serverConfirmSession") throw new Error(`expected a confirm, got type ${confirm.type}`);
  return { client, connectionId: confirm.data.value.connectionId, capabilities: confirm.data.value.capabilities };
}

/** LiveKit egress settings for {@link openSession}. */
export const LIVEKIT = { egressType: 1, livekitEgress: { url: "wss://lk", roomName: "room", apiToken: "t" } } as const;

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

/**
 * Rewrites a one-audio-page Ogg Opus stream (like the fixture) with
 * `packetsPerPage` 20 ms packets per audio page, each page with its granule
 * position, so that its audio arrives page by page.
 */
export function repage(stream: Uint8Array, packetsPerPage: number): Uint8Array {
  const pages = parseOggPages(stream);
  const [head, tags, audio] = pages;
  if (!head || !tags || !audio || pages.length !== 3) throw new Error("repage expects exactly one audio page");
  const packets: Uint8Array[] = [];
  let at = 0;
  let start = 0;
  for (const size of audio.lacing) {
    at += size;
    if (size < 255) {
      packets.push(audio.body.subarray(start, at));
      start = at;
    }
  }
  const preSkip = 312;
  const out: Uint8Array[] = [stream.subarray(0, audio.offset)];
  for (let p = 0, sequence = 2; p < packets.length; p += packetsPerPage, sequence++) {
    const group = packets.slice(p, p + packetsPerPage);
    const last = p + packetsPerPage >= packets.length;
    const granule = last ? audio.granule : BigInt(preSkip + (p + group.length) * 960);
    const lacing = group.flatMap((pk) => [...Array(Math.floor(pk.length / 255)).fill(255), pk.length % 255]);
    const body = Buffer.concat(group);
    const page = new Uint8Array(27 + lacing.length + body.length);
    const view = new DataView(page.buffer);
    page.set([0x4f, 0x67, 0x67, 0x53]);
    page[5] = last ? 0x04 : 0;
    view.setBigInt64(6, granule, true);
    view.setUint32(14, audio.serial, true);
    view.setUint32(18, sequence, true);
    page[26] = lacing.length;
    page.set(lacing, 27);
    page.set(body, 27 + lacing.length);
    view.setUint32(22, oggCrc32(page), true);
    out.push(page);
  }
  return new Uint8Array(Buffer.concat(out));
}
