// One client process of bench/frames.mjs: connects to the flood server,
// takes one flood as a warm-up, then times `floods` more: this process's
// CPU time (user + system) from asking for a flood to its last frame.
//
//   node bench/lib/frames-client.mjs <sdk|ws|ws-view|ws-copy|ws-slice> <url> <frames per flood> <floods>
//
// - sdk: an @avatarkit/node session (start() with a pre-minted token, then
//   sendAudio(…, true) asks for each flood), frames counted in transportFrames;
// - ws: a bare `ws` client (nodebuffer) that only counts messages;
// - ws-view: the same, making the view the SDK hands out
//   (`new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)`);
// - ws-copy: the same, copying each message once (`new Uint8Array(buffer)`);
// - ws-slice: the same, copying with `Uint8Array.prototype.slice`.
import { createRequire } from "node:module";

const [variant, url, countText, floodsText = "3"] = process.argv.slice(2);
const count = Number(countText);
const floods = Number(floodsText);

let frames = 0;
let onLast = () => {};
const seen = () => {
  if (++frames === count) {
    frames = 0;
    onLast();
  }
};
const results = [];
let keep; // defeats dead-code elimination of the views and copies

/** Times one flood that `ask()` requests. */
async function timed(ask) {
  const done = new Promise((resolve) => (onLast = resolve));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await ask();
  await done;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuUsPerFrame: (cpu.user + cpu.system) / count };
}

if (variant === "sdk") {
  const { newAvatarSession } = await import("@avatarkit/node");
  const session = newAvatarSession({
    sessionToken: "flood-token",
    appId: "flood",
    avatarId: "flood",
    ingressEndpointUrl: url,
    logger: { warn: () => {} },
    transportFrames: seen,
  });
  await session.start();
  const ask = () => session.sendAudio(new Uint8Array(320), true);
  await timed(ask); // warm-up
  for (let i = 0; i < floods; i++) results.push(await timed(ask));
  await session.close();
} else {
  const require = createRequire(new URL("../../packages/node/package.json", import.meta.url));
  const WebSocket = require("ws");
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const handlers = {
    ws: () => seen(),
    "ws-view": (data) => {
      keep = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      seen();
    },
    "ws-copy": (data) => {
      keep = new Uint8Array(data);
      seen();
    },
    "ws-slice": (data) => {
      keep = Uint8Array.prototype.slice.call(data);
      seen();
    },
  };
  const onMessage = handlers[variant];
  if (onMessage === undefined) throw new Error(`unknown variant ${variant}`);
  let confirmed;
  const confirm = new Promise((resolve) => (confirmed = resolve));
  ws.once("message", () => {
    ws.on("message", onMessage);
    confirmed();
  });
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  ws.send(new Uint8Array(8)); // the "configure"
  await confirm;
  const ask = () => ws.send(new Uint8Array(8));
  await timed(ask);
  for (let i = 0; i < floods; i++) results.push(await timed(ask));
  ws.close();
}
void keep;
process.stdout.write(`${JSON.stringify({ variant, results })}\n`);
