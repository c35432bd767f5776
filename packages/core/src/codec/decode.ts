import { AnimationField, ConfirmField, MessageField, MessageType, ServerErrorField } from "./fields";
import { DecodeError, Reader, WireType } from "./wire";

/** A message from the server, reduced to the fields the SDK acts on. */
export type ServerMessage =
  | { readonly kind: "confirm"; readonly connectionId: string }
  | { readonly kind: "error"; readonly connectionId: string; readonly reqId: string; readonly code: number; readonly message: string }
  | { readonly kind: "animation"; readonly connectionId: string; readonly reqId: string; readonly end: boolean }
  /** A type this SDK does not know (or a client type): ignored, for forward compatibility. */
  | { readonly kind: "other"; readonly type: number };

/** Which oneof field carries the payload of each server message type. */
const PAYLOAD_FIELD: Record<number, number> = {
  [MessageType.serverConfirmSession]: MessageField.serverConfirmSession,
  [MessageType.serverError]: MessageField.serverError,
  [MessageType.serverResponseAnimation]: MessageField.serverResponseAnimation,
};

/**
 * Decodes a server `Message`. Unknown fields are skipped; only the fields
 * the SDK needs are read. Throws {@link DecodeError} on malformed bytes.
 */
export function decodeServerMessage(bytes: Uint8Array): ServerMessage {
  const reader = new Reader(bytes);
  let type = MessageType.unspecified as number;
  const payloads = new Map<number, Uint8Array>();
  while (reader.pos < reader.end) {
    const [field, wireType] = reader.tag();
    if (field === MessageField.type && wireType === WireType.varint) {
      type = reader.int32();
    } else if (wireType === WireType.bytes && isPayloadField(field)) {
      payloads.set(field, reader.bytes());
    } else {
      reader.skip(wireType);
    }
  }
  if (type === MessageType.unspecified) {
    // No type: infer it from the oneof field present, if any.
    for (const [t, field] of Object.entries(PAYLOAD_FIELD)) if (payloads.has(field)) type = Number(t);
  }
  const payloadField = PAYLOAD_FIELD[type];
  if (payloadField === undefined) return { kind: "other", type };
  const payload = new Reader(payloads.get(payloadField) ?? new Uint8Array(0));
  switch (type) {
    case MessageType.serverConfirmSession:
      return readConfirm(payload);
    case MessageType.serverError:
      return readError(payload);
    default:
      return readAnimation(payload);
  }
}

function isPayloadField(field: number): boolean {
  return field === MessageField.serverConfirmSession || field === MessageField.serverError || field === MessageField.serverResponseAnimation;
}

function readConfirm(r: Reader): ServerMessage {
  let connectionId = "";
  while (r.pos < r.end) {
    const [field, wireType] = r.tag();
    if (field === ConfirmField.connectionId && wireType === WireType.bytes) connectionId = r.string();
    else r.skip(wireType);
  }
  return { kind: "confirm", connectionId };
}

function readError(r: Reader): ServerMessage {
  let connectionId = "";
  let reqId = "";
  let code = 0;
  let message = "";
  while (r.pos < r.end) {
    const [field, wireType] = r.tag();
    if (field === ServerErrorField.connectionId && wireType === WireType.bytes) connectionId = r.string();
    else if (field === ServerErrorField.reqId && wireType === WireType.bytes) reqId = r.string();
    else if (field === ServerErrorField.code && wireType === WireType.varint) code = r.int32();
    else if (field === ServerErrorField.message && wireType === WireType.bytes) message = r.string();
    else r.skip(wireType);
  }
  return { kind: "error", connectionId, reqId, code, message };
}

function readAnimation(r: Reader): ServerMessage {
  let connectionId = "";
  let reqId = "";
  let end = false;
  while (r.pos < r.end) {
    const [field, wireType] = r.tag();
    if (field === AnimationField.connectionId && wireType === WireType.bytes) connectionId = r.string();
    else if (field === AnimationField.reqId && wireType === WireType.bytes) reqId = r.string();
    else if (field === AnimationField.end && wireType === WireType.varint) end = r.bool();
    else r.skip(wireType);
  }
  return { kind: "animation", connectionId, reqId, end };
}

export { DecodeError };
