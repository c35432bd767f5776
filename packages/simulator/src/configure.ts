/**
 * Validation of `ClientConfigureSession`, the first message of a session.
 *
 * @module
 */
import {
  AudioFormat,
  EgressType,
  TransportCompression,
  type ClientConfigureSession,
} from "./gen/message/message_pb";
import type { ConnectionRecord } from "./records";
import { HANDSHAKE_WORDING, SERVER_CODE } from "./wording";

/** Sample rates the service accepts, per audio format (PROTOCOL.md §6). */
export const SAMPLE_RATES: Readonly<Record<AudioFormat, readonly number[]>> = {
  [AudioFormat.PCM_S16LE]: [8000, 16000, 22050, 24000, 32000, 44100, 48000],
  [AudioFormat.OGG_OPUS]: [8000, 12000, 16000, 24000, 48000],
};

/** The outcome of validating a configure message. */
export type ConfigureCheck =
  | { ok: true; egress: ConnectionRecord["egress"] }
  | { ok: false; message: string; code: number };

/** Checks a configure message; a refusal carries the service's wording. */
export function checkConfigure(c: ClientConfigureSession): ConfigureCheck {
  const refuse = (message: string, code: number = SERVER_CODE.invalidArgument): ConfigureCheck => ({ ok: false, message, code });
  const rates = SAMPLE_RATES[c.audioFormat] as readonly number[] | undefined;
  if (!rates) return refuse(HANDSHAKE_WORDING.unsupportedAudioFormat(c.audioFormat));
  // No gRPC code here: with code 3 (invalid argument) PROTOCOL.md §7 rule 1
  // would classify the refusal as invalidRequest before its wording is read.
  if (!rates.includes(c.sampleRate)) return refuse(HANDSHAKE_WORDING.unsupportedSampleRate(c.sampleRate), SERVER_CODE.ok);
  if (c.transportCompression !== TransportCompression.NONE) {
    return refuse(HANDSHAKE_WORDING.unsupportedCompression(c.transportCompression));
  }
  switch (c.egressType) {
    case EgressType.UNSPECIFIED:
      if (c.livekitEgress || c.agoraEgress) return refuse(HANDSHAKE_WORDING.egressMismatch);
      return { ok: true, egress: "none" };
    case EgressType.LIVEKIT: {
      const lk = c.livekitEgress;
      if (c.agoraEgress) return refuse(HANDSHAKE_WORDING.egressMismatch);
      if (!lk) return refuse(HANDSHAKE_WORDING.livekitCredentials);
      if (!lk.url) return refuse(HANDSHAKE_WORDING.livekitUrlMissing);
      if (!lk.roomName) return refuse(HANDSHAKE_WORDING.livekitRoomMissing);
      if (!lk.apiToken && !(lk.apiKey && lk.apiSecret)) return refuse(HANDSHAKE_WORDING.livekitCredentials);
      return { ok: true, egress: "livekit" };
    }
    case EgressType.AGORA:
      if (c.livekitEgress) return refuse(HANDSHAKE_WORDING.egressMismatch);
      if (!c.agoraEgress?.channelName) return refuse(HANDSHAKE_WORDING.agoraChannelMissing);
      return { ok: true, egress: "agora" };
    default:
      return refuse(HANDSHAKE_WORDING.egressMismatch);
  }
}
