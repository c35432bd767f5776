export { encodeConfigureSession, encodeAudioInput, encodeInterrupt, encodePause, encodeResume, type ConfigureSessionFields } from "./encode";
export { decodeServerMessage, decodeAnimationFrame, peekAnimationEnd, DecodeError, type ServerMessage, type DecodedAnimationFrame } from "./decode";
