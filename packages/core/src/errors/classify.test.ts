import { describe, expect, it } from "vitest";
import { CLASSIFICATION_RULES, classify, findRule, type ClassifyInput } from "./classify";
import type { AvatarSDKErrorCode, ErrorPhase } from "./codes";

const H: ErrorPhase = "websocket_handshake";
const R: ErrorPhase = "websocket_runtime";
const T: ErrorPhase = "session_token";
const C: ErrorPhase = "websocket_connect";

type Row = [string, ClassifyInput, AvatarSDKErrorCode];

// One row per line of PROTOCOL.md §7, in order.
const table: Row[] = [
  // 1
  ["code 3 naming livekit, handshake", { phase: H, serverCode: "3", serverDetail: "invalid LiveKit url" }, "invalidEgressConfig"],
  ["INVALID_ARGUMENT naming agora, runtime", { phase: R, serverCode: "INVALID_ARGUMENT", serverDetail: "bad Agora channel" }, "invalidEgressConfig"],
  ["code 3 naming egress", { phase: H, serverCode: "3", serverDetail: "egress rejected" }, "invalidEgressConfig"],
  ["code 3 not naming egress", { phase: H, serverCode: "3", serverDetail: "bitrate out of range" }, "invalidRequest"],
  ["INVALID_ARGUMENT on the token endpoint naming egress is not egress", { phase: T, serverCode: "INVALID_ARGUMENT", serverDetail: "egress" }, "invalidRequest"],
  ["lower-case invalid_argument code", { phase: T, serverCode: "invalid_argument", serverDetail: "expire_at must be in the future", httpStatus: 400 }, "invalidRequest"],
  // 2
  ["code 16 in handshake", { phase: H, serverCode: "16", serverDetail: "bad credentials" }, "invalidEgressConfig"],
  ["UNAUTHENTICATED at runtime", { phase: R, serverCode: "UNAUTHENTICATED" }, "invalidEgressConfig"],
  // 3
  ["code 14 in handshake", { phase: H, serverCode: "14", serverDetail: "try later" }, "egressUnavailable"],
  ["UNAVAILABLE at runtime", { phase: R, serverCode: "UNAVAILABLE" }, "egressUnavailable"],
  // 4
  ["close code 4001", { phase: R, serverCode: "4001" }, "creditsExhausted"],
  ["close code 4002", { phase: R, serverCode: "4002" }, "sessionDurationExceeded"],
  ["close code 4003", { phase: H, serverCode: "4003" }, "concurrencyLimit"],
  ["close code 4010", { phase: R, serverCode: "4010", serverDetail: "authentication failed" }, "sessionTokenInvalid"],
  ["close code 4503", { phase: R, serverCode: "4503" }, "upstreamError"],
  ["other 40xx by the §7 rules", { phase: R, serverCode: "4099", serverDetail: "avatar not found" }, "avatarNotFound"],
  // 5
  ["credits exhausted", { phase: R, serverDetail: "Credits exhausted for app" }, "creditsExhausted"],
  ["session time limit reached", { phase: R, serverDetail: "session time limit reached" }, "sessionDurationExceeded"],
  ["maximum session duration", { phase: R, serverDetail: "Maximum session duration exceeded" }, "sessionDurationExceeded"],
  ["session denied", { phase: C, serverDetail: "Session denied by billing" }, "billingRequired"],
  ["HTTP 402 at rule 5", { phase: C, httpStatus: 402, serverDetail: "invalid session token" }, "billingRequired"],
  ["invalid session token", { phase: C, httpStatus: 400, serverDetail: "Invalid session token" }, "sessionTokenInvalid"],
  ["empty token", { phase: C, serverDetail: "empty token" }, "sessionTokenInvalid"],
  ["token is expired", { phase: C, httpStatus: 401, serverDetail: "Token is expired" }, "sessionTokenExpired"],
  ["session token expired", { phase: H, serverDetail: "session token expired" }, "sessionTokenExpired"],
  ["app id mismatch", { phase: C, serverDetail: "App ID mismatch" }, "appIDMismatch"],
  ["AppIDUnrecognized", { phase: C, serverDetail: "AppIDUnrecognized" }, "appIDUnrecognized"],
  ["app id unrecognized", { phase: C, serverDetail: "app id unrecognized" }, "appIDUnrecognized"],
  ["avatar not found", { phase: C, httpStatus: 404, serverDetail: "Avatar not found" }, "avatarNotFound"],
  ["unsupported sample rate", { phase: H, serverCode: "0", serverDetail: "unsupported sample rate: 11025" }, "unsupportedSampleRate"],
  ["livekit silence timeout", { phase: R, serverDetail: "livekit silence timeout" }, "idleTimeout"],
  ["no audio input for", { phase: R, serverDetail: "no audio input for 60s, closing session" }, "idleTimeout"],
  ["livekit_egress named", { phase: T, serverDetail: "livekit_egress.url is empty" }, "invalidEgressConfig"],
  ["agora_egress named", { phase: H, serverDetail: "agora_egress missing" }, "invalidEgressConfig"],
  ["missing livekit credentials, handshake", { phase: H, serverDetail: "missing livekit credentials" }, "invalidEgressConfig"],
  ["api_token hint, runtime", { phase: R, serverDetail: "provide api_token or both api_key and api_secret" }, "invalidEgressConfig"],
  ["unauthorized, handshake", { phase: H, serverDetail: "unauthorized" }, "invalidEgressConfig"],
  ["egress client not configured", { phase: H, serverDetail: "egress client is not configured on server" }, "egressUnavailable"],
  ["failed to create egress connection", { phase: R, serverDetail: "failed to create egress connection" }, "egressUnavailable"],
  ["driven server non-200", { phase: R, serverDetail: "driven server returned non-200 status code: 502" }, "upstreamError"],
  ["driven server request failed", { phase: R, serverDetail: "driven server request failed" }, "upstreamError"],
  ["expected ClientConfigureSession", { phase: H, serverDetail: "expected ClientConfigureSession message" }, "protocolError"],
  ["ClientConfigureSession nil", { phase: H, serverDetail: "ClientConfigureSession message is nil" }, "protocolError"],
  ["unexpected message type", { phase: R, serverDetail: "unexpected message type: 9" }, "protocolError"],
  ["failed to unmarshal", { phase: H, serverDetail: "failed to unmarshal initial message" }, "protocolError"],
  // 6
  ["401", { phase: T, httpStatus: 401 }, "sessionTokenExpired"],
  ["404 avatar not found via title", { phase: C, httpStatus: 404, serverTitle: "Avatar not found" }, "avatarNotFound"],
  ["other 404", { phase: C, httpStatus: 404, serverDetail: "no such route" }, "appIDUnrecognized"],
  ["402", { phase: T, httpStatus: 402 }, "billingRequired"],
  ["400 app id mismatch", { phase: C, httpStatus: 400, serverTitle: "App ID mismatch" }, "appIDMismatch"],
  ["400 while connecting", { phase: C, httpStatus: 400, serverDetail: "bad request" }, "sessionTokenInvalid"],
  ["400 on the token endpoint", { phase: T, httpStatus: 400, serverDetail: "bad request" }, "invalidRequest"],
  ["other 4xx", { phase: C, httpStatus: 429 }, "invalidRequest"],
  ["5xx", { phase: T, httpStatus: 503 }, "serverError"],
  // 7
  ["unmatched in handshake", { phase: H, serverCode: "0", serverDetail: "something odd" }, "serverError"],
  ["unmatched at runtime", { phase: R, serverCode: "0" }, "serverError"],
  ["unmatched on the token endpoint", { phase: T, serverDetail: "something odd" }, "unknown"],
  ["unmatched on connect", { phase: C }, "unknown"],
];

/**
 * The line of PROTOCOL.md each rule of CLASSIFICATION_RULES comes from, in
 * the table's order (the table names them in comments only, so that they are
 * not shipped).
 */
const RULE_SOURCES = [
  "§8 close code 4001",
  "§8 close code 4002",
  "§8 close code 4003",
  "§8 close code 4010",
  "§8 close code 4503",
  "§7.1 invalid argument naming egress",
  "§7.1 invalid argument",
  "§7.2 unauthenticated",
  "§7.3 unavailable",
  "§7.4 code 4001",
  "§7.4 code 4002",
  "§7.5 credits exhausted",
  "§7.5 session time limit",
  "§7.5 session denied / 402",
  "§7.5 invalid session token",
  "§7.5 token expired",
  "§7.5 app id mismatch",
  "§7.5 app id unrecognized",
  "§7.5 avatar not found",
  "§7.5 unsupported sample rate",
  "§7.5 idle timeout",
  "§7.5 egress field named",
  "§7.5 egress credentials",
  "§7.5 egress not available",
  "§7.5 upstream failure",
  "§7.5 protocol violation",
  "§7.6 401",
  "§7.6 404 avatar not found",
  "§7.6 other 404",
  "§7.6 402",
  "§7.6 400 app id mismatch",
  "§7.6 400 on connect",
  "§7.6 other 4xx",
  "§7.6 5xx",
  "§7.7 handshake or runtime",
];
const sourceOf = (rule: (typeof CLASSIFICATION_RULES)[number] | undefined) => (rule === undefined ? undefined : RULE_SOURCES[CLASSIFICATION_RULES.indexOf(rule)]);

describe("classify (PROTOCOL.md §7)", () => {
  it("names the source of every rule", () => {
    expect(RULE_SOURCES).toHaveLength(CLASSIFICATION_RULES.length);
  });


  it.each(table)("%s", (_name, input, expected) => {
    expect(classify(input)).toBe(expected);
  });

  // These lines of §7.6 repeat wording (or the 402) that §7.5 already maps to
  // the same code, so §7.5 always decides first. They stay in the table so it
  // mirrors the spec line by line.
  // §8's 4001/4002 come first, so §7.4's own lines for the same codes never decide.
  const shadowed: Array<[string, ClassifyInput]> = [
    ["§7.4 code 4001", { phase: R, serverCode: "4001" }],
    ["§7.4 code 4002", { phase: R, serverCode: "4002" }],
    ["§7.6 404 avatar not found", { phase: C, httpStatus: 404, serverDetail: "avatar not found" }],
    ["§7.6 402", { phase: T, httpStatus: 402 }],
    ["§7.6 400 app id mismatch", { phase: C, httpStatus: 400, serverDetail: "app id mismatch" }],
  ];

  it("decides with every rule except the shadowed ones", () => {
    const used = new Set(table.map(([, input]) => sourceOf(findRule(input))));
    const unused = RULE_SOURCES.filter((s) => !used.has(s));
    expect(unused).toEqual(shadowed.map(([source]) => source));
  });

  it.each(shadowed)("%s is shadowed by an earlier rule with the same code", (source, input) => {
    const own = CLASSIFICATION_RULES[RULE_SOURCES.indexOf(source)];
    const decider = findRule(input);
    expect(sourceOf(decider)).toMatch(source.startsWith("§7.4") ? /^§8/ : /^§7\.5/);
    expect(decider?.code).toBe(own?.code);
  });
});

describe("rule order: the first rule that matches wins", () => {
  it("code 4001 beats wording that names another code", () => {
    expect(classify({ phase: R, serverCode: "4001", serverDetail: "avatar not found" })).toBe("creditsExhausted");
  });
  it("code 3 beats the HTTP status", () => {
    expect(classify({ phase: T, serverCode: "3", httpStatus: 503 })).toBe("invalidRequest");
  });
  it("wording beats the HTTP status", () => {
    expect(classify({ phase: C, httpStatus: 401, serverDetail: "App ID mismatch" })).toBe("appIDMismatch");
  });
  it("credits exhausted is checked before session denied", () => {
    expect(classify({ phase: R, serverDetail: "session denied: credits exhausted" })).toBe("creditsExhausted");
  });
  it("invalid session token is checked before token is expired", () => {
    expect(classify({ phase: C, serverDetail: "invalid session token: token is expired" })).toBe("sessionTokenInvalid");
  });
});

describe("egress rules apply only where egress is negotiated", () => {
  // The Python SDK applies them everywhere and reports a bad API key as
  // invalidEgressConfig; PROTOCOL.md §7 says we do not.
  it("a 401 UNAUTHENTICATED from the token endpoint is about the API key", () => {
    expect(classify({ phase: T, httpStatus: 401, serverCode: "UNAUTHENTICATED", serverTitle: "Unauthenticated", serverDetail: "invalid api key" })).toBe(
      "sessionTokenExpired",
    );
  });
  it("an 'unauthorized' upgrade refusal is about the session token", () => {
    expect(classify({ phase: C, httpStatus: 401, serverDetail: "unauthorized" })).toBe("sessionTokenExpired");
  });
  it("code 14 on the token endpoint is not egressUnavailable", () => {
    expect(classify({ phase: T, serverCode: "14", httpStatus: 503 })).toBe("serverError");
  });
  it("the same 'unauthorized' in the handshake is an egress problem", () => {
    expect(classify({ phase: H, serverDetail: "unauthorized" })).toBe("invalidEgressConfig");
  });
});
