/**
 * The contract every {@link WebSocketFactory} keeps, as one suite run against
 * each platform's factory (as unstorage's `testDriver()` does for its
 * drivers). Talks to the simulator with raw protocol messages, below the
 * session.
 */
import { createServer } from "node:net";
import { DEMO_CREDENTIALS, startSimulator, type Simulator } from "@avatarkit/simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isTransportFailure, type TransportFailure, type WebSocketConnection, type WebSocketFactory } from "@avatarkit/core/platform";
// The codec is internal to core; the contract uses it to speak to the simulator.
import { decodeServerMessage, encodeConfigureSession } from "../../core/src/codec/index";

/** What differs between platforms. */
export interface FactoryTraits {
  /** Whether upgrade headers can be sent. */
  supportsHeaders: boolean;
  /** How a refused upgrade surfaces: with its HTTP status (Node), or only as close code 1006 (browsers). */
  refusal: "status" | "closeCode";
}

/** What one connection received through its callbacks. */
interface Received {
  messages: Array<Uint8Array | string>;
  closes: Array<{ code: number; reason: string }>;
}

const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await settle(5);
  }
}

async function failureOf(promise: Promise<unknown>): Promise<TransportFailure> {
  try {
    await promise;
  } catch (error) {
    expect(isTransportFailure(error)).toBe(true);
    return error as TransportFailure;
  }
  throw new Error("expected the connection attempt to fail");
}

/** Runs the WebSocket factory contract against `factory`. */
export function describeWebSocketFactory(name: string, factory: WebSocketFactory, traits: FactoryTraits): void {
  describe(`${name}: WebSocket factory contract`, () => {
    let sim: Simulator;
    beforeEach(async () => {
      sim = await startSimulator();
    });
    afterEach(async () => {
      await sim.close();
    });

    /** The ingress URL with query auth and a fresh token. */
    const url = (avatarId: string = DEMO_CREDENTIALS.avatarId) => {
      const u = new URL(`${sim.ingressEndpointUrl}/websocket`);
      u.searchParams.set("id", avatarId);
      u.searchParams.set("appId", DEMO_CREDENTIALS.appId);
      u.searchParams.set("sessionKey", sim.mintToken(DEMO_CREDENTIALS.appId, new Date(Date.now() + 60_000)));
      return u.href;
    };

    function connect(target = url(), signal = new AbortController().signal): { opening: Promise<WebSocketConnection>; received: Received } {
      const received: Received = { messages: [], closes: [] };
      const opening = factory.connect({
        url: target,
        headers: {},
        signal,
        onMessage: (data) => received.messages.push(data),
        onClose: (code, reason) => received.closes.push({ code, reason }),
      });
      return { opening, received };
    }

    /** Opens a connection and completes the handshake. */
    async function handshake() {
      const { opening, received } = connect();
      const connection = await opening;
      connection.send(encodeConfigureSession({ sampleRate: 16000, bitrate: 0, audioFormat: "pcm_s16le" }));
      await waitFor(() => received.messages.length > 0, "the confirm");
      return { connection, received };
    }

    it(`says whether it can send headers (${traits.supportsHeaders})`, () => {
      expect(factory.supportsHeaders).toBe(traits.supportsHeaders);
    });

    describe("connection establishing", () => {
      it("opens, sends binary frames and receives binary frames as Uint8Array", async () => {
        const { connection, received } = await handshake();
        const [confirm] = received.messages;
        expect(confirm).toBeInstanceOf(Uint8Array);
        expect(decodeServerMessage(confirm as Uint8Array)).toMatchObject({ kind: "confirm", connectionId: sim.connections[0]!.id });
        expect(sim.connections[0]).toMatchObject({ auth: "query", upgradeStatus: 101 });
        connection.close(1000, "done");
        await waitFor(() => received.closes.length === 1, "the close");
      });

      it("rejects a refused upgrade as the platform can tell it", async () => {
        sim.inject({ type: "refuse-upgrade", status: 404, body: '{"message":"Avatar not found"}' });
        const failure = await failureOf(connect().opening);
        if (traits.refusal === "status") {
          expect(failure).toMatchObject({ kind: "refused", status: 404, body: '{"message":"Avatar not found"}' });
        } else {
          expect(failure).toMatchObject({ kind: "failed", closeCode: 1006 });
          expect((failure as { message: string }).message).toMatch(/browsers do not expose why/);
        }
      });

      it("rejects an unreachable host as failed", async () => {
        const server = createServer();
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const { port } = server.address() as { port: number };
        await new Promise((resolve) => server.close(resolve));
        const failure = await failureOf(connect(`ws://127.0.0.1:${port}/v2/driveningress/websocket`).opening);
        expect(failure.kind).toBe("failed");
      });

      it("rejects as aborted when the signal fires during the upgrade", async () => {
        sim.inject({ type: "hang-upgrade" });
        const controller = new AbortController();
        const { opening } = connect(url(), controller.signal);
        await settle();
        const reason = new Error("stop");
        controller.abort(reason);
        expect(await failureOf(opening)).toMatchObject({ kind: "aborted", cause: reason });
      });

      it("rejects at once when the signal has already fired", async () => {
        const controller = new AbortController();
        controller.abort();
        expect((await failureOf(connect(url(), controller.signal).opening)).kind).toBe("aborted");
        await settle();
        expect(sim.connections).toHaveLength(0);
      });
    });

    describe("#onMessage", () => {
      it("delivers text frames as strings", async () => {
        sim.inject({ type: "text-frame", after: "confirm", text: "hello" });
        const { connection, received } = await handshake();
        await waitFor(() => received.messages.length === 2, "the text frame");
        expect(received.messages[1]).toBe("hello");
        connection.close(1000, "done");
      });
    });

    describe("#onClose", () => {
      it("reports a server close once, with its code and reason", async () => {
        sim.inject({ type: "close", after: "confirm", code: 4000, reason: "going away" });
        const { received } = await handshake();
        await waitFor(() => received.closes.length === 1, "the close");
        await settle();
        expect(received.closes).toEqual([{ code: 4000, reason: "going away" }]);
      });

      it("reports a dropped connection as 1006", async () => {
        sim.inject({ type: "drop", after: "confirm" });
        const { received } = await handshake();
        await waitFor(() => received.closes.length === 1, "the close");
        expect(received.closes[0]!.code).toBe(1006);
      });
    });

    describe("#close", () => {
      it("completes the closing handshake with the code and reason given", async () => {
        const { connection, received } = await handshake();
        connection.close(1000, "client closed");
        await waitFor(() => received.closes.length === 1, "the close");
        await waitFor(() => sim.connections[0]!.closed !== undefined, "the server to see the close");
        expect(sim.connections[0]!.closed).toMatchObject({ code: 1000, reason: "client closed", by: "client" });
      });
    });

    describe("#bufferedAmount", () => {
      it("is a number of bytes, zero once written", async () => {
        const { connection } = await handshake();
        await waitFor(() => connection.bufferedAmount === 0, "an empty send buffer");
        connection.close(1000, "done");
      });
    });

    describe("#terminate", () => {
      it("ends the connection", async () => {
        const { connection } = await handshake();
        connection.terminate();
        await waitFor(() => sim.connections[0]!.closed !== undefined, "the server to see the end");
      });
    });
  });
}
