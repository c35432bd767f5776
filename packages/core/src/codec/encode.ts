/**
 * What the client sends, over the generated codec (`../gen`, from proto/):
 * this layer maps the SDK's options to the wire messages and holds no field
 * numbers or enum values of its own.
 * @internal
 */
import { AudioFormat, type AgoraEgressConfig, type LiveKitEgressConfig } from "../config/options";
import { AudioFormat as WireAudioFormat, EgressType, encodeClientMessage, type ClientConfigureSession } from "../gen/message/message_codec";

/** The content of the first message of a session. */
export interface ConfigureSessionFields {
  sampleRate: number;
  bitrate: number;
  audioFormat: AudioFormat;
  livekitEgress?: LiveKitEgressConfig;
  agoraEgress?: AgoraEgressConfig;
}

function wireAudioFormat(format: AudioFormat): WireAudioFormat {
  switch (format) {
    case AudioFormat.PCM_S16LE:
      return WireAudioFormat.PCM_S16LE;
    case AudioFormat.OGG_OPUS:
      return WireAudioFormat.OGG_OPUS;
  }
  throw new TypeError(`no wire value for the audio format ${String(format)}`);
}

/**
 * Encodes `Message{type=CLIENT_CONFIGURE_SESSION, client_configure_session}`.
 * Proto3 defaults are not written: `transport_compression` (NONE), a zero
 * bitrate, empty strings. At most one egress: LiveKit wins over Agora.
 */
export function encodeConfigureSession(fields: ConfigureSessionFields): Uint8Array {
  const value: ClientConfigureSession = { sampleRate: fields.sampleRate, bitrate: fields.bitrate, audioFormat: wireAudioFormat(fields.audioFormat) };
  if (fields.livekitEgress !== undefined) {
    value.egressType = EgressType.LIVEKIT;
    value.livekitEgress = fields.livekitEgress;
  } else if (fields.agoraEgress !== undefined) {
    value.egressType = EgressType.AGORA;
    value.agoraEgress = fields.agoraEgress;
  }
  return encodeClientMessage({ case: "clientConfigureSession", value });
}

/**
 * Encodes `Message{type=CLIENT_AUDIO_INPUT, client_audio_input{req_id, end, audio}}`:
 * the audio is copied into the writer once, and the result is exactly sized.
 */
export function encodeAudioInput(reqId: string, end: boolean, audio: Uint8Array): Uint8Array {
  return encodeClientMessage({ case: "clientAudioInput", value: { reqId, end, audio } });
}

/** Encodes `Message{type=CLIENT_INTERRUPT, client_interrupt{req_id}}`. */
export function encodeInterrupt(reqId: string): Uint8Array {
  return encodeClientMessage({ case: "clientInterrupt", value: { reqId } });
}

/** Encodes `Message{type=CLIENT_PAUSE, client_pause{req_id}}`. */
export function encodePause(reqId: string): Uint8Array {
  return encodeClientMessage({ case: "clientPause", value: { reqId } });
}

/** Encodes `Message{type=CLIENT_RESUME, client_resume{req_id}}`. */
export function encodeResume(reqId: string): Uint8Array {
  return encodeClientMessage({ case: "clientResume", value: { reqId } });
}
