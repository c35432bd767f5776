/**
 * How `start()` ends when a server answers the configure message with
 * something other than a confirm or a ServerError, or closes instead: the
 * behaviour of another implementation of the service, written as a raw
 * `ws` server per test.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { MessageSchema, MessageType } from "@avatarkit/simulator/gen";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { newAvatarSession } from "../src/index";
import { recorder, rejection, waitFor } from "./support";

let server: WebSocketServer | undefined;
afterEach(async () => {
  for (const client of server?.clients ?? []) client.terminate();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A server that answers the first message (the configure) with `answer`. */
async function serverAnswering(answer: (ws: WebSocket) => void): Promise<string> {
  server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => server!.once("listening", resolve));
  server.on("connection", (ws) => ws.once("message", () => answer(ws)));
  const { port } = server.address() as { port: number };
  return `ws://127.0.0.1:${port}/v2/driveningress`;
}

const animationBeforeConfirm = toBinary(
  MessageSchema,
  create(MessageSchema, { type: MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION, data: { case: "serverResponseAnimation", value: { reqId: "r", end: true } } }),
);

function session(ingressEndpointUrl: string, timeouts = { handshakeMs: 10_000 }) {
  const rec = recorder();
  return { rec, session: newAvatarSession({ appId: "a", avatarId: "b", sessionToken: "t", ingressEndpointUrl, timeouts, logger: { warn: () => {} }, ...rec.callbacks }) };
}

describe("start() fails at once with protocolError, reported once", () => {
  it.each([
    ["a text frame", (ws: WebSocket) => ws.send("hello")],
    ["an undecodable frame", (ws: WebSocket) => ws.send(new Uint8Array([0x0a, 0x05, 0x01]))],
    ["an animation frame before the confirm", (ws: WebSocket) => ws.send(animationBeforeConfirm)],
  ])("on %s", async (_what, answer) => {
    // A long handshake limit: the test passes only if start() does not wait for it.
    const { session: s, rec } = session(await serverAnswering(answer), { handshakeMs: 60_000 });
    const error = await rejection(s.start());
    expect(error).toMatchObject({ code: "protocolError", phase: "websocket_handshake", retryable: false });
    await waitFor(() => rec.closes === 1);
    expect(rec.errors).toEqual([error]);
  });
});

describe("a close during the handshake is connectionClosed", () => {
  it("with the close code and reason (1008 configure rejected)", async () => {
    const { session: s, rec } = session(await serverAnswering((ws) => ws.close(1008, "configure rejected")));
    const error = await rejection(s.start());
    expect(error).toMatchObject({ code: "connectionClosed", phase: "websocket_handshake", closeCode: 1008, closeReason: "configure rejected" });
    await waitFor(() => rec.closes === 1);
    expect(rec.errors).toEqual([error]);
  });

  it("a §8 close code maps as §8 says (4010 → sessionTokenInvalid, not retryable)", async () => {
    const { session: s } = session(await serverAnswering((ws) => ws.close(4010, "authentication failed")));
    expect(await rejection(s.start())).toMatchObject({ code: "sessionTokenInvalid", closeCode: 4010, retryable: false, phase: "websocket_handshake" });
  });
});
