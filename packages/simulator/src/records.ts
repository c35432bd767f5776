/**
 * What the simulator saw and did: plain objects, mutated live as things
 * happen, so tests can assert on the wire traffic.
 *
 * @module
 */
import type { ClientConfigureSession, Message, ServerError, ServerPlaybackState_State } from "./gen/message/message_pb";

/** One token request (`POST /v1/console/session-tokens` or `/v1/auth/session-token`) and its answer. */
export interface TokenRequestRecord {
  /** Request headers, names lower-cased (repeated headers joined with `, `). */
  headers: Record<string, string>;
  /** The raw request body. */
  body: string;
  /** The HTTP status answered; 0 while unanswered (a `token-hang` fault). */
  status: number;
  /** The app the API key belongs to, when it is known. */
  appId?: string;
  /** The minted token, on success. */
  token?: string;
}

/** How an upgrade request carried its credentials. */
export type AuthMode = "header" | "query" | "none";

/** Who ended a WebSocket connection. */
export type ClosedBy = "client" | "server" | "drop";

/** One upgrade attempt at the ingress path, and the session that followed. */
export interface ConnectionRecord {
  /** The connection id sent in the confirm (`""` until confirmed). */
  id: string;
  /** The upgrade request's URL (path and query). */
  url: string;
  /** The upgrade request's headers, names lower-cased. */
  headers: Record<string, string>;
  /** `header`: `X-App-ID`/`X-Session-Key`; `query`: `appId`/`sessionKey`. */
  auth: AuthMode;
  /** The app id presented. */
  appId?: string;
  /** The `id` query parameter. */
  avatarId?: string;
  /** True if any known API key appears in the upgrade URL or any header. */
  apiKeySeen: boolean;
  /** 101, the refusal status, or 0 while unanswered (a `hang-upgrade` fault). */
  upgradeStatus: number;
  /** The decoded configure message, once received. */
  configure?: ClientConfigureSession;
  /** The egress the session negotiated. */
  egress: "none" | "livekit" | "agora";
  /** Requests in the order their first chunk arrived. */
  requests: RequestRecord[];
  /** The capabilities the confirm listed (empty in legacy mode), once sent. */
  capabilities: string[];
  /** The exact bytes of every animation frame sent, in order (each request's are also in its record). */
  framesSent: Uint8Array[];
  /** Every `ServerPlaybackState` sent, in order. */
  statesSent: PlaybackStateRecord[];
  /** Every `ServerError` sent. */
  errorsSent: ServerError[];
  /** Request ids received in `ClientInterrupt` messages. */
  interrupts: string[];
  /** Request ids received in `ClientPause` messages. */
  pauses: string[];
  /** Request ids received in `ClientResume` messages. */
  resumes: string[];
  /** Every decoded client message. */
  received: Message[];
  /** How the connection ended; `by` says who ended it. */
  closed?: { code: number; reason: string; by: ClosedBy };
}

/** One request id's audio on one session. */
export interface RequestRecord {
  /** The request id. */
  reqId: string;
  /** The session's audio format. */
  format: "pcm_s16le" | "ogg_opus";
  /** The session's sample rate. */
  sampleRate: number;
  /** Accepted audio chunks (including an empty final chunk). */
  chunks: number;
  /** Accepted audio bytes. */
  bytes: number;
  /** All accepted audio bytes, concatenated. */
  audio: Uint8Array;
  /** A chunk with `end=true` arrived. */
  ended: boolean;
  /** A `ClientInterrupt` named this request. */
  interrupted: boolean;
  /** Audio duration, known once the request ended. */
  durationMs: number;
  /** Animation frames sent for this request (in egress mode: control frames). */
  framesSent: number;
  /** The exact bytes of those frames, in order. */
  frames: Uint8Array[];
  /** All its frames (25 per second of audio), known once it ended. */
  frameCount?: number;
  /** Milliseconds of output written so far (frames × 40 ms at 25 fps), frozen while paused. */
  playedMs: number;
  /** The last playback state sent about it (absent before any, and always in legacy mode). */
  state?: PlaybackStateName;
  /** Why it was interrupted: a client interrupt, a newer request (egress), or a pause held too long. */
  interruptReason?: InterruptReason;
  /** Why the Ogg Opus stream was refused, if it was. */
  oggError?: string;
}

/** Why a request was interrupted, as `ServerPlaybackState.reason` says it. */
export type InterruptReason = "explicit" | "preempted" | "pause_timeout";

/** A playback state by its name in the schema. */
export type PlaybackStateName = "PLAYING" | "PAUSED" | "ENDED" | "INTERRUPTED";

/** One `ServerPlaybackState` the simulator sent. */
export interface PlaybackStateRecord {
  /** The `req_id` it carries (a pause or resume naming another request gets its own id echoed). */
  reqId: string;
  /** The state, as the generated enum. */
  state: ServerPlaybackState_State;
  /** The state's name. */
  name: PlaybackStateName;
  /** `played_ms`. */
  playedMs: number;
  /** `reason`: set with INTERRUPTED, else `""`. */
  reason: "" | InterruptReason;
  /** `pause` or `resume` when it answers one; absent when sent unprompted. */
  answers?: "pause" | "resume";
  /** How many frames the session had sent before it (its place among `framesSent`). */
  afterFrames: number;
  /** The exact bytes sent. */
  bytes: Uint8Array;
}

/** One animation frame, as the `frame` event reports it. */
export interface FrameSent {
  /** Its request id. */
  reqId: string;
  /** Its position within the request, from 0. */
  index: number;
  /** Its `end` flag. */
  end: boolean;
  /** False for egress control frames and legacy frames, which carry no `animation`. */
  keyframes: boolean;
  /** The exact bytes sent. */
  bytes: Uint8Array;
  /** The request's record. */
  request: RequestRecord;
  /** The session's record. */
  connection: ConnectionRecord;
}

/** @internal A fresh connection record for an upgrade attempt. */
export function newConnectionRecord(url: string, headers: Record<string, string>): ConnectionRecord {
  return {
    id: "",
    url,
    headers,
    auth: "none",
    apiKeySeen: false,
    upgradeStatus: 0,
    egress: "none",
    requests: [],
    capabilities: [],
    framesSent: [],
    statesSent: [],
    errorsSent: [],
    interrupts: [],
    pauses: [],
    resumes: [],
    received: [],
  };
}

/** @internal Lower-cases header names; repeated headers are joined with `, `. */
export function lowerCaseHeaders(raw: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

/**
 * @internal Keeps at most `max` records by dropping the oldest finished ones
 * (`done`); records still in use are never dropped.
 */
export function pruneRecords<T>(records: T[], max: number, done: (record: T) => boolean): void {
  let excess = records.length - max;
  for (let i = 0; excess > 0 && i < records.length; ) {
    if (done(records[i] as T)) {
      records.splice(i, 1);
      excess--;
    } else {
      i++;
    }
  }
}
