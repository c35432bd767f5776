/** The states of a session, in the order a healthy session passes them. */
export const SessionState = {
  idle: "idle",
  /** `init()` is requesting a session token. */
  token: "token",
  /** `start()` is opening the WebSocket. */
  connecting: "connecting",
  /** The configure message is sent; waiting for the server's confirmation. */
  handshaking: "handshaking",
  /** Audio can be sent and frames arrive. */
  open: "open",
  closing: "closing",
  closed: "closed",
} as const;

/** One of the {@link SessionState} values. */
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

/** Which states each state may move to. */
const NEXT: Record<SessionState, readonly SessionState[]> = {
  idle: ["token", "connecting", "closed"],
  token: ["idle", "connecting", "closed"],
  connecting: ["handshaking", "closing", "closed"],
  handshaking: ["open", "closing", "closed"],
  open: ["closing", "closed"],
  closing: ["closed"],
  closed: [],
};

/**
 * Holds the session's state. It changes only through {@link StateMachine.to},
 * which rejects moves the table does not allow and notifies on real changes.
 * @internal
 */
export class StateMachine {
  private current: SessionState = SessionState.idle;

  constructor(private readonly onChange: (state: SessionState, previous: SessionState) => void = () => {}) {}

  get state(): SessionState {
    return this.current;
  }

  /** True when the state is one of `states`. */
  is(...states: SessionState[]): boolean {
    return states.includes(this.current);
  }

  /** Moves to `next`; throws on a move the table forbids (a bug in the session). */
  to(next: SessionState): void {
    if (next === this.current) return;
    if (!NEXT[this.current].includes(next)) throw new Error(`invalid session state change ${this.current} -> ${next}`);
    const previous = this.current;
    this.current = next;
    this.onChange(next, previous);
  }
}
