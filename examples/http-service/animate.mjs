// One HTTP request = one avatar session: connect, stream the audio, collect
// every frame up to the one marked last, close.
import { sessionOptionsFor } from "@avatarkit/examples-shared";
import { AvatarSDKError, newAvatarSession } from "@avatarkit/node";

/** Gave up waiting for the last frame; the service answers 504. */
export class AnimationTimeoutError extends Error {
  name = "AnimationTimeoutError";
}

/**
 * Streams `pcm` through a new session and resolves with the frames, byte for byte.
 * @param {{ apiKey: string, appId: string, avatarId: string, consoleEndpointUrl: string, ingressEndpointUrl: string }} target
 * @param {Uint8Array} pcm mono s16le
 * @param {{ sampleRate: number, chunkMs?: number, timeoutMs?: number, signal?: AbortSignal }} options
 * @returns {Promise<{ reqId: string, connectionId: string, frames: Uint8Array[] }>}
 */
export async function animate(target, pcm, { sampleRate, chunkMs = 100, timeoutMs, signal }) {
  const frames = [];
  let finish;
  const lastFrame = new Promise((resolve, reject) => (finish = { resolve, reject }));
  lastFrame.catch(() => {}); // observed below; failures before that point are thrown by init()/start()
  let done = false;
  const settle = (error) => {
    if (done) return;
    done = true;
    if (error) finish.reject(error);
    else finish.resolve();
  };

  const session = newAvatarSession({
    ...sessionOptionsFor(target),
    sampleRate,
    signal,
    transportFrames: (frame, isLast) => {
      frames.push(frame);
      if (isLast) settle();
    },
    // A runtime ServerError fails this request: a session here carries only one.
    onError: (error) => settle(error),
    onClose: () => settle(new AvatarSDKError("connectionClosed", "The session closed before the last animation frame arrived")),
  });

  const durationMs = (pcm.length / 2 / sampleRate) * 1000;
  const limitMs = timeoutMs ?? 30_000 + 2 * durationMs;
  let timer;
  try {
    await session.init();
    const connectionId = await session.start();
    const chunkBytes = Math.max(2, Math.round((sampleRate * chunkMs) / 1000) * 2);
    let reqId;
    for (let offset = 0; offset < pcm.length; offset += chunkBytes) {
      reqId = await session.sendAudio(pcm.subarray(offset, offset + chunkBytes), offset + chunkBytes >= pcm.length);
    }
    timer = setTimeout(() => settle(new AnimationTimeoutError(`No last animation frame within ${Math.round(limitMs)} ms`)), limitMs);
    await lastFrame;
    return { reqId, connectionId, frames };
  } finally {
    clearTimeout(timer);
    done = true;
    await session.close();
  }
}
