// The AudioWorklet processor of captureMicrophone() (microphone.ts): mixes
// each render quantum of its input down to mono floats and posts them to the
// main thread in batches. Shipped as a file of its own next to the bundle and
// loaded with audioWorklet.addModule(new URL("./capture-worklet.js",
// import.meta.url)), so a strict Content-Security-Policy (no blob: or data:
// scripts) allows it.
//
// processorOptions: { batchFrames } — frames per message (default 1024).
// Messages in: { type: "flush" } posts what is buffered, then { type: "flushed" };
// Messages out: { type: "samples", samples: Float32Array } (transferred), { type: "flushed" }.

class AvatarkitCaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const batch = options?.processorOptions?.batchFrames;
    this.batchFrames = Number.isInteger(batch) && batch > 0 ? batch : 1024;
    this.buffer = new Float32Array(this.batchFrames);
    this.filled = 0;
    this.port.onmessage = (event) => {
      const type = event.data?.type;
      if (type === "flush") {
        this.post();
        this.port.postMessage({ type: "flushed" });
      }
    };
  }

  post() {
    if (this.filled === 0) return;
    const samples = this.buffer.slice(0, this.filled);
    this.filled = 0;
    this.port.postMessage({ type: "samples", samples }, [samples.buffer]);
  }

  process(inputs) {
    const channels = inputs[0];
    // No channels: the source is not producing (no track yet, or an ended one).
    if (channels === undefined || channels.length === 0) return true;
    const frames = channels[0].length;
    const scale = 1 / channels.length;
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < channels.length; c++) sum += channels[c][i];
      this.buffer[this.filled++] = channels.length === 1 ? sum : sum * scale;
      if (this.filled === this.batchFrames) this.post();
    }
    return true;
  }
}

registerProcessor("avatarkit-capture", AvatarkitCaptureProcessor);
