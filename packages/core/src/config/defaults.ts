import type { SessionTimeouts } from "./options";

/** Default time limits. */
export const DEFAULT_TIMEOUTS: Readonly<SessionTimeouts> = Object.freeze({
  sessionTokenMs: 10_000,
  connectMs: 10_000,
  handshakeMs: 10_000,
  closeMs: 2_000,
  drainMs: 15_000,
});

/** Default input sample rate. */
export const DEFAULT_SAMPLE_RATE = 16_000;

/** Default socket high-water mark for `sendAudio()` back-pressure: 1 MiB. */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

/** Sample rates the service accepts, per format (PROTOCOL.md §6). */
export const SAMPLE_RATES = {
  pcm_s16le: [8000, 16000, 22050, 24000, 32000, 44100, 48000],
  ogg_opus: [8000, 12000, 16000, 24000, 48000],
} as const;

/** Opus frame durations the built-in encoder supports. */
export const FRAME_DURATIONS_MS = [10, 20, 40, 60] as const;

/** Opus applications the built-in encoder supports. */
export const OPUS_APPLICATIONS = ["audio", "voip", "restricted_lowdelay"] as const;
