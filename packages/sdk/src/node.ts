/**
 * `@avatarkit/sdk` in Node.js (the `node` and `default` export conditions,
 * or `@avatarkit/sdk/node`): everything `@avatarkit/node` exports.
 *
 * @packageDocumentation
 */
export * from "@avatarkit/node";
