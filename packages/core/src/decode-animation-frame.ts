import { decodeAnimationFrame as decodeAnimation } from "./codec/index";
import { AvatarSDKError } from "./errors/avatar-sdk-error";

/**
 * One keyframe of FLAME parameters. Lengths are what the server sent (the
 * schema does not fix them); an array the server left out is empty.
 */
export interface FlameKeyframe {
  /** Head translation (x, y, z). */
  readonly translation: Float32Array;
  /** Global head rotation, axis-angle (x, y, z), radians. */
  readonly rotation: Float32Array;
  /** Neck rotation, axis-angle, radians. */
  readonly neckPose: Float32Array;
  /** Jaw rotation, axis-angle, radians: `jawPose[0]` opens the mouth. */
  readonly jawPose: Float32Array;
  /** Both eyeballs' rotations, axis-angle (left x, y, z, right x, y, z). */
  readonly eyePose: Float32Array;
  /** Eyelid closure (left, right): 0 open, 1 closed. */
  readonly eyeLid: Float32Array;
  /** Expression coefficients. */
  readonly expression: Float32Array;
}

/** An animation message, decoded: what the frame animates and its keyframes. */
export interface DecodedAnimationFrame {
  readonly reqId: string;
  readonly connectionId: string;
  /** True on the last frame of the request. */
  readonly end: boolean;
  /** The avatar, or `""` when the server did not say. */
  readonly avatarId: string;
  /** The keyframes (25 per second of audio); empty in egress control frames. */
  readonly keyframes: readonly FlameKeyframe[];
}

/**
 * Decodes the FLAME keyframes of an animation message, the bytes that
 * `transportFrames` and `onFrame` receive. Throws an `AvatarSDKError` with
 * code `protocolError` when the bytes are not an animation message.
 *
 * ```ts
 * onFrame: ({ bytes }) => {
 *   for (const keyframe of decodeAnimationFrame(bytes).keyframes) mouth.open(keyframe.jawPose[0] ?? 0);
 * }
 * ```
 */
export function decodeAnimationFrame(bytes: Uint8Array): DecodedAnimationFrame {
  try {
    return decodeAnimation(bytes);
  } catch (error) {
    throw new AvatarSDKError("protocolError", `Not an animation message: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}
