/**
 * `@avatarkit/sdk` in browsers (the `browser` export condition, or
 * `@avatarkit/sdk/browser`): everything `@avatarkit/browser` exports.
 *
 * @packageDocumentation
 */
export * from "@avatarkit/browser";
