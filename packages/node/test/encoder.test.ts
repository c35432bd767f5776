import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it, vi } from "vitest";
import { AvatarSession as CoreSession, type OpusEncoderFactory } from "@avatarkit/core/platform";
import { newAvatarSession } from "../src/index";
import { nodePlatform } from "../src/platform";
import { nodeOpusEncoderFactory } from "../src/opus-encoder";
import { optionsFor, recorder, SPEECH, tone, useSimulator, waitFor } from "./support";

const run = promisify(execFile);
const opus = { audioFormat: "ogg_opus" as const, bitrate: 32000, oggOpusEncoder: { frameDurationMs: 20 as const } };

async function opusinfo(stream: Uint8Array): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), "avatarkit-")), "s.opus");
  writeFileSync(file, stream);
  const { stdout, stderr } = await run("opusinfo", [file]);
  return stdout + stderr;
}

describe("built-in encoder through a session", () => {
  const sim = useSimulator();

  it.each(["auto", "native", "wasm"] as const)("backend %s: loads during start(), says which runs, streams a valid Ogg Opus request", async (backend) => {
    const debug: string[] = [];
    const encoded: Uint8Array[] = [];
    const rec = recorder();
    const session = newAvatarSession(
      optionsFor(sim(), {
        ...opus,
        oggOpusEncoder: { frameDurationMs: 20, backend },
        ...rec.callbacks,
        onEncodedAudio: (_reqId, stream) => void encoded.push(stream),
        logger: { warn: () => {}, debug: (message: string) => void debug.push(message) },
      }),
    );
    await session.init();
    await session.start();
    // The encoder was chosen while connecting, before any audio.
    await waitFor(() => debug.length > 0, 5000, "the encoder's debug line");
    expect(debug[0]).toMatch(backend === "wasm" ? /WebAssembly libopus$/ : /native libopus/); // the prebuilt binary loads on this machine
    await session.sendAudio(SPEECH.subarray(0, 32000), true);
    await rec.lastFrames();
    expect(sim().connections[0]!.requests[0]!.oggError).toBeUndefined();
    expect(await opusinfo(encoded[0]!)).toMatch(/Playback length: 0m:01\.0/);
    await session.close();
  });

  it("streams PCM as one valid Ogg Opus stream per request, and onEncodedAudio gets it once", async () => {
    const rec = recorder();
    const encoded: Array<[string, Uint8Array]> = [];
    const session = newAvatarSession(optionsFor(sim(), { ...opus, ...rec.callbacks, onEncodedAudio: (reqId, stream) => encoded.push([reqId, stream]) }));
    await session.init();
    await session.start();
    const chunk = 3200; // 100 ms
    let reqId = "";
    for (let offset = 0; offset < SPEECH.length; offset += chunk) reqId = await session.sendAudio(SPEECH.subarray(offset, offset + chunk), offset + chunk >= SPEECH.length);
    const second = await session.sendAudio(tone(1), true);
    await rec.lastFrames(2);

    const [first, next] = sim().connections[0]!.requests;
    expect(first).toMatchObject({ reqId, format: "ogg_opus", ended: true });
    expect(first!.oggError).toBeUndefined();
    expect(first!.durationMs).toBeCloseTo((SPEECH.length / 2 / 16000) * 1000, 0);
    expect(next).toMatchObject({ reqId: second, durationMs: 1000 });
    expect(rec.frames.length).toBe(Math.ceil((SPEECH.length / 32000) * 25) + 25);

    expect(encoded.map(([id]) => id)).toEqual([reqId, second]);
    expect(Buffer.from(encoded[0]![1]).equals(Buffer.from(first!.audio))).toBe(true); // what was sent is what onEncodedAudio got
    expect(await opusinfo(encoded[0]![1])).toMatch(/Playback length: 0m:12\.3/);
    await session.close();
  });

  it("an interrupt mid-request ends that stream properly; the next request is a new stream", async () => {
    const rec = recorder();
    const session = newAvatarSession(optionsFor(sim(), { ...opus, ...rec.callbacks }));
    await session.init();
    await session.start();
    const first = await session.sendAudio(tone(0.5));
    expect(await session.interrupt()).toBe(first);
    const second = await session.sendAudio(tone(0.3), true);
    await waitFor(() => sim().connections[0]!.requests.every((r) => r.ended) && sim().connections[0]!.requests.length === 2);
    const requests = sim().connections[0]!.requests;
    expect(requests.map((r) => [r.reqId, r.oggError])).toEqual([
      [first, undefined],
      [second, undefined],
    ]);
    expect(sim().connections[0]!.interrupts).toEqual([first]);
    const serial = (r: (typeof requests)[number]) => Buffer.from(r.audio).readUInt32LE(14);
    expect(serial(requests[0]!)).not.toBe(serial(requests[1]!));
    await session.close();
  });

  it("a throwing onEncodedAudio is logged and the session goes on", async () => {
    const warn = vi.fn();
    const rec = recorder();
    const session = newAvatarSession(
      optionsFor(sim(), { ...opus, ...rec.callbacks, logger: { warn }, onEncodedAudio: () => { throw new Error("disk full"); } }),
    );
    await session.init();
    await session.start();
    await session.sendAudio(tone(0.2), true);
    await session.sendAudio(tone(0.2), true);
    await rec.lastFrames(2);
    expect(warn.mock.calls.map((c) => c[0])).toEqual(["[avatarkit] onEncodedAudio callback threw", "[avatarkit] onEncodedAudio callback threw"]);
    await session.close();
  });

  it("without oggOpusEncoder, Ogg Opus bytes pass through untouched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "avatarkit-"));
    writeFileSync(join(dir, "in.pcm"), SPEECH.subarray(0, 64000));
    await run("opusenc", ["--quiet", "--raw", "--raw-rate", "16000", "--raw-chan", "1", "--bitrate", "24", join(dir, "in.pcm"), join(dir, "out.opus")]);
    const file = new Uint8Array(readFileSync(join(dir, "out.opus")));
    const rec = recorder();
    const session = newAvatarSession(optionsFor(sim(), { audioFormat: "ogg_opus", ...rec.callbacks }));
    await session.init();
    await session.start();
    for (let offset = 0; offset < file.length; offset += 1000) await session.sendAudio(file.subarray(offset, offset + 1000));
    await session.sendAudio(new Uint8Array(0), true);
    await rec.lastFrames();
    const request = sim().connections[0]!.requests[0]!;
    expect(request.oggError).toBeUndefined();
    expect(Buffer.from(request.audio).equals(Buffer.from(file))).toBe(true);
    expect(rec.frames.length).toBe(50);
    await session.close();
  });

  it("frees the encoder of a request whose session closed while the encoder loaded, or mid-request", async () => {
    const destroyed: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let opened = 0;
    const factory: OpusEncoderFactory = async (options) => {
      const encoder = await nodeOpusEncoderFactory(options);
      const name = `stream ${++opened}`;
      if (opened === 1) await gate; // the first stream's encoder loads slowly
      const destroy = encoder.destroy.bind(encoder);
      return Object.assign(encoder, { destroy: () => (destroyed.push(name), destroy()) });
    };
    const platform = { ...nodePlatform, loadOpusEncoder: async () => factory };

    const slow = new CoreSession(optionsFor(sim(), opus), platform);
    await slow.init();
    await slow.start();
    const pending = slow.sendAudio(tone(0.1)).catch((e: unknown) => e);
    await slow.close();
    release();
    expect(await pending).toMatchObject({ code: "invalidRequest", message: expect.stringMatching(/closed/) });
    expect(destroyed).toEqual(["stream 1"]);

    const midway = new CoreSession(optionsFor(sim(), opus), platform);
    await midway.init();
    await midway.start();
    await midway.sendAudio(tone(0.1)); // a request that never ends
    await midway.close();
    expect(destroyed).toEqual(["stream 1", "stream 2"]);
  });
});
