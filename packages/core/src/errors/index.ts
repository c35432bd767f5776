export { AvatarSDKError, ConfigurationError, SessionTokenError, type AvatarSDKErrorDetails } from "./avatar-sdk-error";
export { AvatarSDKErrorCode, ErrorPhase } from "./codes";
export { classify, findRule, CLASSIFICATION_RULES, type ClassifyInput, type ClassificationRule, type ClassificationFacts } from "./classify";
export { parseServerBody, type ServerBody } from "./server-body";
export { describeFailure, sessionTokenRejected, upgradeRefused, serverErrorReceived, sdkError } from "./create";
