// A small line chart on a <canvas>: a rolling window of points, one or more series.

export class LineChart {
  /** series: [{key, label, color}]; unit: appended to axis labels. */
  constructor(canvas, series, { unit = '', windowMs = 5 * 60 * 1000 } = {}) {
    this.canvas = canvas;
    this.series = series;
    this.unit = unit;
    this.windowMs = windowMs;
    this.points = [];
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  add(point) {
    this.points.push(point);
    const oldest = point.t - this.windowMs;
    while (this.points.length && this.points[0].t < oldest) this.points.shift();
    this.draw();
  }

  draw() {
    const { canvas } = this;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    if (!width || !height) return;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const g = canvas.getContext('2d');
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    const style = getComputedStyle(document.documentElement);
    const font = parseFloat(getComputedStyle(canvas).fontSize) * 0.75;
    g.font = `${font}px system-ui, sans-serif`;
    const left = font * 4.2, bottom = font * 1.8, top = font * 0.6, right = font * 0.6;
    const plotW = width - left - right, plotH = height - top - bottom;
    const now = this.points.length ? this.points[this.points.length - 1].t : Date.now();
    const start = now - this.windowMs;
    let max = 0;
    for (const p of this.points) for (const s of this.series) max = Math.max(max, p[s.key] ?? 0);
    max = niceCeiling(max || 1);

    g.strokeStyle = style.getPropertyValue('--line');
    g.fillStyle = style.getPropertyValue('--dim');
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const y = top + plotH - (plotH * i) / 4;
      g.beginPath(); g.moveTo(left, y); g.lineTo(left + plotW, y); g.stroke();
      g.fillText(format(max * i / 4) + this.unit, left - font * 0.4, y);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (let m = 0; m <= this.windowMs / 60000; m++) {
      const x = left + plotW - (plotW * m * 60000) / this.windowMs;
      g.textAlign = m === 0 ? 'right' : 'center';
      g.fillText(m === 0 ? 'now' : `-${m}m`, x, top + plotH + font * 0.4);
    }
    for (const s of this.series) {
      g.strokeStyle = s.color;
      g.lineWidth = 2;
      g.beginPath();
      let first = true;
      for (const p of this.points) {
        const value = p[s.key];
        if (value === undefined || value === null) continue;
        const x = left + ((p.t - start) / this.windowMs) * plotW;
        const y = top + plotH - (value / max) * plotH;
        if (first) { g.moveTo(x, y); first = false; } else g.lineTo(x, y);
      }
      g.stroke();
    }
  }
}

function niceCeiling(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function format(value) {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e4 ? 0 : 1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 1 : 0);
}
