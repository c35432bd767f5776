/**
 * A local, loopback-only simulator of the avatar service: the console's
 * token endpoint and the ingress WebSocket, enforcing the protocol and able
 * to misbehave on purpose through named faults.
 *
 * @module
 */
export { startSimulator, type Simulator, type WaitForOptions } from "./server";
export { CURRENT_CAPABILITIES, DEMO_CREDENTIALS, type SimulatorApp, type SimulatorOptions } from "./options";
export type { SimulatorEvents } from "./context";
export { CLOSE_CODE_FAULTS, type CloseCodeFault, type CloseCodeFaultType, type Fault, type FaultTrigger, type InjectOptions } from "./faults";
export type {
  AuthMode,
  ClosedBy,
  ConnectionRecord,
  FrameSent,
  InterruptReason,
  PlaybackStateName,
  PlaybackStateRecord,
  RequestRecord,
  TokenRequestRecord,
} from "./records";
export { validateOggOpus, oggCrc32, type OggOpusInfo, type OggOpusInvalid, type OggOpusExpectations } from "./ogg";
export { EXTRA_FIELD_NUMBER } from "./frames";
export {
  FLAME_LENGTHS,
  JAW_MAX,
  flameForPcm,
  flameForOggOpus,
  flamesForPcmRequest,
  frameCount,
  frameSpan,
  jawForOggOpusFrame,
  jawForPcm,
  type FlameField,
  type FlameKeyframe,
} from "./flame";
export { HOLDBACK_MS } from "./request";
export { CLOSE_CODE_WORDING, type ServiceCloseCode } from "./wording";
