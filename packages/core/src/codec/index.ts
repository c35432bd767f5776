export { encodeConfigureSession, encodeAudioInput, encodeInterrupt, type ConfigureSessionFields } from "./encode";
export { decodeServerMessage, DecodeError, type ServerMessage } from "./decode";
