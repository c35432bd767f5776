export * from "./options";
export * from "./defaults";
export { validateOptions, checkUrl } from "./validate";
export { resolveConfig } from "./resolve";
export { SessionConfigBuilder } from "./builder";
export { REDACTED, redactConfig, scrub, secretsOf } from "./redact";
