import { inspect } from "node:util";
import { describe, expect, it, vi } from "vitest";
import { ConfigurationError } from "../errors/avatar-sdk-error";
import { SessionConfigBuilder } from "./builder";
import type { SessionOptions } from "./options";
import { REDACTED } from "./redact";
import { resolveConfig } from "./resolve";
import { validateOptions } from "./validate";

const base: SessionOptions = { avatarId: "a", appId: "app", ingressEndpointUrl: "wss://api.example.com/v2/driveningress" };

/** Asserts that `options` is refused, naming `field`. */
function refused(options: Partial<SessionOptions> | Record<string, unknown>, field: string, message?: RegExp) {
  let error: unknown;
  try {
    validateOptions({ ...base, ...options } as SessionOptions);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigurationError);
  expect((error as ConfigurationError).field).toBe(field);
  expect((error as ConfigurationError).code).toBe("invalidRequest");
  if (message) expect((error as Error).message).toMatch(message);
}

describe("validateOptions", () => {
  it("accepts a minimal configuration", () => {
    expect(() => validateOptions(base)).not.toThrow();
  });

  it.each([
    [{ avatarId: "" }, "avatarId"],
    [{ appId: undefined }, "appId"],
    [{ ingressEndpointUrl: "api.example.com/v2" }, "ingressEndpointUrl"],
    [{ ingressEndpointUrl: "ftp://api.example.com" }, "ingressEndpointUrl"],
    [{ consoleEndpointUrl: "ws://console.example.com" }, "consoleEndpointUrl"],
    [{ apiKey: "" }, "apiKey"],
    [{ sessionToken: "  " }, "sessionToken"],
    [{ expireAt: new Date("nope") }, "expireAt"],
    [{ expireAt: 123 }, "expireAt"],
    [{ useQueryAuth: "yes" }, "useQueryAuth"],
    [{ audioFormat: "mp3" }, "audioFormat"],
    [{ bitrate: -1 }, "bitrate"],
    [{ bitrate: 1.5 }, "bitrate"],
    [{ transportFrames: "not a function" }, "transportFrames"],
    [{ timeouts: { connectMs: 0 } }, "timeouts.connectMs"],
    [{ highWaterMark: 0 }, "highWaterMark"],
    [{ logger: {} }, "logger"],
  ])("refuses %j", (options, field) => refused(options, field));

  it("accepts http(s) and ws(s) ingress URLs", () => {
    for (const url of ["http://h/x", "https://h/x", "ws://h/x", "wss://h/x/"]) {
      expect(() => validateOptions({ ...base, ingressEndpointUrl: url })).not.toThrow();
    }
  });

  it("checks the sample rate against the format", () => {
    refused({ sampleRate: 12000 }, "sampleRate", /12000 Hz is not allowed for pcm_s16le; use one of 8000, 16000/);
    refused({ sampleRate: 44100, audioFormat: "ogg_opus" }, "sampleRate", /use one of 8000, 12000, 16000, 24000, 48000/);
    expect(() => validateOptions({ ...base, sampleRate: 12000, audioFormat: "ogg_opus" })).not.toThrow();
    expect(() => validateOptions({ ...base, sampleRate: 44100 })).not.toThrow();
  });

  it("checks the built-in encoder settings", () => {
    refused({ oggOpusEncoder: {} }, "oggOpusEncoder", /needs audioFormat "ogg_opus"/);
    refused({ audioFormat: "ogg_opus", oggOpusEncoder: { frameDurationMs: 25 } }, "oggOpusEncoder.frameDurationMs");
    refused({ audioFormat: "ogg_opus", oggOpusEncoder: { application: "music" } }, "oggOpusEncoder.application");
    refused({ onEncodedAudio: () => {} }, "onEncodedAudio");
  });

  it("refuses both egresses at once", () => {
    refused(
      { livekitEgress: { url: "wss://lk", roomName: "r", apiToken: "t" }, agoraEgress: { channelName: "c" } },
      "livekitEgress",
      /cannot both be set/,
    );
  });

  it("checks LiveKit and Agora fields", () => {
    refused({ livekitEgress: { url: "wss://lk", roomName: "r" } }, "livekitEgress.apiToken", /provide apiToken/);
    refused({ livekitEgress: { url: "wss://lk", roomName: "r", apiKey: "k" } }, "livekitEgress.apiToken");
    refused({ livekitEgress: { url: "", roomName: "r", apiToken: "t" } }, "livekitEgress.url");
    refused({ livekitEgress: { url: "wss://lk", roomName: "", apiToken: "t" } }, "livekitEgress.roomName");
    refused({ livekitEgress: { url: "wss://lk", roomName: "r", apiToken: "t", idleTimeout: -5 } }, "livekitEgress.idleTimeout");
    refused({ livekitEgress: { url: "wss://lk", roomName: "r", apiToken: "t", extraAttributes: { a: 1 } } }, "livekitEgress.extraAttributes");
    refused({ agoraEgress: { channelName: "" } }, "agoraEgress.channelName");
    refused({ agoraEgress: { channelName: "c", uid: -1 } }, "agoraEgress.uid");
    expect(() => validateOptions({ ...base, agoraEgress: { channelName: "c", uid: 2 ** 32 - 1 } })).not.toThrow();
  });
});

describe("resolveConfig", () => {
  it("applies the defaults", () => {
    const config = resolveConfig(base, false);
    expect(config).toMatchObject({ sampleRate: 16000, bitrate: 0, audioFormat: "pcm_s16le", useQueryAuth: false, highWaterMark: 1048576 });
    expect(config.timeouts).toEqual({ sessionTokenMs: 10000, connectMs: 10000, handshakeMs: 10000, closeMs: 2000, drainMs: 15000 });
    expect(resolveConfig(base, true).useQueryAuth).toBe(true);
    expect(resolveConfig({ ...base, useQueryAuth: false }, true).useQueryAuth).toBe(false);
    expect(resolveConfig({ ...base, timeouts: { connectMs: 5 } }, false).timeouts.connectMs).toBe(5);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("keeps secrets out of JSON.stringify and util.inspect", () => {
    const secrets = ["SECRET-API-KEY", "SECRET-TOKEN", "SECRET-LK-TOKEN", "SECRET-LK-KEY", "SECRET-LK-SECRET"];
    const config = resolveConfig(
      {
        ...base,
        apiKey: secrets[0],
        sessionToken: secrets[1],
        livekitEgress: { url: "wss://lk", roomName: "r", apiToken: secrets[2], apiKey: secrets[3], apiSecret: secrets[4] },
        logger: { warn: () => {} },
      },
      false,
    );
    const json = JSON.stringify(config);
    const shown = inspect(config, { depth: 5 });
    for (const secret of secrets) {
      expect(json).not.toContain(secret);
      expect(shown).not.toContain(secret);
    }
    expect(json).toContain(REDACTED);
    expect(config.apiKey).toBe(secrets[0]);
    const agora = resolveConfig({ ...base, agoraEgress: { channelName: "c", token: "SECRET-AGORA" } }, false);
    expect(JSON.stringify(agora)).not.toContain("SECRET-AGORA");
  });

  it("warns once per process about deprecated LiveKit keys", async () => {
    vi.resetModules(); // a fresh module: the warning above may have been given already
    const { resolveConfig } = await import("./resolve");
    const warn = vi.fn();
    const options = { ...base, livekitEgress: { url: "wss://lk", roomName: "r", apiKey: "k", apiSecret: "s" }, logger: { warn } };
    resolveConfig(options, false);
    resolveConfig(options, false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/deprecated.*apiToken/);
  });
});

describe("SessionConfigBuilder", () => {
  it("has a withX method for every option", () => {
    const options: Required<Omit<SessionOptions, "agoraEgress">> = {
      avatarId: "a", appId: "app", ingressEndpointUrl: "wss://h", apiKey: "k", consoleEndpointUrl: "https://c",
      expireAt: new Date(), sessionToken: "t", useQueryAuth: true, sampleRate: 24000, bitrate: 32000,
      audioFormat: "ogg_opus", oggOpusEncoder: { frameDurationMs: 40 }, onEncodedAudio: () => {},
      transportFrames: () => {}, onFrame: () => {}, onPlaybackState: () => {}, onError: () => {}, onClose: () => {},
      livekitEgress: { url: "wss://lk", roomName: "r", apiToken: "t" }, timeouts: { connectMs: 1 },
      signal: new AbortController().signal, highWaterMark: 10, logger: console,
    };
    const builder = new SessionConfigBuilder() as unknown as Record<string, (v: unknown) => unknown>;
    for (const [key, value] of Object.entries(options)) {
      const method = `with${key[0]!.toUpperCase()}${key.slice(1)}`;
      expect(typeof builder[method], method).toBe("function");
      builder[method]!.call(builder, value);
    }
    expect((builder as unknown as SessionConfigBuilder).build()).toEqual(options);
    expect(typeof (builder as unknown as SessionConfigBuilder).withAgoraEgress).toBe("function");
  });

  it("validates on build()", () => {
    expect(() => new SessionConfigBuilder().withAvatarId("a").build()).toThrow(ConfigurationError);
  });
});
