/**
 * A local, loopback-only simulator of the avatar service: the console's
 * token endpoint and the ingress WebSocket, enforcing the protocol and able
 * to misbehave on purpose through named faults.
 *
 * @module
 */
export { startSimulator, type Simulator } from "./server";
export { DEMO_CREDENTIALS, type SimulatorApp, type SimulatorOptions } from "./options";
export type { SimulatorEvents } from "./context";
export type { Fault, FaultTrigger, InjectOptions } from "./faults";
export type { AuthMode, ClosedBy, ConnectionRecord, RequestRecord, TokenRequestRecord } from "./records";
export { validateOggOpus, oggCrc32, type OggOpusInfo, type OggOpusInvalid, type OggOpusExpectations } from "./ogg";
export { EXTRA_FIELD_NUMBER } from "./frames";
