/**
 * Sample conversions for `sendAudio()`: interleaved channels to mono, 16-bit
 * integers to floats and back.
 *
 * @packageDocumentation
 */

/** Full scale of 16-bit PCM: int16 `s` is the float `s / 32768`, in [−1, 1). */
const INT16_SCALE = 32768;

/**
 * Mixes interleaved samples down to mono floats in [−1, 1].
 *
 * Each output sample is the average of one frame's channels (so identical
 * channels give the same signal, and nothing clips). 16-bit samples are
 * scaled by 1/32768, so `floatToInt16(toMonoFloat(int16, 1))` returns the
 * input exactly.
 *
 * A mono `Float32Array` is returned as it is, not copied: the resampler
 * never keeps or changes what it is given.
 *
 * @param samples - Interleaved frames: `channels` samples per frame.
 * @param channels - Channels per frame, a positive integer.
 * @returns One float per frame.
 * @throws RangeError when `channels` is not a positive integer, or
 *   `samples.length` is not a whole number of frames.
 */
export function toMonoFloat(samples: Float32Array | Int16Array, channels: number): Float32Array {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new RangeError(`channels must be a positive integer, got ${channels}`);
  }
  if (samples.length % channels !== 0) {
    throw new RangeError(`${samples.length} samples are not whole frames of ${channels} channels`);
  }
  const isInt = samples instanceof Int16Array;
  if (!isInt && !(samples instanceof Float32Array)) {
    throw new TypeError("samples must be a Float32Array or an Int16Array");
  }
  if (channels === 1 && !isInt) return samples;
  const frames = samples.length / channels;
  const out = new Float32Array(frames);
  const scale = 1 / (channels * (isInt ? INT16_SCALE : 1));
  if (channels === 1) {
    for (let i = 0; i < frames; i++) out[i] = samples[i]! * scale;
  } else if (channels === 2) {
    for (let i = 0, s = 0; i < frames; i++, s += 2) out[i] = (samples[s]! + samples[s + 1]!) * scale;
  } else {
    for (let i = 0, s = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < channels; c++, s++) sum += samples[s]!;
      out[i] = sum * scale;
    }
  }
  return out;
}

/**
 * Converts floats to 16-bit PCM: `x · 32768`, clipped to [−32768, 32767],
 * rounded to the nearest integer (halves away from zero). So 1.0 gives
 * 32767, −1.0 gives −32768, anything beyond clips, and NaN gives 0.
 *
 * @param samples - Floats, nominally in [−1, 1].
 * @returns One 16-bit sample per float.
 */
export function floatToInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = toInt16(samples[i]!);
  return out;
}

/**
 * One float to a 16-bit sample value, as {@link floatToInt16}. The typed
 * array store truncates toward zero, which makes `v ± 0.5` a rounding half
 * away from zero; NaN fails both comparisons and stores as 0.
 *
 * @internal
 */
export function toInt16(x: number): number {
  let v = x * INT16_SCALE;
  if (v >= 32767) return 32767;
  if (v <= -32768) return -32768;
  v = v < 0 ? v - 0.5 : v + 0.5;
  return v | 0;
}
