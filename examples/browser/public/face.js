// Drawing: a simple 2D face from one FLAME keyframe, and a plot of the clip's
// waveform with the mouth opening over time. No state of its own.

/** The simulator's (and a typical) widest jaw opening, radians. */
export const JAW_MAX = 0.35;

/**
 * Draws a face: the mouth opens with `jaw` (jawPose[0], radians), the eyelids
 * close with `eyeLid` (0 open, 1 closed, per eye), the head turns with
 * `rotation` (axis-angle radians: x nods, y turns, z tilts).
 * @param {HTMLCanvasElement} canvas
 * @param {{ jaw: number, eyeLid: [number, number], rotation: [number, number, number] }} pose
 */
export function drawFace(canvas, { jaw, eyeLid, rotation }) {
  const g = canvas.getContext("2d");
  const { width: w, height: h } = canvas;
  g.clearRect(0, 0, w, h);
  g.save();
  // Exaggerated a little so that the service's small head motion shows.
  const [pitch, yaw, roll] = rotation;
  g.translate(w / 2 + yaw * 4 * w * 0.25, h / 2 + pitch * 4 * h * 0.2);
  g.rotate(roll * 4);
  const turn = yaw * 4 * 30; // features slide towards the side the head turns to

  // Head.
  g.fillStyle = "#f4d3b5";
  g.strokeStyle = "#7a5233";
  g.lineWidth = 3;
  g.beginPath();
  g.ellipse(0, 0, w * 0.36, h * 0.42, 0, 0, Math.PI * 2);
  g.fill();
  g.stroke();

  // Eyes: whites, irises, and lids that come down over them.
  for (const [side, lid] of [[-1, eyeLid[0]], [1, eyeLid[1]]]) {
    const x = side * w * 0.13 + turn;
    const y = -h * 0.1;
    const rx = w * 0.065;
    const ry = h * 0.045;
    g.fillStyle = "#fff";
    g.beginPath();
    g.ellipse(x, y, rx, ry, 0, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = "#3b5b8c";
    g.beginPath();
    g.arc(x + turn * 0.15, y, ry * 0.7, 0, Math.PI * 2);
    g.fill();
    const closed = Math.max(0, Math.min(1, lid));
    if (closed > 0) {
      g.fillStyle = "#e8bf9c";
      g.beginPath();
      g.rect(x - rx - 1, y - ry - 1, 2 * rx + 2, (2 * ry + 2) * closed);
      g.fill();
    }
    g.strokeStyle = "#7a5233";
    g.lineWidth = 2;
    g.beginPath();
    g.ellipse(x, y, rx, ry, 0, 0, Math.PI * 2);
    g.stroke();
  }

  // Nose.
  g.strokeStyle = "#b07a52";
  g.beginPath();
  g.moveTo(turn * 1.2, -h * 0.04);
  g.lineTo(turn * 1.2 - 8, h * 0.06);
  g.lineTo(turn * 1.2 + 4, h * 0.07);
  g.stroke();

  // Mouth: closed is a line, open is a dark oval as tall as the jaw is open.
  const open = Math.max(0, Math.min(1, jaw / JAW_MAX));
  const mx = turn;
  const my = h * 0.2;
  const mw = w * 0.13;
  if (open < 0.01) {
    g.strokeStyle = "#8c3b3b";
    g.lineWidth = 3;
    g.beginPath();
    g.moveTo(mx - mw, my);
    g.quadraticCurveTo(mx, my + 6, mx + mw, my);
    g.stroke();
  } else {
    g.fillStyle = "#5a1f24";
    g.strokeStyle = "#8c3b3b";
    g.lineWidth = 3;
    g.beginPath();
    g.ellipse(mx, my + open * h * 0.04, mw * (1 - open * 0.25), 3 + open * h * 0.09, 0, 0, Math.PI * 2);
    g.fill();
    g.stroke();
  }
  g.restore();
}

/**
 * Draws the waveform of `samples` (min/max per column), the mouth opening of
 * each keyframe (25 a second), and a playhead at `playheadSeconds`.
 * @param {HTMLCanvasElement} canvas
 * @param {{ samples?: Float32Array, sampleRate?: number, seconds: number, jaws: number[], playheadSeconds?: number }} data
 */
export function drawPlot(canvas, { samples, sampleRate, seconds, jaws, playheadSeconds }) {
  const g = canvas.getContext("2d");
  const { width: w, height: h } = canvas;
  g.clearRect(0, 0, w, h);
  g.fillStyle = "#fbfcfe";
  g.fillRect(0, 0, w, h);
  const span = Math.max(seconds, jaws.length / 25, 1);
  const waveTop = 10;
  const waveHeight = h * 0.45;
  const jawTop = waveTop + waveHeight + 20;
  const jawHeight = h - jawTop - 20;

  g.fillStyle = "#667085";
  g.font = "11px system-ui, sans-serif";
  g.fillText("waveform", 6, waveTop + 10);
  g.fillText("mouth opening", 6, jawTop + 10);
  g.fillText(`${span.toFixed(1)} s`, w - 40, h - 6);

  if (samples && sampleRate) {
    g.strokeStyle = "#98a2b3";
    g.beginPath();
    const per = (span * sampleRate) / w;
    for (let x = 0; x < w; x++) {
      const from = Math.floor(x * per);
      const to = Math.min(samples.length, Math.floor((x + 1) * per));
      if (from >= samples.length) break;
      let lo = 0;
      let hi = 0;
      for (let i = from; i < to; i++) {
        if (samples[i] < lo) lo = samples[i];
        if (samples[i] > hi) hi = samples[i];
      }
      const mid = waveTop + waveHeight / 2;
      g.moveTo(x + 0.5, mid - hi * (waveHeight / 2));
      g.lineTo(x + 0.5, mid - lo * (waveHeight / 2) + 1);
    }
    g.stroke();
  }

  g.strokeStyle = "#d9dee7";
  g.beginPath();
  g.moveTo(0, jawTop + jawHeight + 0.5);
  g.lineTo(w, jawTop + jawHeight + 0.5);
  g.stroke();
  g.strokeStyle = "#3451d1";
  g.lineWidth = 2;
  g.beginPath();
  jaws.forEach((jaw, i) => {
    const x = ((i + 0.5) / 25 / span) * w;
    const y = jawTop + jawHeight - Math.min(1, jaw / JAW_MAX) * jawHeight;
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.stroke();
  g.lineWidth = 1;

  if (playheadSeconds !== undefined && playheadSeconds >= 0) {
    const x = (playheadSeconds / span) * w;
    g.strokeStyle = "#d92d20";
    g.beginPath();
    g.moveTo(x + 0.5, 0);
    g.lineTo(x + 0.5, h);
    g.stroke();
  }
}
