export { AvatarSession } from "./session";
export { SessionState } from "./state";
export type { Platform, StreamEncoderFactory, StreamEncoderOptions } from "./platform";
export type { StreamEncoder } from "./sending";
export type { AudioInput } from "./audio-input";
export { requestSessionToken, type CreateSessionTokenOptions } from "./token";
export { buildConnectTarget } from "./handshake";
