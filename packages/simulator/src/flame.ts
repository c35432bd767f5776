/**
 * The FLAME keyframe of each animation frame: how the simulator animates a
 * face from the audio a frame covers. Everything here is deterministic, so a
 * test can recompute the exact floats of any frame from its audio and its
 * index within the request.
 *
 * - `jaw_pose[0]` (radians, 0 … 0.35) follows the RMS energy of the frame's
 *   PCM samples: silence is exactly 0, a closed mouth. Ogg Opus input is not
 *   decoded; its frames use {@link jawForOggOpusFrame}, a fixed oscillation.
 * - `eye_lid` (both eyes) blinks for 6 frames every 97 frames.
 * - `rotation` drifts slowly (three sinusoids of the frame index);
 *   `neck_pose` follows it at 40 %.
 * - `translation`, `eye_pose`, the other jaw axes and every `expression`
 *   coefficient are 0.
 *
 * @module
 */
import { FlameSchema } from "./gen/message/message_pb";

/** Array lengths of every keyframe, by `Flame` field (the schema does not fix them; the live service's are these). */
export const FLAME_LENGTHS = {
  translation: 3,
  rotation: 3,
  neckPose: 3,
  jawPose: 3,
  eyePose: 6,
  eyeLid: 2,
  expression: 50,
} as const;

/** The name of a `Flame` field. */
export type FlameField = keyof typeof FLAME_LENGTHS;

/** One keyframe as plain arrays of float32 values, named as the generated `Flame` names its fields. */
export type FlameKeyframe = { [K in FlameField]: number[] };

/** Widest jaw opening, in radians. */
export const JAW_MAX = 0.35;
/** RMS (full scale = 1) at which the jaw is fully open; the opening grows with its square root. */
const RMS_FULL_OPEN = 0.25;
/** Frames between the starts of two blinks. */
const BLINK_PERIOD = 97;
/** The first blink starts on this frame. */
const BLINK_FIRST = 37;
/** Eyelid closure over a blink's frames. */
const BLINK = [0.35, 0.8, 1, 1, 0.7, 0.3] as const;
/** Frames per cycle of the Ogg Opus stand-in jaw (8 frames: 320 ms at 25 fps, about a syllable). */
const OPUS_JAW_PERIOD = 8;

/**
 * @internal The `Flame` fields in field-number order (the order they are
 * serialized in), each with its length and its offset in a flat
 * {@link FLAME_FLOATS}-float keyframe.
 */
export const FLAME_LAYOUT: ReadonlyArray<{ readonly field: FlameField; readonly number: number; readonly length: number; readonly offset: number }> =
  (() => {
    let offset = 0;
    return [...FlameSchema.fields]
      .sort((a, b) => a.number - b.number)
      .map((f) => {
        const field = f.localName as FlameField;
        const length = FLAME_LENGTHS[field];
        if (length === undefined) throw new Error(`Flame field ${f.localName} has no length`);
        const entry = { field, number: f.number, length, offset };
        offset += length;
        return entry;
      });
  })();

/** Floats in one keyframe (70). */
export const FLAME_FLOATS = FLAME_LAYOUT.reduce((n, f) => n + f.length, 0);

const offsetOf = (field: FlameField): number => FLAME_LAYOUT.find((f) => f.field === field)!.offset;
const ROTATION = offsetOf("rotation");
const NECK = offsetOf("neckPose");
const JAW = offsetOf("jawPose");
const EYE_LID = offsetOf("eyeLid");

/** The jaw opening for a sum of squared 16-bit samples over `count` samples. */
function jawForEnergy(sumOfSquares: number, count: number): number {
  if (count <= 0 || sumOfSquares === 0) return 0;
  const rms = Math.sqrt(sumOfSquares / count) / 32768;
  return JAW_MAX * Math.min(1, Math.sqrt(rms / RMS_FULL_OPEN));
}

/** The jaw opening for PCM samples `[from, to)` of `samples`. */
export function jawForPcm(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) {
    const s = samples[i]!;
    sum += s * s;
  }
  return jawForEnergy(sum, to - from);
}

/** @internal The jaw opening for s16le bytes `[fromByte, toByte)` (no copy, any alignment). */
export function jawForPcmBytes(bytes: Uint8Array, fromByte: number, toByte: number): number {
  let sum = 0;
  for (let i = fromByte; i + 1 < toByte; i += 2) {
    const s = ((bytes[i]! | (bytes[i + 1]! << 8)) << 16) >> 16;
    sum += s * s;
  }
  return jawForEnergy(sum, (toByte - fromByte) >> 1);
}

/**
 * The stand-in jaw opening of frame `frameIndex` of an Ogg Opus request (the
 * simulator does not decode Opus): `0.175 × (1 − cos(2π·i/8))`, closed on the
 * first frame.
 */
export function jawForOggOpusFrame(frameIndex: number): number {
  return (JAW_MAX / 2) * (1 - Math.cos((2 * Math.PI * frameIndex) / OPUS_JAW_PERIOD));
}

/** @internal Writes keyframe `frameIndex` with this jaw opening into `out` ({@link FLAME_FLOATS} floats). */
export function fillFlame(out: Float32Array, jaw: number, frameIndex: number): void {
  out.fill(0);
  const i = frameIndex;
  const pitch = 0.035 * Math.sin((2 * Math.PI * i) / 173);
  const yaw = 0.05 * Math.sin((2 * Math.PI * i) / 241 + 0.9);
  const roll = 0.015 * Math.sin((2 * Math.PI * i) / 311 + 2.1);
  out[ROTATION] = pitch;
  out[ROTATION + 1] = yaw;
  out[ROTATION + 2] = roll;
  out[NECK] = 0.4 * pitch;
  out[NECK + 1] = 0.4 * yaw;
  out[NECK + 2] = 0.4 * roll;
  out[JAW] = jaw;
  const phase = (((i - BLINK_FIRST) % BLINK_PERIOD) + BLINK_PERIOD) % BLINK_PERIOD;
  const lid = i >= BLINK_FIRST && phase < BLINK.length ? BLINK[phase]! : 0;
  out[EYE_LID] = lid;
  out[EYE_LID + 1] = lid;
}

/** A flat keyframe as named arrays of float32 values. */
function toKeyframe(flat: Float32Array): FlameKeyframe {
  const keyframe = {} as FlameKeyframe;
  for (const { field, offset, length } of FLAME_LAYOUT) keyframe[field] = Array.from(flat.subarray(offset, offset + length));
  return keyframe;
}

/**
 * The keyframe the simulator sends for frame `frameIndex` (0-based, within
 * its request) of a PCM request, whose span of samples is `samples`: the
 * exact float32 values the frame carries.
 */
export function flameForPcm(samples: Int16Array, frameIndex = 0): FlameKeyframe {
  const flat = new Float32Array(FLAME_FLOATS);
  fillFlame(flat, jawForPcm(samples), frameIndex);
  return toKeyframe(flat);
}

/** The keyframe the simulator sends for frame `frameIndex` of an Ogg Opus request. */
export function flameForOggOpus(frameIndex: number): FlameKeyframe {
  const flat = new Float32Array(FLAME_FLOATS);
  fillFlame(flat, jawForOggOpusFrame(frameIndex), frameIndex);
  return toKeyframe(flat);
}

/**
 * The samples frame `frameIndex` covers: `[start, end)`, with
 * `start = floor(i × rate / fps)` (at 25 fps, 40 ms spans). The last frame of
 * a request covers whatever is left, possibly fewer samples (or none).
 */
export function frameSpan(frameIndex: number, sampleRate: number, framesPerSecond = 25): { start: number; end: number } {
  return { start: spanStart(frameIndex, sampleRate, framesPerSecond), end: spanStart(frameIndex + 1, sampleRate, framesPerSecond) };
}

/** @internal First sample of frame `i`. */
export function spanStart(i: number, rate: number, fps: number): number {
  return Math.floor((i * rate) / fps);
}

/** `ceil(seconds × fps)`, at least 1: the frame count of a request of `samples` samples at `rate`. */
export function frameCount(samples: number, rate: number, framesPerSecond: number): number {
  if (Number.isInteger(framesPerSecond)) {
    return Math.max(1, Math.floor((samples * framesPerSecond + rate - 1) / rate));
  }
  return Math.max(1, Math.ceil((samples / rate) * framesPerSecond - 1e-9));
}

/** @internal Frames whose span is complete within `samples` samples: `floor(seconds × fps)`. */
export function completeFrames(samples: number, rate: number, framesPerSecond: number): number {
  if (samples <= 0) return 0;
  if (Number.isInteger(framesPerSecond)) return Math.floor((samples * framesPerSecond) / rate);
  return Math.floor((samples / rate) * framesPerSecond + 1e-9);
}

/**
 * Every keyframe of a whole PCM request (s16le bytes or samples), in order:
 * what the simulator sends for it over the WebSocket.
 */
export function flamesForPcmRequest(audio: Uint8Array | Int16Array, sampleRate: number, framesPerSecond = 25): FlameKeyframe[] {
  const samples =
    audio instanceof Int16Array
      ? audio
      : Int16Array.from({ length: audio.length >> 1 }, (_, k) => ((audio[2 * k]! | (audio[2 * k + 1]! << 8)) << 16) >> 16);
  const count = frameCount(samples.length, sampleRate, framesPerSecond);
  return Array.from({ length: count }, (_, i) => {
    const { start, end } = frameSpan(i, sampleRate, framesPerSecond);
    return flameForPcm(samples.subarray(Math.min(start, samples.length), Math.min(end, samples.length)), i);
  });
}
