/**
 * The protobuf-es schema of the service protocol, generated from
 * `proto/message/message.proto` (`pnpm proto`). Tests use it to encode and
 * decode messages independently of the SDK's codec.
 *
 * @module
 */
export * from "./gen/message/message_pb";
