/** Credentials and endpoints the demo server connects the page with. */
export interface DemoTarget {
  apiKey: string;
  appId: string;
  avatarId: string;
  consoleEndpointUrl: string;
  ingressEndpointUrl: string;
}

/** A running demo server. */
export interface DemoServer {
  /** The page's URL, e.g. `http://127.0.0.1:5173/`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the demo server for `target`: the page, the browser bundle, the sample clip and `POST /api/session`. */
export function startDemoServer(target: DemoTarget, options?: { port?: number; host?: string }): Promise<DemoServer>;
