import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AudioFormat, EgressType, MessageType } from "./gen/message/message_pb";
import { startSimulator, type Simulator } from "./server";
import { TestClient, audioInput, configure, encode, sessionUrl, type ConfigureInit } from "./test-support";

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(() => sim.close());

/** Sends `first` as the first frame and expects a handshake refusal. */
async function expectRefusal(first: Uint8Array | string, message: string, code = 3): Promise<void> {
  const client = await TestClient.open(sessionUrl(sim));
  client.ws.send(first);
  const error = await client.nextMessage();
  expect(error.type).toBe(MessageType.MESSAGE_SERVER_ERROR);
  expect(error.data.case === "serverError" && error.data.value).toMatchObject({ code, message, connectionId: "" });
  const closed = await client.closed;
  expect(closed.code).toBe(1008);
  expect(closed.reason).toBe(message);
  expect(sim.connections[0]?.closed).toMatchObject({ code: 1008, by: "server" });
  expect(sim.connections[0]?.id).toBe("");
}

const livekit = { url: "wss://lk.example", roomName: "room", apiToken: "jwt" };

describe("the first message", () => {
  it("must be a Message of type 1", async () => {
    await expectRefusal(encode(audioInput("r1", new Uint8Array(2))), "expected ClientConfigureSession message");
  });

  it("must be binary", async () => {
    await expectRefusal("hello", "expected ClientConfigureSession message");
  });

  it("must decode", async () => {
    await expectRefusal(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), "failed to unmarshal initial message");
  });

  it("must carry client_configure_session", async () => {
    await expectRefusal(encode({ type: MessageType.MESSAGE_CLIENT_CONFIGURE_SESSION }), "ClientConfigureSession message is nil");
  });
});

describe("configure validation", () => {
  // Sample-rate refusals carry no code (0), so that PROTOCOL.md §7 classifies them by their wording.
  it.each<[string, ConfigureInit, string]>([
    ["a PCM rate not in the list", { sampleRate: 11025 }, "unsupported sample rate: 11025"],
    ["a zero rate", { sampleRate: 0 }, "unsupported sample rate: 0"],
    ["an Ogg Opus rate only PCM allows", { audioFormat: AudioFormat.OGG_OPUS, sampleRate: 44100 }, "unsupported sample rate: 44100"],
  ])("refuses %s with code 0", async (_name, init, message) => {
    await expectRefusal(encode(configure(init)), message, 0);
  });

  it.each<[string, ConfigureInit, string]>([
    ["an unknown audio format", { audioFormat: 7 as AudioFormat }, "unsupported audio format: 7"],
    ["LiveKit without credentials", { egressType: EgressType.LIVEKIT, livekitEgress: { url: "wss://lk", roomName: "r" } }, "invalid livekit_egress: provide api_token or both api_key and api_secret"],
    ["LiveKit with a key but no secret", { egressType: EgressType.LIVEKIT, livekitEgress: { url: "wss://lk", roomName: "r", apiKey: "k" } }, "invalid livekit_egress: provide api_token or both api_key and api_secret"],
    ["LiveKit without its config", { egressType: EgressType.LIVEKIT }, "invalid livekit_egress: provide api_token or both api_key and api_secret"],
    ["LiveKit without a url", { egressType: EgressType.LIVEKIT, livekitEgress: { ...livekit, url: "" } }, "invalid livekit_egress: url is required"],
    ["LiveKit without a room", { egressType: EgressType.LIVEKIT, livekitEgress: { ...livekit, roomName: "" } }, "invalid livekit_egress: room_name is required"],
    ["Agora without a channel", { egressType: EgressType.AGORA, agoraEgress: { token: "t" } }, "invalid agora_egress: channel_name is required"],
    ["Agora without its config", { egressType: EgressType.AGORA }, "invalid agora_egress: channel_name is required"],
    ["a LiveKit config without egress_type", { livekitEgress: livekit }, "invalid egress configuration"],
    ["an Agora config under LiveKit egress", { egressType: EgressType.LIVEKIT, livekitEgress: livekit, agoraEgress: { channelName: "c" } }, "invalid egress configuration"],
    ["a LiveKit config under Agora egress", { egressType: EgressType.AGORA, agoraEgress: { channelName: "c" }, livekitEgress: livekit }, "invalid egress configuration"],
    ["an unknown egress type", { egressType: 9 as EgressType }, "invalid egress configuration"],
  ])("refuses %s", async (_name, init, message) => {
    await expectRefusal(encode(configure(init)), message);
    expect(sim.connections[0]?.configure).toBeDefined();
  });

  it.each([8000, 16000, 22050, 24000, 32000, 44100, 48000])("accepts PCM at %i Hz", async (sampleRate) => {
    const client = await TestClient.open(sessionUrl(sim));
    client.send(configure({ sampleRate }));
    expect((await client.nextMessage()).type).toBe(MessageType.MESSAGE_SERVER_CONFIRM_SESSION);
    client.ws.close();
  });

  it.each([8000, 12000, 16000, 24000, 48000])("accepts Ogg Opus at %i Hz", async (sampleRate) => {
    const client = await TestClient.open(sessionUrl(sim));
    client.send(configure({ sampleRate, audioFormat: AudioFormat.OGG_OPUS }));
    expect((await client.nextMessage()).type).toBe(MessageType.MESSAGE_SERVER_CONFIRM_SESSION);
    client.ws.close();
  });

  it.each<[string, ConfigureInit, string]>([
    ["LiveKit with an api_token", { egressType: EgressType.LIVEKIT, livekitEgress: livekit }, "livekit"],
    ["LiveKit with a key and secret", { egressType: EgressType.LIVEKIT, livekitEgress: { url: "wss://lk", roomName: "r", apiKey: "k", apiSecret: "s" } }, "livekit"],
    ["Agora with a channel", { egressType: EgressType.AGORA, agoraEgress: { channelName: "c" } }, "agora"],
  ])("accepts %s and records the egress", async (_name, init, egress) => {
    const client = await TestClient.open(sessionUrl(sim));
    client.send(configure(init));
    expect((await client.nextMessage()).type).toBe(MessageType.MESSAGE_SERVER_CONFIRM_SESSION);
    expect(sim.connections[0]?.egress).toBe(egress);
    expect(sim.connections[0]?.configure?.egressType).toBe(init.egressType);
    client.ws.close();
  });
});

describe("the confirm", () => {
  it("carries a fresh connection id, recorded with the decoded configure", async () => {
    const client = await TestClient.open(sessionUrl(sim));
    client.send(configure({ sampleRate: 24000, bitrate: 32000 }));
    const confirm = await client.nextMessage();
    expect(confirm.type).toBe(MessageType.MESSAGE_SERVER_CONFIRM_SESSION);
    const id = confirm.data.case === "serverConfirmSession" ? confirm.data.value.connectionId : "";
    expect(id).toMatch(/^conn_[0-9a-f]{16}$/);
    const record = sim.connections[0]!;
    expect(record.id).toBe(id);
    expect(record.configure).toMatchObject({ sampleRate: 24000, bitrate: 32000, audioFormat: AudioFormat.PCM_S16LE });
    expect(record.received).toHaveLength(1);
    expect(record.egress).toBe("none");

    const second = await TestClient.open(sessionUrl(sim));
    second.send(configure());
    const other = await second.nextMessage();
    expect(other.data.case === "serverConfirmSession" && other.data.value.connectionId).not.toBe(id);
    client.ws.close();
    second.ws.close();
  });
});
