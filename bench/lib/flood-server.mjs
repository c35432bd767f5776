// A WebSocket server for bench/frames.mjs, in its own process: it answers
// the first message of a connection (the configure) with a confirmation,
// and every later message with a flood of identical ~1 KB animation frames,
// the last with end = true. Prints its URL as one JSON line; runs until its
// stdin closes.
//
//   node bench/lib/flood-server.mjs <frames per flood>
import { createRequire } from "node:module";
import { create, toBinary } from "@bufbuild/protobuf";
import { MessageSchema, MessageType } from "@avatarkit/simulator/gen";

const require = createRequire(new URL("../../packages/simulator/package.json", import.meta.url));
const { WebSocketServer } = require("ws");

const count = Number(process.argv[2] ?? "100000");
const frame = (end) =>
  toBinary(
    MessageSchema,
    create(MessageSchema, {
      type: MessageType.MESSAGE_SERVER_RESPONSE_ANIMATION,
      data: {
        case: "serverResponseAnimation",
        value: {
          connectionId: "flood",
          reqId: "20260101000000_flood_0000",
          end,
          avatarId: "",
          // 240 floats: a message of about 1 KB, as a frame of the service.
          animation: { keyframes: [{ expression: Array.from({ length: 240 }, (_, i) => Math.sin(i)) }] },
        },
      },
    }),
  );
const middle = frame(false);
const last = frame(true);
const confirm = toBinary(
  MessageSchema,
  create(MessageSchema, { type: MessageType.MESSAGE_SERVER_CONFIRM_SESSION, data: { case: "serverConfirmSession", value: { connectionId: "flood", capabilities: [] } } }),
);

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
server.on("connection", (ws) => {
  let configured = false;
  ws.on("message", () => {
    if (!configured) {
      configured = true;
      ws.send(confirm);
      return;
    }
    void flood(ws);
  });
});

/** Sends `count` frames, waiting for the socket to drain now and then so that memory stays bounded. */
async function flood(ws) {
  const socket = ws._socket;
  for (let i = 0; i < count; i++) {
    ws.send(i === count - 1 ? last : middle);
    if (socket.writableNeedDrain) await new Promise((resolve) => socket.once("drain", resolve));
  }
}

await new Promise((resolve) => server.once("listening", resolve));
process.stdout.write(`${JSON.stringify({ url: `ws://127.0.0.1:${server.address().port}/v2/driveningress`, frameBytes: middle.length })}\n`);
process.stdin.on("end", () => server.close(() => process.exit(0)));
process.stdin.resume();
