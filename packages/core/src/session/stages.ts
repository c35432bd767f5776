import type { SessionConfig } from "../config/options";
import type { SessionEncoder } from "../encoder/session-encoder";
import type { WebSocketConnection } from "../transport";
import { invokeCallback } from "./callbacks";
import type { Confirmation } from "./handshake";
import { Receiver, type ReceiverEvents } from "./receiving";
import { AudioSender } from "./sending";

/**
 * The open session's two stages over its connection: the sender (audio and
 * control messages out, with back-pressure) and the receiver (messages in,
 * to the callbacks). `events` is how both tell the session to report an
 * error or to fail.
 * @internal
 */
export function openStages(
  config: SessionConfig,
  connection: WebSocketConnection,
  confirmed: Confirmation,
  newReqId: () => string,
  encoder: SessionEncoder | undefined,
  events: ReceiverEvents,
): { sender: AudioSender; receiver: Receiver } {
  const sender = new AudioSender({
    connection,
    connectionId: confirmed.connectionId,
    newReqId,
    pcmInput: config.audioFormat === "pcm_s16le" || encoder !== undefined,
    sampleRate: config.sampleRate,
    highWaterMark: config.highWaterMark,
    drainMs: config.timeouts.drainMs,
    ...(encoder === undefined ? {} : { encoder }),
    playbackControl: confirmed.capabilities.includes("playback_control"),
    logger: config.logger,
    onEncoded: (reqId, stream) => invokeCallback(config.logger, "onEncodedAudio", config.onEncodedAudio, reqId, stream),
    onStalled: events.fail,
  });
  return { sender, receiver: new Receiver(config, confirmed.connectionId, events) };
}
