/**
 * `sendAudio({ samples, sampleRate, channels })` over a real socket: what the
 * simulator receives is mono s16le at the session's rate, of the exact
 * length, whatever the chunking.
 */
import { describe, expect, it } from "vitest";
import { openSession, rejection, useSimulator } from "./support";

/** `seconds` of a stereo 48 kHz float sweep-ish signal (left a tone, right another). */
function stereo(seconds: number, rate = 48000): Float32Array {
  const frames = Math.round(seconds * rate);
  const out = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    out[2 * i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate);
    out[2 * i + 1] = 0.5 * Math.sin((2 * Math.PI * 660 * i) / rate);
  }
  return out;
}

/** Sends `samples` in chunks of the given sizes (frames), the last with end; returns what the simulator got. */
async function sendInChunks(sim: ReturnType<ReturnType<typeof useSimulator>>, samples: Float32Array, sizes: number[], sampleRate = 48000) {
  const { session, rec } = await openSession(sim);
  let offset = 0;
  let i = 0;
  while (offset < samples.length / 2) {
    const n = Math.min(sizes[i++ % sizes.length]!, samples.length / 2 - offset);
    const end = offset + n >= samples.length / 2;
    await session.sendAudio({ samples: samples.subarray(offset * 2, (offset + n) * 2), sampleRate, channels: 2 }, end);
    offset += n;
  }
  await rec.lastFrames();
  const request = sim.connections.at(-1)!.requests[0]!;
  await session.close();
  return request;
}

describe("sendAudio with samples", () => {
  const sim = useSimulator();

  it("stereo 48 kHz floats arrive as mono 16-bit at 16 kHz, of the exact length, with frames for it", async () => {
    const input = stereo(1.0005); // 48 024 frames → round(48 024 / 3) = 16 008 samples
    const request = await sendInChunks(sim(), input, [4800]);
    expect(request.bytes).toBe(16008 * 2);
    expect(request.durationMs).toBeCloseTo(1000.5, 1);
    // The mixdown of two 0.5-amplitude tones stays below full scale and is not silence.
    const pcm = new Int16Array(request.audio.buffer.slice(request.audio.byteOffset, request.audio.byteOffset + request.audio.byteLength));
    const peak = pcm.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(8000);
    expect(peak).toBeLessThan(32767);
  });

  it("the bytes on the wire do not depend on how the samples were chunked", async () => {
    const input = stereo(0.5);
    const whole = await sendInChunks(sim(), input, [1_000_000]);
    const ragged = await sendInChunks(sim(), input, [1, 7, 480, 3333, 50]);
    expect(Buffer.from(ragged.audio).equals(Buffer.from(whole.audio))).toBe(true);
  });

  it("refuses samples on an Ogg Opus pass-through session, and mixing bytes and samples in one request", async () => {
    const opus = await openSession(sim(), { audioFormat: "ogg_opus" });
    expect(await rejection(opus.session.sendAudio({ samples: new Float32Array(10), sampleRate: 48000 }))).toMatchObject({ code: "invalidRequest" });
    await opus.session.close();
    const { session } = await openSession(sim());
    await session.sendAudio({ samples: new Float32Array(480), sampleRate: 48000 });
    expect(await rejection(session.sendAudio(new Uint8Array(2)))).toMatchObject({ code: "invalidRequest", message: expect.stringMatching(/either bytes or samples/) });
    expect(await rejection(session.sendAudio({ samples: new Float32Array(3), sampleRate: 48000, channels: 2 }))).toMatchObject({ code: "invalidRequest" });
    expect(await rejection(session.sendAudio({ samples: new Float32Array(4), sampleRate: 44100 }, true))).toMatchObject({ message: expect.stringMatching(/one sampleRate/) });
    await session.close();
  });
});
