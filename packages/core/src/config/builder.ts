import type { AvatarSDKError } from "../errors/avatar-sdk-error";
import type {
  AgoraEgressConfig,
  AnimationFrame,
  PlaybackStateEvent,
  AudioFormat,
  LiveKitEgressConfig,
  Logger,
  OggOpusEncoderConfig,
  SessionOptions,
  SessionTimeouts,
} from "./options";
import { validateOptions, withoutEmptyOptionals } from "./validate";

/**
 * Builds {@link SessionOptions} step by step, one `withX` per option.
 *
 * ```ts
 * const options = new SessionConfigBuilder()
 *   .withAvatarId("avatar-123").withAppId("app").withIngressEndpointUrl(url)
 *   .withSessionToken(token)
 *   .build();
 * const session = new AvatarSession(options);
 * ```
 */
export class SessionConfigBuilder {
  private readonly options: Partial<SessionOptions> = {};

  private set<K extends keyof SessionOptions>(key: K, value: SessionOptions[K]): this {
    this.options[key] = value;
    return this;
  }

  withAvatarId(avatarId: string): this { return this.set("avatarId", avatarId); }
  withAppId(appId: string): this { return this.set("appId", appId); }
  withApiKey(apiKey: string): this { return this.set("apiKey", apiKey); }
  withSessionToken(sessionToken: string): this { return this.set("sessionToken", sessionToken); }
  withConsoleEndpointUrl(url: string): this { return this.set("consoleEndpointUrl", url); }
  withIngressEndpointUrl(url: string): this { return this.set("ingressEndpointUrl", url); }
  withExpireAt(expireAt: Date): this { return this.set("expireAt", expireAt); }
  withUseQueryAuth(useQueryAuth: boolean): this { return this.set("useQueryAuth", useQueryAuth); }
  withSampleRate(sampleRate: number): this { return this.set("sampleRate", sampleRate); }
  withBitrate(bitrate: number): this { return this.set("bitrate", bitrate); }
  withAudioFormat(audioFormat: AudioFormat): this { return this.set("audioFormat", audioFormat); }
  withOggOpusEncoder(config: OggOpusEncoderConfig): this { return this.set("oggOpusEncoder", config); }
  withOnEncodedAudio(handler: (reqId: string, audio: Uint8Array) => void): this { return this.set("onEncodedAudio", handler); }
  withTransportFrames(handler: (frame: Uint8Array, isLast: boolean) => void): this { return this.set("transportFrames", handler); }
  withOnError(handler: (error: AvatarSDKError) => void): this { return this.set("onError", handler); }
  withOnClose(handler: () => void): this { return this.set("onClose", handler); }
  withOnFrame(handler: (frame: AnimationFrame) => void): this { return this.set("onFrame", handler); }
  withOnPlaybackState(handler: (event: PlaybackStateEvent) => void): this { return this.set("onPlaybackState", handler); }
  withLivekitEgress(config: LiveKitEgressConfig): this { return this.set("livekitEgress", config); }
  withAgoraEgress(config: AgoraEgressConfig): this { return this.set("agoraEgress", config); }
  withTimeouts(timeouts: Partial<SessionTimeouts>): this { return this.set("timeouts", timeouts); }
  withSignal(signal: AbortSignal): this { return this.set("signal", signal); }
  withHighWaterMark(bytes: number): this { return this.set("highWaterMark", bytes); }
  withLogger(logger: Logger): this { return this.set("logger", logger); }

  /** Validates and returns the options; throws a `ConfigurationError` naming what to fix. */
  build(): SessionOptions {
    const options = withoutEmptyOptionals({ ...this.options } as SessionOptions);
    validateOptions(options);
    return options;
  }
}
