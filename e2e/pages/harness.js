// Loaded by harness.html: exposes the real browser bundle to the e2e tests
// through `window.harness`. Everything crossing to the test is plain JSON:
// frames as hex, errors as their fields.
import * as sdk from "/sdk/avatarkit.browser.min.js";

const ERROR_FIELDS = ["name", "code", "message", "phase", "httpStatus", "serverCode", "serverTitle", "serverDetail", "connectionId", "reqId", "rawBody", "closeCode", "closeReason", "field", "retryable"];

/** An error as a plain object, with whether it is an AvatarSDKError. */
function plain(error) {
  const out = { isAvatarSDKError: error instanceof sdk.AvatarSDKError };
  for (const key of ERROR_FIELDS) if (error?.[key] !== undefined) out[key] = error[key];
  return out;
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** `seconds` of a 440 Hz tone, 16-bit mono at `rate`. */
function tone(seconds, rate = 16000) {
  const samples = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  return new Uint8Array(samples.buffer);
}

let sample;
async function speech() {
  sample ??= fetch("/assets/speech-16k.pcm").then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b));
  return sample;
}

const sessions = [];

window.harness = {
  /** Creates a session; returns its index, or the error the constructor threw. */
  create({ throwIn = [], ...options }) {
    const record = { frames: [], contexts: [], states: [], errors: [], closes: 0, encoded: [], warnings: [] };
    /** Records a callback's call, then throws if the test asked that callback to. */
    const callback = (name, handle) => (...args) => {
      handle(...args);
      if (throwIn.includes(name)) throw new Error(`${name} failed on purpose`);
    };
    try {
      record.session = new sdk.AvatarSession({
        ...options,
        transportFrames: callback("transportFrames", (frame, isLast) => record.frames.push({ hex: hex(frame), isLast })),
        onError: callback("onError", (error) => record.errors.push(plain(error))),
        onClose: callback("onClose", () => record.closes++),
        onFrame: ({ bytes, reqId, isLast, avatarId }) => record.contexts.push({ hex: hex(bytes), reqId, isLast, avatarId }),
        onPlaybackState: (event) => record.states.push(event),
        ...(options.oggOpusEncoder ? { onEncodedAudio: (reqId, stream) => record.encoded.push({ reqId, bytes: stream.length }) } : {}),
        logger: { warn: (message, ...details) => record.warnings.push([message, ...details.map(String)].join(" ")) },
      });
    } catch (error) {
      return { error: plain(error) };
    }
    sessions.push(record);
    return { index: sessions.length - 1 };
  },

  /** Calls a session method; resolves with `{ value }` or `{ error }`. Audio is named, not passed. */
  async call(index, method, ...args) {
    const { session } = sessions[index];
    try {
      if (method === "sendTone") return { value: await session.sendAudio(tone(args[0]), args[1]) };
      if (method === "sendSpeech") {
        const audio = await speech();
        const chunk = args[0] ?? 3200;
        let reqId;
        for (let at = 0; at < audio.length; at += chunk) reqId = await session.sendAudio(audio.subarray(at, at + chunk), at + chunk >= audio.length);
        return { value: reqId };
      }
      return { value: await session[method](...args) };
    } catch (error) {
      return { error: plain(error) };
    }
  },

  /** What a session has reported so far. */
  state(index) {
    const { session, frames, contexts, states, errors, closes, encoded, warnings } = sessions[index];
    return {
      state: session.state,
      connectionId: session.connectionId,
      capabilities: [...session.capabilities],
      frames,
      contexts,
      states,
      errors,
      closes,
      encoded,
      warnings,
      config: JSON.stringify(session.config),
    };
  },

  /** The session's frames decoded in the page with decodeAnimationFrame, keyframe arrays as plain numbers. */
  decodeFrames(index) {
    return sessions[index].contexts.map(({ hex: h }) => {
      const bytes = new Uint8Array(h.match(/../g).map((b) => parseInt(b, 16)));
      const frame = sdk.decodeAnimationFrame(bytes);
      return { ...frame, keyframes: frame.keyframes.map((k) => Object.fromEntries(Object.entries(k).map(([name, a]) => [name, Array.from(a)]))) };
    });
  },

  /** decodeAnimationFrame on bytes that are not an animation message: the error it throws. */
  decodeError(hexBytes) {
    try {
      sdk.decodeAnimationFrame(new Uint8Array(hexBytes.match(/../g).map((b) => parseInt(b, 16))));
      return undefined;
    } catch (error) {
      return plain(error);
    }
  },

  generateLogId: () => sdk.generateLogId(),
};
window.harnessReady = true;
