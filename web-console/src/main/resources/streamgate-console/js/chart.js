// A small live line chart in plain SVG: a few series over a sliding time window, y from 0 to a
// round maximum, grid lines with labels. No library, so the console works offline.
import { s } from './dom.js';
import { rate } from './format.js';

const HEIGHT = 200;
const PAD = { top: 12, right: 14, bottom: 26, left: 54 };

/** The smallest of 1, 2, 5 × 10^n at or above value (at least 1). */
function niceMax(value) {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= value);
}

/** A y-axis value, with the decimals a small maximum needs (0.25/s, 7.5/s, 10/s). */
const axisLabel = (value) => (value >= 1000 ? rate(value) : `${Number(value.toFixed(2))}/s`);

/**
 * Draws series [{label, cssClass, points: [[timeMs, value]]}] over [now - windowMs, now] as an
 * <svg> of the given pixel width, so that its text keeps its size whatever the container's.
 */
export function lineChart(title, series, now, windowMs, width) {
  const plotW = width - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(0, ...series.flatMap((line) => line.points.map(([, v]) => v))));
  const x = (t) => PAD.left + plotW * (1 - (now - t) / windowMs);
  const y = (v) => PAD.top + plotH * (1 - v / max);

  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const value = max * f;
    return s('g', { class: 'grid' },
      s('line', { x1: PAD.left, x2: width - PAD.right, y1: y(value), y2: y(value) }),
      s('text', { x: PAD.left - 8, y: y(value) + 4, 'text-anchor': 'end' }, axisLabel(value)));
  });
  const ticks = [1, 0.75, 0.5, 0.25, 0].map((f) => {
    const seconds = Math.round((windowMs * f) / 1000);
    return s('text', { class: 'tick', x: x(now - windowMs * f), y: HEIGHT - 6, 'text-anchor': f === 1 ? 'start' : f === 0 ? 'end' : 'middle' },
      seconds === 0 ? 'now' : `-${seconds}s`);
  });
  const lines = series.map((line) => {
    const visible = line.points.filter(([t]) => now - t <= windowMs);
    if (visible.length < 2) return null;
    const d = visible.map(([t, v], i) => `${i ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
    const area = `${d}L${x(visible[visible.length - 1][0]).toFixed(1)},${y(0)}L${x(visible[0][0]).toFixed(1)},${y(0)}Z`;
    return s('g', { class: `series ${line.cssClass}` }, s('path', { class: 'area', d: area }), s('path', { class: 'line', d }));
  });
  return s('svg', { viewBox: `0 0 ${width} ${HEIGHT}`, width: width, height: HEIGHT, class: 'chart', role: 'img', 'aria-label': title },
    s('title', null, title), grid, ticks, lines);
}
