// The demo page: fetches a session token from its server, opens a session with
// the browser SDK, plays a clip through WebAudio while it streams it (or
// streams the microphone), and draws the face the animation frames describe,
// keyframe i of a request at i / 25 s after its audio started playing.
import { AvatarSDKError, AvatarSession, captureMicrophone, decodeAnimationFrame } from "/sdk/avatarkit.browser.min.js";
import { drawFace, drawPlot } from "/face.js";

const $ = (id) => document.getElementById(id);
/** The session's rate: every clip is resampled to it by the SDK (`sendAudio({ samples, sampleRate })`). */
const SESSION_RATE = 16000;
/** 100 ms chunks: the size a live source would send. */
const CHUNK_MS = 100;
/** Keyframes per second of audio. */
const FPS = 25;
/** How far ahead of now a clip starts playing, seconds: time for its first frames to arrive. */
const PLAY_LEAD_S = 0.25;
/** Stop-on-silence: the microphone stops after this long under SILENCE_LEVEL, once it heard speech. */
const SILENCE_MS = 1500;
const SILENCE_LEVEL = 0.01;
const NEUTRAL = { jaw: 0, eyeLid: [0, 0], rotation: [0, 0, 0] };

let audio;
let session;
let busy = false;
let frames = 0;
let pickedClip;
/** The request the face follows. */
let current;
/** The running microphone capture. */
let mic;
/** Request id → what the page knows of it. */
const requests = new Map();
/** Frames of a request whose id the page does not know yet (they can beat sendAudio()'s answer). */
const early = new Map();

/** The face as drawn, for tests and for the curious: `window.__face` and the canvas's data-* attributes. */
const face = { jaw: 0, eyeLid: [0, 0], rotation: [0, 0, 0], reqId: undefined, index: undefined, history: [] };
window.__face = face;

/** An AudioContext, created and resumed in a click (browsers start audio only after a user gesture). */
async function audioContext() {
  audio ??= new AudioContext();
  if (audio.state !== "running") await audio.resume();
  return audio;
}

/** A session token and what to connect with, minted by this page's server: the API key stays there. */
async function fetchSessionToken() {
  const response = await fetch("/api/session", { method: "POST" });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`The token endpoint answered HTTP ${response.status}: ${body.message ?? "no details"}`);
  return body;
}

async function openSession() {
  if (session && session.state === "open") return session;
  if (session) await session.close();
  const { sessionToken, appId, avatarId, ingressEndpointUrl } = await fetchSessionToken();
  setState("connecting…");
  const opened = new AvatarSession({
    sessionToken,
    appId,
    avatarId,
    ingressEndpointUrl,
    sampleRate: SESSION_RATE,
    onFrame,
    onPlaybackState,
    onError: showError,
    onClose: () => {
      if (session === opened) {
        setState("closed");
        void stopMicrophone();
        setButtons();
      }
    },
  });
  session = opened;
  const connectionId = await opened.start();
  $("connection-id").textContent = connectionId;
  setState("open");
  return opened;
}

/** An animation frame: its keyframes go to its request, the face draws them when their time comes. */
function onFrame({ bytes, reqId, isLast }) {
  frames++;
  $("frames").textContent = String(frames);
  $("frames-note").textContent = isLast ? "· last frame of the request received" : "";
  const { keyframes } = decodeAnimationFrame(bytes);
  const request = requests.get(reqId);
  if (request === undefined) {
    const list = early.get(reqId) ?? [];
    list.push({ keyframes, isLast, at: performance.now() });
    early.set(reqId, list);
    return;
  }
  takeFrame(request, keyframes, isLast, performance.now());
}

function takeFrame(request, keyframes, isLast, at) {
  request.frames++;
  request.cells.frames.textContent = String(request.frames);
  if (request.firstAt === undefined) {
    request.firstAt = at;
    request.cells.first.textContent = `${Math.round(at - request.sentAt)} ms`;
  }
  if (request.interrupted) return; // frames already in flight when we interrupted: not drawn
  for (const keyframe of keyframes) {
    request.keyframes.push({ jaw: keyframe.jawPose[0] ?? 0, eyeLid: [keyframe.eyeLid[0] ?? 0, keyframe.eyeLid[1] ?? 0], rotation: [...keyframe.rotation.subarray(0, 3)] });
  }
  if (isLast) {
    request.ended = true;
    request.cells.last.textContent = `${Math.round(at - request.sentAt)} ms`;
    request.cells.status.textContent = "complete";
  }
}

function onPlaybackState({ reqId, state, playedMs, reason }) {
  const request = requests.get(reqId);
  const text = `${state}${reason ? ` (${reason})` : ""} · ${playedMs} ms`;
  if (request) request.cells.playback.textContent = text;
  $("playback").textContent = `${text} · request ${reqId}`;
  $("playback").dataset.state = state;
}

/** Plays `clip` while streaming it: `{ buffer: AudioBuffer, samples, sampleRate, channels, label }`. */
async function streamClip(clip) {
  if (busy) return;
  busy = true;
  hideError();
  setButtons();
  const { buffer, samples, sampleRate, channels, label } = clip;
  $("clip").textContent = `${label}: ${buffer.duration.toFixed(1)} s at ${sampleRate} Hz${channels > 1 ? `, ${channels} channels` : ""}`;
  setProgress(0);
  try {
    const context = await audioContext();
    const live = await openSession();
    setButtons();
    const chunk = Math.round((sampleRate * CHUNK_MS) / 1000) * channels;
    let request;
    for (let offset = 0; ; offset += chunk) {
      const end = offset + chunk >= samples.length;
      const sentAt = performance.now();
      const reqId = await live.sendAudio({ samples: samples.subarray(offset, offset + chunk), sampleRate, channels }, end);
      if (request === undefined) {
        request = addRequest(reqId, { sentAt, plot: clip });
        // The audio starts now, a little ahead: keyframe i is drawn at t0 + i / 25 s.
        const source = context.createBufferSource();
        source.buffer = buffer;
        source.connect(context.destination);
        request.t0 = context.currentTime + PLAY_LEAD_S;
        request.source = source;
        source.onended = () => (request.played = true);
        source.start(request.t0);
        follow(request);
      }
      if (request.interrupted) break;
      if (request.frames === 0 || !request.ended) request.cells.status.textContent = end ? "audio sent, waiting for frames" : "streaming";
      setProgress(Math.min(1, (offset + chunk) / samples.length));
      if (end) break;
    }
  } catch (error) {
    showError(error);
  } finally {
    busy = false;
    setButtons();
  }
}

/** Starts or stops the microphone: its audio streams as one request, the face follows the frames as they come. */
async function toggleMicrophone() {
  if (mic) return stopMicrophone();
  hideError();
  busy = true;
  setButtons();
  try {
    const context = await audioContext();
    const live = await openSession();
    const sentAt = performance.now();
    mic = await captureMicrophone(live, { audioContext: context, onError: showError });
    $("mic").textContent = "Stop the microphone";
    $("clip").textContent = `microphone at ${context.sampleRate} Hz`;
    const reqId = await mic.reqId;
    const request = addRequest(reqId, { sentAt, live: true });
    request.cells.status.textContent = "streaming";
    mic.request = request;
    follow(request);
  } catch (error) {
    showError(error);
    mic = undefined;
    $("mic").textContent = "Use the microphone";
  } finally {
    busy = false;
    setButtons();
  }
}

async function stopMicrophone() {
  const capture = mic;
  if (!capture) return;
  mic = undefined;
  $("mic").textContent = "Use the microphone";
  $("level").value = 0;
  $("level-text").textContent = "—";
  try {
    await capture.stop();
    if (capture.request && !capture.request.ended) capture.request.cells.status.textContent = "audio sent, waiting for frames";
  } catch (error) {
    showError(error);
  }
  setButtons();
}

function follow(request) {
  current = request;
  face.history = [];
}

function addRequest(reqId, { sentAt, live = false, plot }) {
  $("no-requests").hidden = true;
  const row = document.createElement("tr");
  const names = ["id", "frames", "status", "first", "last", "playback"];
  const cells = Object.fromEntries(names.map((name) => [name, document.createElement("td")]));
  const code = document.createElement("code");
  code.textContent = reqId;
  cells.id.append(code);
  cells.frames.textContent = "0";
  cells.first.textContent = cells.last.textContent = cells.playback.textContent = "—";
  row.append(...names.map((name) => cells[name]));
  $("requests").tBodies[0].prepend(row);
  const request = { reqId, frames: 0, keyframes: [], cells, sentAt, live, plot, ended: false, interrupted: false };
  requests.set(reqId, request);
  for (const frame of early.get(reqId) ?? []) takeFrame(request, frame.keyframes, frame.isLast, frame.at);
  early.delete(reqId);
  return request;
}

/** What the face shows now: the keyframe whose 40 ms the listener is hearing, or a neutral face. */
function poseNow() {
  const request = current;
  if (!request || request.interrupted) return { ...NEUTRAL, index: undefined };
  if (request.live) {
    const index = request.keyframes.length - 1;
    return index < 0 || request.ended ? { ...NEUTRAL, index: undefined } : { ...request.keyframes[index], index };
  }
  if (request.t0 === undefined || audio === undefined) return { ...NEUTRAL, index: undefined };
  const index = Math.floor((audio.currentTime - request.t0) * FPS);
  if (index < 0 || request.played || (request.ended && index >= request.keyframes.length)) return { ...NEUTRAL, index: undefined };
  // A frame late: hold the last one received.
  const keyframe = request.keyframes[Math.min(index, request.keyframes.length - 1)];
  return keyframe ? { ...keyframe, index } : { ...NEUTRAL, index: undefined };
}

let quietSince;
let heardSpeech = false;

function render() {
  const pose = poseNow();
  const canvas = $("face");
  drawFace(canvas, pose);
  Object.assign(face, { jaw: pose.jaw, eyeLid: pose.eyeLid, rotation: pose.rotation, reqId: current?.reqId, index: pose.index });
  if (pose.index !== undefined && face.history.at(-1)?.index !== pose.index) face.history.push({ index: pose.index, jaw: pose.jaw });
  canvas.dataset.jaw = pose.jaw.toFixed(4);
  canvas.dataset.index = pose.index === undefined ? "" : String(pose.index);
  $("face-jaw").textContent = pose.jaw.toFixed(3);
  $("face-lid").textContent = ((pose.eyeLid[0] + pose.eyeLid[1]) / 2).toFixed(2);
  $("face-frame").textContent = pose.index === undefined ? "—" : String(pose.index);

  const request = current;
  const plot = request?.plot;
  drawPlot($("plot"), {
    samples: plot?.mono,
    sampleRate: plot?.sampleRate,
    seconds: plot ? plot.buffer.duration : (request?.keyframes.length ?? 0) / FPS,
    jaws: request ? request.keyframes.map((k) => k.jaw) : [],
    playheadSeconds: request?.t0 !== undefined && audio ? audio.currentTime - request.t0 : request?.live ? request.keyframes.length / FPS : undefined,
  });

  if (mic) {
    const level = mic.level;
    $("level").value = level;
    $("level-text").textContent = level.toFixed(3);
    // Stop on silence: the pattern the README describes.
    if (level >= SILENCE_LEVEL) {
      heardSpeech = true;
      quietSince = undefined;
    } else if ($("stop-on-silence")?.checked && heardSpeech) {
      quietSince ??= performance.now();
      if (performance.now() - quietSince > SILENCE_MS) {
        heardSpeech = false;
        quietSince = undefined;
        void stopMicrophone();
      }
    }
  }
  requestAnimationFrame(render);
}

const DETAIL_FIELDS = ["phase", "httpStatus", "serverCode", "serverTitle", "serverDetail", "closeCode", "closeReason", "connectionId", "reqId", "field"];

function showError(error) {
  $("error").hidden = false;
  const sdkError = error instanceof AvatarSDKError;
  $("error-code").textContent = sdkError ? error.code : error?.name ?? "Error";
  $("error-retryable").textContent = sdkError ? (error.retryable ? "retryable" : "not retryable") : "";
  $("error-retryable").dataset.retryable = sdkError ? String(error.retryable) : "";
  $("error-message").textContent = error?.message ?? String(error);
  const detail = $("error-detail");
  detail.replaceChildren();
  const entries = sdkError ? DETAIL_FIELDS.map((key) => [key, error[key]]) : [];
  if (error?.cause?.name) entries.push(["cause", `${error.cause.name}: ${error.cause.message ?? ""}`]);
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = key;
    dd.textContent = String(value);
    detail.append(dt, dd);
  }
}

function hideError() {
  $("error").hidden = true;
}

function setState(text) {
  $("state").textContent = text;
}

function setProgress(fraction) {
  $("progress").value = fraction;
  $("progress-text").textContent = `${Math.round(fraction * 100)} %`;
}

function setButtons() {
  const open = session?.state === "open";
  const playing = current !== undefined && !current.interrupted;
  $("sample").disabled = busy || mic !== undefined;
  $("stream-file").disabled = busy || mic !== undefined || pickedClip === undefined;
  $("mic").disabled = busy;
  $("interrupt").disabled = !open || !playing;
  $("pause").disabled = !open || !playing;
  $("resume").disabled = !open || !playing;
  $("close").disabled = !open;
}

/** A clip from samples: an AudioBuffer to play and interleaved floats to stream. */
function clipFrom(buffer, label) {
  const channels = buffer.numberOfChannels;
  const samples = new Float32Array(buffer.length * channels);
  const data = Array.from({ length: channels }, (_, c) => buffer.getChannelData(c));
  for (let i = 0; i < buffer.length; i++) for (let c = 0; c < channels; c++) samples[i * channels + c] = data[c][i];
  return { buffer, samples, mono: data[0], sampleRate: buffer.sampleRate, channels, label };
}

/** Raw mono 16-bit little-endian PCM at `rate`, as a clip. */
function rawClip(bytes, rate, label) {
  if (bytes.byteLength % 2 !== 0) throw new Error(`${label} has an odd number of bytes: not 16-bit PCM`);
  const ints = new Int16Array(bytes.slice(0));
  const buffer = new AudioBuffer({ length: Math.max(1, ints.length), numberOfChannels: 1, sampleRate: rate });
  const floats = buffer.getChannelData(0);
  for (let i = 0; i < ints.length; i++) floats[i] = ints[i] / 32768;
  return clipFrom(buffer, label);
}

$("sample").addEventListener("click", async () => {
  try {
    const response = await fetch("/assets/speech-16k.pcm");
    if (!response.ok) throw new Error(`Could not load the sample (HTTP ${response.status})`);
    await streamClip(rawClip(await response.arrayBuffer(), 16000, "built-in sample"));
  } catch (error) {
    showError(error);
  }
});

$("file").addEventListener("change", async () => {
  const file = $("file").files?.[0];
  pickedClip = undefined;
  hideError();
  if (file) {
    try {
      const bytes = await file.arrayBuffer();
      if (/\.(pcm|raw)$/i.test(file.name)) pickedClip = rawClip(bytes, 16000, file.name);
      else {
        audio ??= new AudioContext();
        pickedClip = clipFrom(await audio.decodeAudioData(bytes), file.name);
      }
    } catch (error) {
      showError(error instanceof AvatarSDKError ? error : new Error(`${file.name} could not be decoded: ${error?.message ?? error}`));
    }
  }
  setButtons();
});

$("stream-file").addEventListener("click", () => {
  if (pickedClip) void streamClip(pickedClip);
});

$("mic").addEventListener("click", () => void toggleMicrophone());

$("interrupt").addEventListener("click", async () => {
  const request = current;
  if (!request) return;
  request.interrupted = true; // the streaming loop stops, the face goes neutral, late frames are dropped
  try {
    request.source?.stop();
  } catch {
    // not started yet
  }
  if (mic) await stopMicrophone();
  setButtons();
  try {
    const reqId = await session.interrupt();
    requests.get(reqId).cells.status.textContent = "interrupted";
    if (audio?.state === "suspended") await audio.resume();
  } catch (error) {
    showError(error);
  }
});

$("pause").addEventListener("click", async () => {
  try {
    // The audio and the face stop together: the face's clock is the AudioContext's.
    await audio?.suspend();
    await session.pause();
  } catch (error) {
    showError(error);
  }
});

$("resume").addEventListener("click", async () => {
  try {
    await session.resume();
    await audio?.resume();
  } catch (error) {
    showError(error);
  }
});

$("close").addEventListener("click", () => void session?.close());

setButtons();
requestAnimationFrame(render);
document.body.dataset.ready = "true";
