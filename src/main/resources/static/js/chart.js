// A small line chart on a <canvas>: a rolling window of points, one or more series.

export class LineChart {
  /**
   * series: [{key, label, color}]; unit: appended to axis labels; label: what the chart shows, its
   * text alternative with the latest values (a canvas is an image to a screen reader). A point
   * whose `follows` is false is not joined to the one before: nothing was measured between them.
   */
  constructor(canvas, series, { unit = '', windowMs = 5 * 60 * 1000, label = '' } = {}) {
    this.canvas = canvas;
    this.label = label;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', label);
    this.series = series;
    this.unit = unit;
    this.windowMs = windowMs;
    this.points = [];
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  add(point) {
    this.points.push(point);
    const latest = this.series.map((s) => `${s.key} ${point[s.key] == null ? 'not measured'
      : `${point[s.key].toLocaleString(undefined, { maximumFractionDigits: 2 })}${this.unit}`}`);
    this.canvas.setAttribute('aria-label', `${this.label}, last 5 minutes; now ${latest.join(', ')}`);
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
    let max = 0;
    for (const p of this.points) for (const s of this.series) max = Math.max(max, p[s.key] ?? 0);
    const { top: scale, ticks } = axis(max);
    // Room for the widest value label ("0.015 ms").
    const labelWidth = Math.max(...ticks.map((tick) => g.measureText(tick.label + this.unit).width));
    const left = Math.max(font * 4.2, labelWidth + font * 0.8), bottom = font * 1.8, top = font * 0.6, right = font * 0.6;
    const plotW = width - left - right, plotH = height - top - bottom;
    const now = this.points.length ? this.points[this.points.length - 1].t : Date.now();
    const start = now - this.windowMs;

    g.strokeStyle = style.getPropertyValue('--line');
    g.fillStyle = style.getPropertyValue('--dim');
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (const tick of ticks) {
      const y = top + plotH - (plotH * tick.value) / scale;
      g.beginPath(); g.moveTo(left, y); g.lineTo(left + plotW, y); g.stroke();
      g.fillText(tick.label + this.unit, left - font * 0.4, y);
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
      // A line across a stretch without points (Tempora unreachable, or the page elsewhere) drew
      // values nobody measured: the line stops at the last point before it and starts again after.
      let last = null;
      for (const p of this.points) {
        const value = p[s.key];
        if (value === undefined || value === null) {
          last = null; // not measured: the line breaks here
          continue;
        }
        const x = left + ((p.t - start) / this.windowMs) * plotW;
        const y = top + plotH - (value / scale) * plotH;
        if (last === null || p.follows === false) g.moveTo(x, y); else g.lineTo(x, y);
        last = p;
      }
      g.stroke();
    }
  }
}

/**
 * The value axis from 0 to max (1 when max is 0): at most five steps of 1, 2 or 5 × 10^k, each
 * label with the decimals its step needs. (Quarters of the top rounded to one decimal read 0.25
 * as 0.3, and ticks 0.005 apart all as 0.0.)
 */
export function axis(max) {
  const rough = (max || 1) / 5;
  let exponent = Math.floor(Math.log10(rough));
  let multiple = [1, 2, 5, 10].find((m) => m * 10 ** exponent >= rough);
  if (multiple === 10) [multiple, exponent] = [1, exponent + 1];
  const step = multiple * 10 ** exponent;
  const count = Math.ceil((max || 1) / step - 1e-9);
  const ticks = [];
  for (let i = 0; i <= count; i++) ticks.push({ value: i * step, label: label(i * step, exponent) });
  return { top: count * step, ticks };
}

/** A tick's value, in k or M from a thousand on, with the decimals a step of 10^exponent needs. */
function label(value, exponent) {
  const [digits, prefix] = value >= 1e6 ? [6, 'M'] : value >= 1e3 ? [3, 'k'] : [0, ''];
  return (value / 10 ** digits).toFixed(Math.max(0, digits - exponent)) + prefix;
}
