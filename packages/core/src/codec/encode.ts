import type { AgoraEgressConfig, AudioFormat, LiveKitEgressConfig } from "../config/options";
import {
  AgoraField,
  AudioInputField,
  ConfigureField,
  InterruptField,
  LiveKitField,
  MapEntryField,
  MessageField,
  MessageType,
  WireAudioFormat,
  WireEgressType,
} from "./fields";
import { varintSize, WireType, Writer } from "./wire";

/** The content of the first message of a session. */
export interface ConfigureSessionFields {
  sampleRate: number;
  bitrate: number;
  audioFormat: AudioFormat;
  livekitEgress?: LiveKitEgressConfig;
  agoraEgress?: AgoraEgressConfig;
}

/** Encodes `Message{type=1, client_configure_session}`. */
export function encodeConfigureSession(fields: ConfigureSessionFields): Uint8Array {
  const body = new Writer()
    .scalar(ConfigureField.sampleRate, fields.sampleRate)
    .scalar(ConfigureField.bitrate, fields.bitrate)
    .scalar(ConfigureField.audioFormat, WireAudioFormat[fields.audioFormat]);
  // transport_compression is NONE (0), the default: nothing to write.
  if (fields.livekitEgress !== undefined) {
    body.scalar(ConfigureField.egressType, WireEgressType.livekit).bytes(ConfigureField.livekitEgress, encodeLiveKit(fields.livekitEgress));
  } else if (fields.agoraEgress !== undefined) {
    body.scalar(ConfigureField.egressType, WireEgressType.agora).bytes(ConfigureField.agoraEgress, encodeAgora(fields.agoraEgress));
  }
  return envelope(MessageType.clientConfigureSession, MessageField.clientConfigureSession, body.finish());
}

function encodeLiveKit(config: LiveKitEgressConfig): Uint8Array {
  const w = new Writer()
    .optString(LiveKitField.url, config.url)
    .optString(LiveKitField.apiKey, config.apiKey)
    .optString(LiveKitField.apiSecret, config.apiSecret)
    .optString(LiveKitField.roomName, config.roomName)
    .optString(LiveKitField.publisherId, config.publisherId);
  for (const [key, value] of Object.entries(config.extraAttributes ?? {})) {
    const entry = new Writer().string(MapEntryField.key, key).string(MapEntryField.value, value).finish();
    w.bytes(LiveKitField.extraAttributes, entry);
  }
  return w
    .scalar(LiveKitField.idleTimeout, config.idleTimeout ?? 0)
    .optString(LiveKitField.apiToken, config.apiToken)
    .finish();
}

function encodeAgora(config: AgoraEgressConfig): Uint8Array {
  return new Writer()
    .optString(AgoraField.channelName, config.channelName)
    .optString(AgoraField.token, config.token)
    .scalar(AgoraField.uid, config.uid ?? 0)
    .optString(AgoraField.publisherId, config.publisherId)
    .finish();
}

/** Encodes `Message{type=7, client_interrupt{req_id}}`. */
export function encodeInterrupt(reqId: string): Uint8Array {
  const body = new Writer().optString(InterruptField.reqId, reqId).finish();
  return envelope(MessageType.clientInterrupt, MessageField.clientInterrupt, body);
}

function envelope(type: number, field: number, body: Uint8Array): Uint8Array {
  return new Writer(body.length + 8).scalar(MessageField.type, type).bytes(field, body).finish();
}

const utf8 = new TextEncoder();

/**
 * Encodes `Message{type=3, client_audio_input{req_id, end, audio}}` into one
 * exactly-sized buffer: the audio is copied once.
 */
export function encodeAudioInput(reqId: string, end: boolean, audio: Uint8Array): Uint8Array {
  const id = utf8.encode(reqId);
  const idField = id.length === 0 ? 0 : 1 + varintSize(id.length) + id.length;
  const endField = end ? 2 : 0;
  const audioField = audio.length === 0 ? 0 : 1 + varintSize(audio.length) + audio.length;
  const bodySize = idField + endField + audioField;
  const out = new Uint8Array(2 + 1 + varintSize(bodySize) + bodySize);
  let pos = 0;
  const varint = (value: number) => {
    while (value >= 0x80) {
      out[pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    out[pos++] = value;
  };
  varint(MessageField.type * 8 + WireType.varint);
  varint(MessageType.clientAudioInput);
  varint(MessageField.clientAudioInput * 8 + WireType.bytes);
  varint(bodySize);
  if (idField > 0) {
    varint(AudioInputField.reqId * 8 + WireType.bytes);
    varint(id.length);
    out.set(id, pos);
    pos += id.length;
  }
  if (end) {
    varint(AudioInputField.end * 8 + WireType.varint);
    varint(1);
  }
  if (audioField > 0) {
    varint(AudioInputField.audio * 8 + WireType.bytes);
    varint(audio.length);
    out.set(audio, pos);
  }
  return out;
}
