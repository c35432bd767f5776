/**
 * Drives the harness page (pages/harness.js) from a test: sessions of the
 * real browser bundle, created and called by index, their reports read back
 * as JSON.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";

/** An error as the page saw it: its fields, and whether it was an `AvatarSDKError` there. */
export interface PlainError {
  isAvatarSDKError: boolean;
  name?: string;
  code?: string;
  message?: string;
  phase?: string;
  httpStatus?: number;
  serverCode?: string;
  serverDetail?: string;
  connectionId?: string;
  reqId?: string;
  closeCode?: number;
  closeReason?: string;
  field?: string;
  retryable?: boolean;
}

/** What a page session reported through its callbacks. */
export interface PageState {
  state: string;
  connectionId?: string;
  capabilities: string[];
  frames: Array<{ hex: string; isLast: boolean }>;
  /** What `onFrame` received (bytes as hex). */
  contexts: Array<{ hex: string; reqId: string; isLast: boolean; avatarId?: string }>;
  /** What `onPlaybackState` received. */
  states: Array<{ reqId: string; state: string; playedMs: number; reason?: string; connectionId?: string }>;
  errors: PlainError[];
  closes: number;
  encoded: Array<{ reqId: string; bytes: number }>;
  /** What the SDK passed to `logger.warn`. */
  warnings: string[];
  /** `JSON.stringify(session.config)` in the page. */
  config: string;
}

/** The result of a session method called in the page. */
export type CallResult<T = unknown> = { value: T; error?: undefined } | { value?: undefined; error: PlainError };

interface HarnessApi {
  create(options: Record<string, unknown>): { index?: number; error?: PlainError };
  call(index: number, method: string, ...args: unknown[]): Promise<CallResult>;
  state(index: number): PageState;
  decodeFrames(index: number): DecodedFrame[];
  decodeError(hex: string): PlainError | undefined;
  generateLogId(): string;
}

declare global {
  interface Window {
    harness: HarnessApi;
    harnessReady?: boolean;
  }
}

/** A frame decoded in the page, keyframe arrays as plain numbers. */
export interface DecodedFrame {
  reqId: string;
  connectionId: string;
  end: boolean;
  avatarId: string;
  keyframes: Array<Record<"translation" | "rotation" | "neckPose" | "jawPose" | "eyePose" | "eyeLid" | "expression", number[]>>;
}

/** One request the page made. */
export interface SeenRequest {
  url: string;
  headers: Record<string, string>;
}

/** A harness page in its own browser context. */
export class Harness {
  /** Every request the page made (document, scripts, fetches, WebSocket upgrades). */
  readonly requests: SeenRequest[] = [];
  /** Uncaught exceptions and console errors (CSP violations land here). */
  readonly problems: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  static async open(browser: Browser, origin: string): Promise<Harness> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const harness = new Harness(context, page);
    page.on("request", (request) => harness.requests.push({ url: request.url(), headers: request.headers() }));
    page.on("websocket", (ws) => harness.requests.push({ url: ws.url(), headers: {} }));
    page.on("pageerror", (error) => harness.problems.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") harness.problems.push(`console: ${message.text()}`);
    });
    await page.goto(`${origin}/harness.html`);
    await page.waitForFunction(() => window.harnessReady === true);
    return harness;
  }

  /** Creates a session in the page; resolves with it, or with the error its constructor threw. */
  async create(options: Record<string, unknown>): Promise<{ session?: PageSession; error?: PlainError }> {
    const result = await this.page.evaluate((o) => window.harness.create(o), options);
    return result.error ? { error: result.error } : { session: new PageSession(this.page, result.index!) };
  }

  /** Creates a session that must construct. */
  async session(options: Record<string, unknown>): Promise<PageSession> {
    const { session, error } = await this.create(options);
    if (!session) throw new Error(`the session did not construct: ${JSON.stringify(error)}`);
    return session;
  }

  generateLogId(): Promise<string> {
    return this.page.evaluate(() => window.harness.generateLogId());
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

/** A session living in the page. */
export class PageSession {
  constructor(
    readonly page: Page,
    readonly index: number,
  ) {}

  /** Calls `method` in the page (`sendTone(seconds, end)` and `sendSpeech(chunkBytes?)` send generated audio). */
  call<T = unknown>(method: string, ...args: unknown[]): Promise<CallResult<T>> {
    return this.page.evaluate(([i, m, a]) => window.harness.call(i, m, ...a), [this.index, method, args] as const) as Promise<CallResult<T>>;
  }

  /** Calls `method` and returns its value; throws with the page's error if it rejected. */
  async value<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    const result = await this.call<T>(method, ...args);
    if (result.error) throw new Error(`${method}() rejected in the page: ${JSON.stringify(result.error)}`);
    return result.value as T;
  }

  /** Calls `method` and returns the error it rejected with; throws if it resolved. */
  async error(method: string, ...args: unknown[]): Promise<PlainError> {
    const result = await this.call(method, ...args);
    if (!result.error) throw new Error(`${method}() resolved in the page with ${JSON.stringify(result.value)}`);
    return result.error;
  }

  state(): Promise<PageState> {
    return this.page.evaluate((i) => window.harness.state(i), this.index);
  }

  /** The frames `onFrame` received, decoded in the page. */
  decodeFrames(): Promise<DecodedFrame[]> {
    return this.page.evaluate((i) => window.harness.decodeFrames(i), this.index);
  }

  /** Polls the page until `condition` holds for its state; returns that state. */
  async waitFor(condition: (state: PageState) => boolean, what: string, timeoutMs = 10_000): Promise<PageState> {
    const start = Date.now();
    for (;;) {
      const state = await this.state();
      if (condition(state)) return state;
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ ...state, frames: state.frames.length })}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Bytes as lower-case hex, as the page reports frames. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** Counts the frames marked `isLast`. */
export const lastFrames = (state: PageState): number => state.frames.filter((f) => f.isLast).length;
