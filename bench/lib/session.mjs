// Sessions against a benchmark simulator, with frames counted rather than kept.
import { DEMO_CREDENTIALS } from "@avatarkit/simulator";
import { newAvatarSession } from "@avatarkit/node";

/**
 * A session with the demo credentials; `waitLast()` resolves at the next
 * last frame; `state.frames` counts every frame delivered to transportFrames,
 * `state.lastFrames` the requests whose last frame arrived.
 */
export function benchSession(sim, extra = {}) {
  const state = { frames: 0, lastFrames: 0, errors: [], closes: 0 };
  let waiters = [];
  let counted = [];
  const session = newAvatarSession({
    ...DEMO_CREDENTIALS,
    consoleEndpointUrl: sim.consoleEndpointUrl,
    ingressEndpointUrl: sim.ingressEndpointUrl,
    expireAt: new Date(Date.now() + 30 * 60_000),
    logger: { warn: () => {} },
    transportFrames: (_frame, isLast) => {
      state.frames++;
      if (isLast) {
        state.lastFrames++;
        const now = performance.now();
        for (const resolve of waiters) resolve(now);
        waiters = [];
        counted = counted.filter((w) => (state.lastFrames >= w.n ? void w.resolve(now) : true));
      }
    },
    onError: (error) => state.errors.push(error),
    onClose: () => state.closes++,
    ...extra,
  });
  return {
    session,
    state,
    /** Resolves with performance.now() at the next last frame. */
    waitLast: () => new Promise((resolve) => waiters.push(resolve)),
    /** Resolves once `n` last frames have arrived in all (counting from the session's start). */
    waitLastFrames: (n) => new Promise((resolve) => (state.lastFrames >= n ? resolve(performance.now()) : counted.push({ n, resolve }))),
  };
}

/** Sends PCM in `chunkBytes` chunks, the last with end=true; resolves with the request id. */
export async function sendClip(session, pcm, chunkBytes = 3200) {
  let reqId;
  for (let at = 0; at < pcm.length; at += chunkBytes) reqId = await session.sendAudio(pcm.subarray(at, at + chunkBytes), at + chunkBytes >= pcm.length);
  return reqId;
}
