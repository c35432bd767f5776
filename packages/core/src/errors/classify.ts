import { AvatarSDKErrorCode as C, type AvatarSDKErrorCode, type ErrorPhase } from "./codes";

/** What is known about a failure when it is classified. */
export interface ClassifyInput {
  phase: ErrorPhase;
  /** The server's code (a `ServerError.code` or a JSON body's `code`/`id`). */
  serverCode?: string;
  serverTitle?: string;
  serverDetail?: string;
  httpStatus?: number;
}

/** The facts every rule reads, normalized once. */
export interface ClassificationFacts {
  /** Server code, upper-cased; `"0"` when unset. */
  readonly code: string;
  /** Server code, title and detail joined, lower-cased. */
  readonly text: string;
  readonly status: number | undefined;
  readonly phase: ErrorPhase;
}

/**
 * One line of PROTOCOL.md §8 or §7: a condition and the code it yields. The
 * line each rule comes from is named in a comment next to it, not shipped.
 */
export interface ClassificationRule {
  /** Only in the phases where egress is negotiated (handshake, runtime). */
  readonly egressOnly?: boolean;
  readonly match: (f: ClassificationFacts) => boolean;
  readonly code: AvatarSDKErrorCode;
}

const codeIs = (...codes: string[]) => (f: ClassificationFacts) => codes.includes(f.code);
const textHas = (...needles: string[]) => (f: ClassificationFacts) => needles.some((n) => f.text.includes(n));
const statusIs = (status: number) => (f: ClassificationFacts) => f.status === status;
const mentionsEgress = textHas("livekit", "agora", "egress");

/**
 * PROTOCOL.md §8's close codes, then §7 line by line. The first rule that
 * matches wins, so the order is the contract.
 */
export const CLASSIFICATION_RULES: readonly ClassificationRule[] = [
  // §8: the current service's close codes, before the §7 rules. Other 40xx/45xx fall through to §7.
  { match: codeIs("4001"), code: C.creditsExhausted }, // §8 close code 4001
  { match: codeIs("4002"), code: C.sessionDurationExceeded }, // §8 close code 4002
  { match: codeIs("4003"), code: C.concurrencyLimit }, // §8 close code 4003
  { match: codeIs("4010"), code: C.sessionTokenInvalid }, // §8 close code 4010
  { match: codeIs("4503"), code: C.upstreamError }, // §8 close code 4503
  // 1. code 3 / INVALID_ARGUMENT: egress config if it names egress, else an invalid request.
  { egressOnly: true, match: (f) => codeIs("3", "INVALID_ARGUMENT")(f) && mentionsEgress(f), code: C.invalidEgressConfig }, // §7.1 invalid argument naming egress
  { match: codeIs("3", "INVALID_ARGUMENT"), code: C.invalidRequest }, // §7.1 invalid argument
  // 2-3. gRPC-style codes from the egress service.
  { egressOnly: true, match: codeIs("16", "UNAUTHENTICATED"), code: C.invalidEgressConfig }, // §7.2 unauthenticated
  { egressOnly: true, match: codeIs("14", "UNAVAILABLE"), code: C.egressUnavailable }, // §7.3 unavailable
  // 4. billing codes.
  { match: codeIs("4001"), code: C.creditsExhausted }, // §7.4 code 4001
  { match: codeIs("4002"), code: C.sessionDurationExceeded }, // §7.4 code 4002
  // 5. the service's wording.
  { match: textHas("credits exhausted"), code: C.creditsExhausted }, // §7.5 credits exhausted
  { match: textHas("session time limit reached", "maximum session duration"), code: C.sessionDurationExceeded }, // §7.5 session time limit
  { match: (f) => textHas("session denied")(f) || statusIs(402)(f), code: C.billingRequired }, // §7.5 session denied / 402
  { match: textHas("invalid session token", "empty token"), code: C.sessionTokenInvalid }, // §7.5 invalid session token
  { match: textHas("token is expired", "session token expired"), code: C.sessionTokenExpired }, // §7.5 token expired
  { match: textHas("app id mismatch"), code: C.appIDMismatch }, // §7.5 app id mismatch
  { match: textHas("appidunrecognized", "app id unrecognized"), code: C.appIDUnrecognized }, // §7.5 app id unrecognized
  { match: textHas("avatar not found"), code: C.avatarNotFound }, // §7.5 avatar not found
  { match: textHas("unsupported sample rate"), code: C.unsupportedSampleRate }, // §7.5 unsupported sample rate
  { match: textHas("livekit silence timeout", "no audio input for"), code: C.idleTimeout }, // §7.5 idle timeout
  { match: textHas("livekit_egress", "agora_egress"), code: C.invalidEgressConfig }, // §7.5 egress field named
  // §7.5 egress credentials
  {
    egressOnly: true,
    match: textHas("missing livekit credentials", "provide api_token or both api_key and api_secret", "unauthorized"),
    code: C.invalidEgressConfig,
  },
  { match: textHas("egress client is not configured on server", "failed to create egress connection"), code: C.egressUnavailable }, // §7.5 egress not available
  { match: textHas("driven server returned non-200 status code", "driven server request failed"), code: C.upstreamError }, // §7.5 upstream failure
  // §7.5 protocol violation
  {
    match: textHas("expected clientconfiguresession message", "clientconfiguresession message is nil", "unexpected message type", "failed to unmarshal initial message"),
    code: C.protocolError,
  },
  // 6. HTTP status.
  { match: statusIs(401), code: C.sessionTokenExpired }, // §7.6 401
  { match: (f) => statusIs(404)(f) && textHas("avatar not found")(f), code: C.avatarNotFound }, // §7.6 404 avatar not found
  { match: statusIs(404), code: C.appIDUnrecognized }, // §7.6 other 404
  { match: statusIs(402), code: C.billingRequired }, // §7.6 402
  { match: (f) => statusIs(400)(f) && textHas("app id mismatch")(f), code: C.appIDMismatch }, // §7.6 400 app id mismatch
  { match: (f) => statusIs(400)(f) && f.phase === "websocket_connect", code: C.sessionTokenInvalid }, // §7.6 400 on connect
  { match: (f) => f.status !== undefined && f.status >= 400 && f.status < 500, code: C.invalidRequest }, // §7.6 other 4xx
  { match: (f) => f.status !== undefined && f.status >= 500 && f.status < 600, code: C.serverError }, // §7.6 5xx
  // 7. fallback.
  { match: (f) => EGRESS_PHASES.has(f.phase), code: C.serverError }, // §7.7 handshake or runtime
];

/** The phases in which egress is negotiated; rules marked egress-only apply only here. */
const EGRESS_PHASES: ReadonlySet<ErrorPhase> = new Set<ErrorPhase>(["websocket_handshake", "websocket_runtime"]);

/** Returns the rule that decides `input`, or undefined when none does (→ `unknown`). */
export function findRule(input: ClassifyInput): ClassificationRule | undefined {
  const facts: ClassificationFacts = {
    code: (input.serverCode === undefined || input.serverCode === "" ? "0" : input.serverCode).toUpperCase(),
    text: [input.serverCode, input.serverTitle, input.serverDetail].filter((s) => s !== undefined && s !== "").join(" ").toLowerCase(),
    status: input.httpStatus,
    phase: input.phase,
  };
  const egress = EGRESS_PHASES.has(input.phase);
  return CLASSIFICATION_RULES.find((rule) => (egress || !rule.egressOnly) && rule.match(facts));
}

/** The last rule: `serverError` for anything unmatched in the handshake and runtime phases. */
const FALLBACK = CLASSIFICATION_RULES[CLASSIFICATION_RULES.length - 1];

/** Like {@link classify}, but undefined where only the §7.7 fallback (or nothing) matches. */
export function classifySpecific(input: ClassifyInput): AvatarSDKErrorCode | undefined {
  const rule = findRule(input);
  return rule === undefined || rule === FALLBACK ? undefined : rule.code;
}

/**
 * Maps what the server said to an {@link AvatarSDKErrorCode}, by the rules of
 * PROTOCOL.md §8 and §7. Pure: no I/O, no state.
 */
export function classify(input: ClassifyInput): AvatarSDKErrorCode {
  return findRule(input)?.code ?? C.unknown;
}
