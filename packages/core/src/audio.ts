/**
 * `@avatarkit/core/audio`: the built-in PCM → Ogg Opus encoder's building
 * blocks (the per-request stream and the WebAssembly libopus glue). A
 * subpath of its own, so that platform packages load it in a lazy chunk and
 * pages that never encode never download it.
 *
 * @packageDocumentation
 */
export {
  OggOpusStream,
  opusLookahead,
  isOggOpusSampleRate,
  isOpusFrameDuration,
  isOpusApplication,
  OGG_OPUS_SAMPLE_RATES,
  OPUS_FRAME_DURATIONS,
  type OggOpusSampleRate,
  type OpusFrameDuration,
  type OggOpusStreamInit,
  type OggOpusStreamOptions,
} from "./encoder/ogg-opus-stream";
export { createWasmOpusEncoderFactory, type OpusWasmSource } from "./encoder/opus-wasm";
