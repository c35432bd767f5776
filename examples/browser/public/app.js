// The demo page: fetches a session token from its server, opens a session with
// the browser SDK and streams a clip, showing what comes back.
import { AvatarSDKError, AvatarSession, decodeServerMessage } from "/sdk/avatarkit.browser.min.js";
import { readClip } from "/wav.js";

const $ = (id) => document.getElementById(id);
/** 100 ms chunks: the size a live microphone would send. */
const CHUNK_MS = 100;

let session;
let sessionRate;
let pickedClip;
let busy = false;
let frames = 0;
/** Request id → its table row and frame count. */
const requests = new Map();

/** A session token and what to connect with, minted by this page's server: the API key stays there. */
async function fetchSessionToken() {
  const response = await fetch("/api/session", { method: "POST" });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`The token endpoint answered HTTP ${response.status}: ${body.message ?? "no details"}`);
  return body;
}

async function openSession(sampleRate) {
  if (session && session.state === "open" && sessionRate === sampleRate) return session;
  if (session) await session.close();
  const { sessionToken, appId, avatarId, ingressEndpointUrl } = await fetchSessionToken();
  setState("connecting…");
  const current = new AvatarSession({
    sessionToken,
    appId,
    avatarId,
    ingressEndpointUrl,
    sampleRate,
    transportFrames: onFrame,
    onError: showError,
    onClose: () => {
      if (session === current) {
        setState("closed");
        setButtons();
      }
    },
  });
  session = current;
  sessionRate = sampleRate;
  const connectionId = await current.start();
  $("connection-id").textContent = connectionId;
  setState("open");
  return current;
}

/** A frame, byte for byte as received; a renderer would take it here. This page only counts. */
function onFrame(frame, isLast) {
  frames++;
  $("frames").textContent = String(frames);
  const message = decodeServerMessage(frame);
  const request = message.kind === "animation" ? requests.get(message.reqId) : undefined;
  if (request) {
    request.frames++;
    request.cells.frames.textContent = String(request.frames);
    if (isLast) request.cells.status.textContent = "complete";
  }
  $("frames-note").textContent = isLast ? "· last frame of the request received" : "";
}

async function stream(clip, label) {
  if (busy) return;
  busy = true;
  hideError();
  setButtons();
  const { pcm, sampleRate } = clip;
  const seconds = pcm.length / 2 / sampleRate;
  $("clip").textContent = `${label}: ${seconds.toFixed(1)} s at ${sampleRate} Hz`;
  setProgress(0);
  try {
    const current = await openSession(sampleRate);
    setButtons();
    const chunkBytes = Math.round((sampleRate * CHUNK_MS) / 1000) * 2;
    let reqId;
    for (let offset = 0; offset < pcm.length || offset === 0; offset += chunkBytes) {
      const end = offset + chunkBytes >= pcm.length;
      reqId = await current.sendAudio(pcm.subarray(offset, offset + chunkBytes), end);
      if (!requests.has(reqId)) addRequest(reqId);
      requests.get(reqId).cells.status.textContent = end ? "audio sent, waiting for frames" : "streaming";
      setProgress(Math.min(1, (offset + chunkBytes) / pcm.length));
      if ($("realtime").checked && !end) await new Promise((resolve) => setTimeout(resolve, CHUNK_MS));
      if (end) break;
    }
  } catch (error) {
    showError(error);
  } finally {
    busy = false;
    setButtons();
  }
}

function addRequest(reqId) {
  $("no-requests").hidden = true;
  const row = document.createElement("tr");
  const cells = { id: document.createElement("td"), frames: document.createElement("td"), status: document.createElement("td") };
  const code = document.createElement("code");
  code.textContent = reqId;
  cells.id.append(code);
  cells.frames.textContent = "0";
  row.append(cells.id, cells.frames, cells.status);
  $("requests").tBodies[0].append(row);
  requests.set(reqId, { frames: 0, cells });
}

const DETAIL_FIELDS = ["phase", "httpStatus", "serverCode", "serverTitle", "serverDetail", "closeCode", "closeReason", "connectionId", "reqId", "field"];

function showError(error) {
  $("error").hidden = false;
  const sdkError = error instanceof AvatarSDKError;
  $("error-code").textContent = sdkError ? error.code : error?.name ?? "Error";
  $("error-message").textContent = error?.message ?? String(error);
  const detail = $("error-detail");
  detail.replaceChildren();
  for (const key of sdkError ? DETAIL_FIELDS : []) {
    if (error[key] === undefined) continue;
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = key;
    dd.textContent = String(error[key]);
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
  $("sample").disabled = busy;
  $("stream-file").disabled = busy || pickedClip === undefined;
  $("interrupt").disabled = !open || requests.size === 0;
  $("close").disabled = !open;
}

$("sample").addEventListener("click", async () => {
  try {
    const response = await fetch("/assets/speech-16k.pcm");
    if (!response.ok) throw new Error(`Could not load the sample (HTTP ${response.status})`);
    await stream(readClip(await response.arrayBuffer(), "speech-16k.pcm"), "built-in sample");
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
      pickedClip = { ...readClip(await file.arrayBuffer(), file.name), name: file.name };
    } catch (error) {
      showError(error);
    }
  }
  setButtons();
});

$("stream-file").addEventListener("click", () => {
  if (pickedClip) void stream(pickedClip, pickedClip.name);
});

$("interrupt").addEventListener("click", async () => {
  try {
    const reqId = await session.interrupt();
    requests.get(reqId).cells.status.textContent = "interrupted";
  } catch (error) {
    showError(error);
  }
});

$("close").addEventListener("click", () => void session?.close());

setButtons();
document.body.dataset.ready = "true";
