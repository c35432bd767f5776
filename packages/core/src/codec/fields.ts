/**
 * Field numbers and enum values of proto/message/message.proto, the wire
 * contract. A test checks every number here against the generated schema.
 * @internal
 */

export const MessageType = {
  unspecified: 0,
  clientConfigureSession: 1,
  serverConfirmSession: 2,
  clientAudioInput: 3,
  serverError: 4,
  serverResponseAnimation: 5,
  clientInterrupt: 7,
} as const;

export const MessageField = {
  type: 1,
  clientConfigureSession: 2,
  serverConfirmSession: 3,
  clientAudioInput: 4,
  serverError: 5,
  serverResponseAnimation: 6,
  clientInterrupt: 8,
} as const;

export const ConfigureField = {
  sampleRate: 1,
  bitrate: 2,
  audioFormat: 3,
  transportCompression: 4,
  egressType: 5,
  livekitEgress: 6,
  agoraEgress: 7,
} as const;

export const LiveKitField = {
  url: 1,
  apiKey: 2,
  apiSecret: 3,
  roomName: 4,
  publisherId: 5,
  extraAttributes: 6,
  idleTimeout: 7,
  apiToken: 8,
} as const;

export const AgoraField = { channelName: 1, token: 2, uid: 3, publisherId: 4 } as const;
export const ConfirmField = { connectionId: 1 } as const;
export const AudioInputField = { reqId: 1, end: 2, audio: 3 } as const;
export const ServerErrorField = { connectionId: 1, reqId: 2, code: 3, message: 4 } as const;
export const AnimationField = { connectionId: 1, reqId: 2, end: 3 } as const;
export const InterruptField = { reqId: 1 } as const;
/** Map entries (`extra_attributes`). */
export const MapEntryField = { key: 1, value: 2 } as const;

export const WireAudioFormat = { pcm_s16le: 0, ogg_opus: 1 } as const;
export const WireEgressType = { unspecified: 0, livekit: 1, agora: 2 } as const;
