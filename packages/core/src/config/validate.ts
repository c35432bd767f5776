import { ConfigurationError } from "../errors/avatar-sdk-error";
import { FRAME_DURATIONS_MS, OPUS_APPLICATIONS, SAMPLE_RATES } from "./defaults";
import { AudioFormat, type CreateSessionTokenOptions, type SessionOptions } from "./options";

const fail = (field: string, message: string): never => {
  throw new ConfigurationError(field, `Invalid ${field}: ${message}`);
};

/** The URL schemes the endpoints accept. */
const HTTP = ["http", "https"];
const ANY_SCHEME = ["ws", "wss", ...HTTP];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function requireString(field: string, value: unknown): void {
  if (typeof value !== "string" || value.trim() === "") fail(field, "a non-empty string is required");
}

function optionalString(field: string, value: unknown): void {
  if (value !== undefined) requireString(field, value);
}

function optionalInteger(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(field, `expected an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

function optionalFunction(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function") fail(field, "expected a function");
}

function oneOf<T>(field: string, value: unknown, allowed: readonly T[]): void {
  if (!allowed.includes(value as T)) fail(field, `expected one of ${allowed.join(", ")}, got ${String(value)}`);
}

/**
 * Checks a URL's scheme and shape. `schemes` lists the accepted ones
 * without the colon. Returns the parsed URL.
 */
export function checkUrl(field: string, value: unknown, schemes: readonly string[]): URL {
  requireString(field, value);
  let url: URL | undefined;
  try {
    url = new URL(value as string);
  } catch {
    // reported below
  }
  if (url === undefined || !schemes.includes(url.protocol.slice(0, -1))) {
    fail(field, `expected an absolute ${schemes.map((s) => `${s}://`).join(" or ")} URL`);
  }
  return url as URL;
}

/** Optional string options, by path: an empty string there means "not given". */
const OPTIONAL_STRINGS = [
  ["apiKey"],
  ["sessionToken"],
  ["consoleEndpointUrl"],
  ["livekitEgress", "apiToken"],
  ["livekitEgress", "apiKey"],
  ["livekitEgress", "apiSecret"],
  ["livekitEgress", "publisherId"],
  ["agoraEgress", "token"],
  ["agoraEgress", "publisherId"],
] as const;

/**
 * Drops optional string options that are `""`: code ported from the
 * reference SDK (whose fields default to `""`) or filled from unset
 * environment variables passes empty strings, which mean "not given".
 * Required strings are left for {@link validateOptions} to refuse. Returns a
 * copy when something was dropped; never changes the caller's objects.
 */
export function withoutEmptyOptionals(options: SessionOptions): SessionOptions {
  if (!isObject(options)) return options;
  let out: Record<string, unknown> = options as unknown as Record<string, unknown>;
  for (const path of OPTIONAL_STRINGS) {
    const [first, second] = path as readonly [string, string?];
    if (second === undefined) {
      if (out[first] === "") {
        out = { ...out };
        delete out[first];
      }
      continue;
    }
    const inner = out[first];
    if (isObject(inner) && inner[second] === "") {
      const copy = { ...inner };
      delete copy[second];
      out = { ...out, [first]: copy };
    }
  }
  return out as unknown as SessionOptions;
}

/** The callback options: each, when given, must be a function. */
const CALLBACKS = ["transportFrames", "onError", "onClose", "onEncodedAudio", "onFrame", "onPlaybackState"] as const;

/**
 * Validates session options before any I/O. Throws a
 * {@link ConfigurationError} naming the first option at fault and what to
 * change. Requirements that depend on the call (`init()` needs an API key)
 * are checked by that call.
 */
export function validateOptions(options: SessionOptions): void {
  if (!isObject(options)) fail("options", "expected an object");
  requireString("avatarId", options.avatarId);
  requireString("appId", options.appId);
  checkUrl("ingressEndpointUrl", options.ingressEndpointUrl, ANY_SCHEME);
  if (options.consoleEndpointUrl !== undefined) checkUrl("consoleEndpointUrl", options.consoleEndpointUrl, HTTP);
  optionalString("apiKey", options.apiKey);
  optionalString("sessionToken", options.sessionToken);
  if (options.expireAt !== undefined && !(options.expireAt instanceof Date && !Number.isNaN(options.expireAt.getTime()))) {
    fail("expireAt", "expected a valid Date");
  }
  if (options.useQueryAuth !== undefined && typeof options.useQueryAuth !== "boolean") fail("useQueryAuth", "expected a boolean");

  const format = options.audioFormat ?? AudioFormat.PCM_S16LE;
  oneOf("audioFormat", format, Object.values(AudioFormat));
  if (options.sampleRate !== undefined) {
    const allowed: readonly number[] = SAMPLE_RATES[format];
    if (!allowed.includes(options.sampleRate)) {
      fail("sampleRate", `${String(options.sampleRate)} Hz is not allowed for ${format}; use one of ${allowed.join(", ")}`);
    }
  }
  optionalInteger("bitrate", options.bitrate, 0);
  validateEncoder(options, format);

  for (const field of CALLBACKS) optionalFunction(field, options[field]);
  validateEgress(options);

  if (options.timeouts !== undefined) {
    if (!isObject(options.timeouts)) fail("timeouts", "expected an object");
    for (const [key, value] of Object.entries(options.timeouts)) {
      if (value !== undefined && (typeof value !== "number" || !(value > 0) || !Number.isFinite(value))) {
        fail(`timeouts.${key}`, "expected a positive number of milliseconds");
      }
    }
  }
  optionalInteger("highWaterMark", options.highWaterMark, 1);
  if (options.signal !== undefined && !(isObject(options.signal) && typeof options.signal.aborted === "boolean")) {
    fail("signal", "expected an AbortSignal");
  }
  if (options.logger !== undefined && !(isObject(options.logger) && typeof options.logger.warn === "function")) {
    fail("logger", "expected an object with a warn() method");
  }
  if (options.logger?.debug !== undefined) optionalFunction("logger.debug", options.logger.debug);
}

function validateEncoder(options: SessionOptions, format: AudioFormat): void {
  const encoder = options.oggOpusEncoder;
  if (encoder === undefined) {
    if (options.onEncodedAudio !== undefined) fail("onEncodedAudio", "it is only called with oggOpusEncoder set");
    return;
  }
  if (!isObject(encoder)) fail("oggOpusEncoder", "expected an object");
  if (format !== AudioFormat.OGG_OPUS) fail("oggOpusEncoder", 'the built-in encoder needs audioFormat "ogg_opus"');
  if (encoder.frameDurationMs !== undefined) oneOf("oggOpusEncoder.frameDurationMs", encoder.frameDurationMs, FRAME_DURATIONS_MS);
  if (encoder.application !== undefined) oneOf("oggOpusEncoder.application", encoder.application, OPUS_APPLICATIONS);
  if (encoder.backend !== undefined) oneOf("oggOpusEncoder.backend", encoder.backend, ["auto", "native", "wasm"]);
}

function validateEgress(options: SessionOptions): void {
  const { livekitEgress: livekit, agoraEgress: agora } = options;
  if (livekit !== undefined && agora !== undefined) {
    fail("livekitEgress", "livekitEgress and agoraEgress cannot both be set; choose one egress");
  }
  if (livekit !== undefined) {
    if (!isObject(livekit)) fail("livekitEgress", "expected an object");
    checkUrl("livekitEgress.url", livekit.url, ANY_SCHEME);
    requireString("livekitEgress.roomName", livekit.roomName);
    for (const key of ["apiToken", "apiKey", "apiSecret", "publisherId"] as const) optionalString(`livekitEgress.${key}`, livekit[key]);
    if (livekit.apiToken === undefined && (livekit.apiKey === undefined || livekit.apiSecret === undefined)) {
      fail("livekitEgress.apiToken", "provide apiToken (or, deprecated, both apiKey and apiSecret)");
    }
    optionalInteger("livekitEgress.idleTimeout", livekit.idleTimeout, 0, 2 ** 31 - 1);
    if (livekit.extraAttributes !== undefined) {
      if (!isObject(livekit.extraAttributes) || Object.values(livekit.extraAttributes).some((v) => typeof v !== "string")) {
        fail("livekitEgress.extraAttributes", "expected an object of string values");
      }
    }
  }
  if (agora !== undefined) {
    if (!isObject(agora)) fail("agoraEgress", "expected an object");
    requireString("agoraEgress.channelName", agora.channelName);
    for (const key of ["token", "publisherId"] as const) optionalString(`agoraEgress.${key}`, agora[key]);
    optionalInteger("agoraEgress.uid", agora.uid, 0, 2 ** 32 - 1);
  }
}

/**
 * Checks what a token request needs, before any I/O; returns the console
 * URL. Here rather than with the request, which loads lazily: `init()`
 * refuses bad options at once.
 * @internal
 */
export function checkTokenOptions(options: Partial<CreateSessionTokenOptions>): URL {
  if (typeof options?.apiKey !== "string" || options.apiKey === "") {
    fail("apiKey", "init() needs an API key (or pass a pre-minted sessionToken and call start() directly)");
  }
  if (options.consoleEndpointUrl === undefined) fail("consoleEndpointUrl", "init() needs the console URL");
  const consoleUrl = checkUrl("consoleEndpointUrl", options.consoleEndpointUrl, HTTP);
  if (!(options.expireAt instanceof Date) || Number.isNaN(options.expireAt.getTime())) fail("expireAt", "a Date is required to mint a session token");
  return consoleUrl;
}
