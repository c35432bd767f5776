/**
 * Audio conversion for `sendAudio()`: interleaved channels to mono, floats
 * to 16-bit PCM, and streaming sample-rate conversion to the session's
 * rate. Pure TypeScript, no platform APIs: the same code runs in Node and
 * in browsers. See `README.md` beside this file for the filter, the
 * measurements behind it and the length rule.
 *
 * @packageDocumentation
 */
export { createResampler, outputLength, type Resampler } from "./resampler";
export { toMonoFloat, floatToInt16 } from "./convert";
