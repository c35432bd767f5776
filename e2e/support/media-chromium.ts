/**
 * Chromium switches for tests that need a browser of their own (launched
 * with `useChromiumWith`): a fake microphone fed from a file, the permission
 * prompt answered or not, audio allowed to start without a user gesture.
 */

/**
 * Switches for a fake microphone that plays `wavFile` (Chromium loops it);
 * `grant` answers the permission prompt with yes. Audio may start without a
 * user gesture.
 */
export function fakeMicrophoneArgs(wavFile: string | undefined, { grant = true } = {}): string[] {
  return [
    "--use-fake-device-for-media-stream",
    ...(wavFile === undefined ? [] : [`--use-file-for-fake-audio-capture=${wavFile}`]),
    ...(grant ? ["--use-fake-ui-for-media-stream"] : []),
    "--autoplay-policy=no-user-gesture-required",
  ];
}
