import { DEFAULT_HIGH_WATER_MARK, DEFAULT_SAMPLE_RATE, DEFAULT_TIMEOUTS } from "./defaults";
import { AudioFormat, type Logger, type SessionConfig, type SessionOptions } from "./options";
import { hideSecrets } from "./redact";
import { validateOptions, withoutEmptyOptionals } from "./validate";

let warnedLiveKitKeys = false;

/** Warnings to `console.warn`; debug notes (which encoder runs) only when a logger asks for them. */
const DEFAULT_LOGGER: Logger = { warn: (message, ...details) => console.warn(message, ...details) };

/**
 * Validates options and applies defaults. `defaultQueryAuth` is the
 * platform's choice when `useQueryAuth` is unset (true in browsers).
 * Optional strings given as `""` count as not given.
 * The result is frozen and hides its secrets from `JSON.stringify` and
 * `util.inspect`.
 */
export function resolveConfig(given: SessionOptions, defaultQueryAuth: boolean): SessionConfig {
  const options = withoutEmptyOptionals(given);
  validateOptions(options);
  const logger: Logger = options.logger ?? DEFAULT_LOGGER;
  const livekit = options.livekitEgress;
  if (livekit !== undefined && (livekit.apiKey !== undefined || livekit.apiSecret !== undefined) && !warnedLiveKitKeys) {
    warnedLiveKitKeys = true;
    logger.warn("[avatarkit] livekitEgress.apiKey/apiSecret are deprecated; pass a pre-generated livekitEgress.apiToken instead.");
  }
  const config: SessionConfig = {
    ...options,
    useQueryAuth: options.useQueryAuth ?? defaultQueryAuth,
    sampleRate: options.sampleRate ?? DEFAULT_SAMPLE_RATE,
    bitrate: options.bitrate ?? 0,
    audioFormat: options.audioFormat ?? AudioFormat.PCM_S16LE,
    timeouts: Object.freeze({ ...DEFAULT_TIMEOUTS, ...stripUndefined(options.timeouts ?? {}) }),
    highWaterMark: options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
    logger,
  };
  return Object.freeze(hideSecrets(config));
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
