/**
 * What a session needs once its WebSocket is open: the codec and everything
 * that speaks it (the handshake, the sender and the receiver, and the errors
 * built from what the server says, with their classification). The session
 * loads this module with a dynamic import as it is created, so it arrives
 * while the page runs and the WebSocket connects; a page's first load holds
 * none of it. See {@link loadProtocol}.
 * @module
 * @internal
 */
export { connectError, Handshake, type Confirmation } from "./handshake";
export { openStages } from "./stages";
export { closedByServer } from "../errors/create";
export type { Receiver } from "./receiving";
export type { AudioSender } from "./sending";
