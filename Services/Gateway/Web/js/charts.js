// Our own small SVG charts: horizontal bars, a funnel, and a line against a target. Each bar or stage can link to the
// records behind it. Sizes are in viewBox units; the SVG scales to its container.
import { s } from './dom.js';

const COLORS = { bar: '#1b4fd1', barAlt: '#5b7fe0', target: '#b4232a', grid: '#e3e8f0', text: '#172033', muted: '#505b6e', warn: '#c2410c', good: '#12703a' };

function linkWrap(href, label, child) {
  if (!href) return child;
  const a = s('a', { href, 'aria-label': label });
  a.append(child);
  return a;
}

/** items: [{ label, value (number for length), display (text), href }] → horizontal bar chart. */
export function hbar(items, { title, width = 460, rowHeight = 40, labelWidth = 96, valueWidth = 150 } = {}) {
  const height = Math.max(items.length, 1) * rowHeight + 8;
  const max = Math.max(1, ...items.map((i) => i.value));
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  svg.append(s('title', {}, title));
  const barSpace = width - labelWidth - valueWidth;
  items.forEach((item, index) => {
    const y = index * rowHeight + 8;
    const length = Math.max(2, (item.value / max) * barSpace);
    const g = s('g', { data: { test: 'bar' } },
      s('text', { x: 0, y: y + rowHeight / 2 - 2, 'font-size': 14, 'dominant-baseline': 'middle', fill: COLORS.text }, truncate(item.label, 7)),
      s('rect', { x: labelWidth, y: y + 6, width: length, height: rowHeight - 20, rx: 5, fill: index === 0 ? COLORS.bar : COLORS.barAlt }),
      s('text', { x: labelWidth + length + 8, y: y + rowHeight / 2 - 2, 'font-size': 13, 'dominant-baseline': 'middle', fill: COLORS.text }, item.display));
    svg.append(linkWrap(item.href, `${item.label} ${item.display}`, g));
  });
  return svg;
}

/** stages: [{ label, count, note, href }] → a centred funnel, each stage narrower than the one above. */
export function funnel(stages, { title, width = 460, rowHeight = 42 } = {}) {
  width = width || 460;
  const height = stages.length * rowHeight + 4;
  const max = Math.max(1, ...stages.map((x) => x.count));
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  svg.append(s('title', {}, title));
  const maxWidth = width - (width < 400 ? 150 : 190);
  const centre = (width < 400 ? 64 : 76) + maxWidth / 2;
  stages.forEach((stage, index) => {
    const y = index * rowHeight + 2;
    const w = Math.max(24, (stage.count / max) * maxWidth);
    const shade = ['#153fa8', '#1b4fd1', '#3d68d8', '#5b7fe0', '#12703a'][index % 5];
    const g = s('g', { data: { test: 'funnel-stage' } },
      s('text', { x: 0, y: y + rowHeight / 2, 'font-size': 14, 'dominant-baseline': 'middle', fill: COLORS.text }, stage.label),
      s('rect', { x: centre - w / 2, y: y + 4, width: w, height: rowHeight - 10, rx: 6, fill: shade }),
      s('text', { x: centre, y: y + rowHeight / 2, 'font-size': 15, 'font-weight': 700, 'text-anchor': 'middle', 'dominant-baseline': 'middle',
        fill: w > 40 ? '#ffffff' : COLORS.text }, String(stage.count)),
      s('text', { x: width - 4, y: y + rowHeight / 2, 'font-size': 13, 'text-anchor': 'end', 'dominant-baseline': 'middle', fill: COLORS.muted }, stage.note || ''));
    svg.append(linkWrap(stage.href, `${stage.label} ${stage.count}`, g));
  });
  return svg;
}

/**
 * points: [{ label, value (number|null), display }], target: number → a line of the values with a dashed target line.
 * Missing values (null) leave a gap.
 */
export function lineVsTarget(points, target, { title, targetLabel, width = 460, height = 200, href } = {}) {
  width = width || 460;
  const pad = { left: 40, right: 16, top: 16, bottom: 30 };
  const values = points.map((p) => p.value).filter((v) => v !== null && v !== undefined);
  const max = Math.max(target * 1.5, ...values, 1);
  const x = (i) => pad.left + (points.length === 1 ? 0 : (i * (width - pad.left - pad.right)) / (points.length - 1));
  const y = (v) => pad.top + (1 - v / max) * (height - pad.top - pad.bottom);
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  svg.append(s('title', {}, title));
  for (const tick of [0, max / 2, max]) {
    svg.append(s('line', { x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick), stroke: COLORS.grid }),
      s('text', { x: pad.left - 6, y: y(tick), 'font-size': 12, 'text-anchor': 'end', 'dominant-baseline': 'middle', fill: COLORS.muted }, tick.toFixed(1)));
  }
  svg.append(s('line', { x1: pad.left, x2: width - pad.right, y1: y(target), y2: y(target), stroke: COLORS.target, 'stroke-width': 2, 'stroke-dasharray': '6 5', data: { test: 'target-line' } }),
    s('text', { x: width - pad.right, y: y(target) - 6, 'font-size': 12, 'text-anchor': 'end', fill: COLORS.target }, targetLabel || String(target)));
  let d = '';
  points.forEach((p, i) => {
    if (p.value === null || p.value === undefined) return;
    d += `${d && points[i - 1] && points[i - 1].value !== null ? 'L' : 'M'}${x(i).toFixed(1)} ${y(p.value).toFixed(1)} `;
  });
  if (d) svg.append(s('path', { d, fill: 'none', stroke: COLORS.bar, 'stroke-width': 3, 'stroke-linejoin': 'round' }));
  points.forEach((p, i) => {
    svg.append(s('text', { x: x(i), y: height - 8, 'font-size': 12, 'text-anchor': 'middle', fill: COLORS.muted }, p.label));
    if (p.value === null || p.value === undefined) return;
    const dot = s('circle', { cx: x(i), cy: y(p.value), r: 5, fill: p.value > target ? COLORS.target : COLORS.bar, data: { test: 'line-point' } },
      s('title', {}, `${p.label}: ${p.display}`));
    svg.append(linkWrap(href, `${p.label}: ${p.display}`, dot));
  });
  return svg;
}

function truncate(text, n) {
  const chars = [...String(text)];
  return chars.length > n ? `${chars.slice(0, n - 1).join('')}…` : chars.join('');
}

// ---- Visit positions (issue 10): a map-free plot. Nothing is fetched: no map tiles, only the points themselves.

const EARTH_RADIUS_M = 6371008.8;
const REP_COLORS = ['#1b4fd1', '#12703a', '#8a4f00', '#6b2fb3', '#0e6b7a', '#a3316f', '#44556f'];

/** The colour of the rep at `index` in a plot's legend. */
export function repColor(index) {
  return REP_COLORS[index % REP_COLORS.length];
}

/** 1, 2 or 5 × 10^k metres: the largest such length not over `max`. */
function niceMeters(max) {
  const power = 10 ** Math.floor(Math.log10(Math.max(max, 1)));
  for (const step of [5, 2, 1]) if (step * power <= max) return step * power;
  return power;
}

/**
 * points: [{ id, label, color, far, position: {latitude, longitude}, customer: {latitude, longitude} | null }] →
 * each position a dot and its customer's location a ring, joined by a line, on an equirectangular projection
 * (x = Δlongitude·cos(mean latitude), y = Δlatitude, both in metres, one scale) fitted to the points, with a scale
 * bar in metres. A far visit's dot is drawn larger with a red outline. Returns the SVG (role img, titled); the caller
 * adds the table that is its text alternative and names it with `describedBy`.
 */
export function positionPlot(points, { title, describedBy, width = 460, height = 320, metersLabel = (m) => `${m} m` } = {}) {
  const pad = 28;
  const coords = points.flatMap((p) => [p.position, p.customer].filter(Boolean));
  const svg = s('svg', { class: 'chart plot', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title,
    'aria-describedby': describedBy, data: { test: 'visit-plot' } });
  svg.append(s('title', {}, title));
  svg.append(s('rect', { x: 0.5, y: 0.5, width: width - 1, height: height - 1, rx: 10, fill: '#f8fafd', stroke: COLORS.grid }));
  if (!coords.length) return svg;
  const meanLat = coords.reduce((sum, c) => sum + c.latitude, 0) / coords.length;
  const lat0 = Math.min(...coords.map((c) => c.latitude));
  const lon0 = Math.min(...coords.map((c) => c.longitude));
  const rad = Math.PI / 180;
  const project = (c) => ({
    x: (c.longitude - lon0) * rad * Math.cos(meanLat * rad) * EARTH_RADIUS_M,
    y: (c.latitude - lat0) * rad * EARTH_RADIUS_M,
  });
  const projected = coords.map(project);
  // At least 200 m across, so one point (or points a few metres apart) sits in the middle at a sensible scale.
  const spanX = Math.max(200, ...projected.map((p) => p.x));
  const spanY = Math.max(200, ...projected.map((p) => p.y));
  const areaWidth = width - 2 * pad;
  const areaHeight = height - 2 * pad - 24;
  const scale = Math.min(areaWidth / spanX, areaHeight / spanY);
  const left = pad + (areaWidth - Math.max(...projected.map((p) => p.x)) * scale) / 2;
  const bottom = pad + areaHeight - (areaHeight - Math.max(...projected.map((p) => p.y)) * scale) / 2;
  const toScreen = (c) => {
    const p = project(c);
    return { x: left + p.x * scale, y: bottom - p.y * scale };
  };
  for (const point of points) {
    const dot = toScreen(point.position);
    const g = s('g', { data: { test: 'plot-visit', id: point.id, far: point.far ? 'true' : null } });
    if (point.customer) {
      const ring = toScreen(point.customer);
      g.append(s('line', { x1: ring.x, y1: ring.y, x2: dot.x, y2: dot.y, stroke: point.far ? COLORS.target : point.color,
        'stroke-width': 1.5, 'stroke-dasharray': point.far ? '5 4' : null }),
      s('circle', { cx: ring.x, cy: ring.y, r: 7, fill: 'none', stroke: point.color, 'stroke-width': 2, data: { test: 'plot-customer' } }));
    }
    g.append(s('circle', { cx: dot.x, cy: dot.y, r: point.far ? 6 : 4.5, fill: point.color,
      stroke: point.far ? COLORS.target : '#ffffff', 'stroke-width': point.far ? 3 : 1.5, data: { test: 'plot-dot' } },
    s('title', {}, point.label)));
    svg.append(g);
  }
  // The scale bar: a round length of about a quarter of the plot's width.
  const meters = niceMeters(((width - 2 * pad) / 4) / scale);
  const length = meters * scale;
  const y = height - 14;
  svg.append(s('g', { data: { test: 'plot-scale', meters } },
    s('line', { x1: pad, x2: pad + length, y1: y, y2: y, stroke: COLORS.text, 'stroke-width': 2 }),
    s('line', { x1: pad, x2: pad, y1: y - 5, y2: y + 1, stroke: COLORS.text, 'stroke-width': 2 }),
    s('line', { x1: pad + length, x2: pad + length, y1: y - 5, y2: y + 1, stroke: COLORS.text, 'stroke-width': 2 }),
    s('text', { x: pad + length + 8, y, 'font-size': 12, 'dominant-baseline': 'middle', fill: COLORS.muted }, metersLabel(meters))));
  return svg;
}

/** A small round key of `color` for a legend (an SVG: the CSP allows no inline style). */
export function swatch(color, { ring = false } = {}) {
  return s('svg', { class: 'swatch-svg', viewBox: '0 0 12 12', width: 12, height: 12, 'aria-hidden': 'true' },
    s('circle', { cx: 6, cy: 6, r: ring ? 4.5 : 6, fill: ring ? 'none' : color, stroke: ring ? color : 'none', 'stroke-width': ring ? 2 : 0 }));
}
/**
 * items: [{ label, value (0…max), display, href, below (bool) }], target (0…max) → horizontal bars on a fixed scale
 * with a dashed vertical target line; bars under the target are drawn in the warning colour.
 */
export function hbarTarget(items, target, { title, targetLabel, max = 10000, width = 460, rowHeight = 40, labelWidth = 96, valueWidth = 80 } = {}) {
  const top = 22;
  const height = Math.max(items.length, 1) * rowHeight + top + 4;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  svg.append(s('title', {}, title));
  const barSpace = width - labelWidth - valueWidth;
  const scale = (v) => (Math.max(0, Math.min(max, v)) / max) * barSpace;
  items.forEach((item, index) => {
    const y = index * rowHeight + top;
    const length = Math.max(2, scale(item.value));
    const g = s('g', { data: { test: 'bar' } },
      s('text', { x: 0, y: y + rowHeight / 2 - 2, 'font-size': 14, 'dominant-baseline': 'middle', fill: COLORS.text }, truncate(item.label, 7)),
      s('rect', { x: labelWidth, y: y + 6, width: length, height: rowHeight - 20, rx: 5, fill: item.value < target ? COLORS.warn : COLORS.good }),
      s('text', { x: labelWidth + barSpace + 8, y: y + rowHeight / 2 - 2, 'font-size': 13, 'dominant-baseline': 'middle', fill: COLORS.text }, item.display));
    svg.append(linkWrap(item.href, `${item.label} ${item.display}`, g));
  });
  const x = labelWidth + scale(target);
  svg.append(s('line', { x1: x, x2: x, y1: top - 4, y2: height - 2, stroke: COLORS.target, 'stroke-width': 2, 'stroke-dasharray': '6 5', data: { test: 'target-line' } }),
    s('text', { x, y: 12, 'font-size': 12, 'text-anchor': 'end', fill: COLORS.target }, targetLabel || String(target)));
  return svg;
}

/**
 * Issue 11, true margin: items: [{ label, a, b, aDisplay, bDisplay, href }] (basis points) → per item two bars side by
 * side, `a` (quoted margin, blue) above `b` (true margin, green; red when negative). Bars start at 0; a negative value
 * draws a short red stub.
 */
export function pairedBars(items, { title, aLabel, bLabel, width = 460, rowHeight = 52, labelWidth = 96, valueWidth = 136 } = {}) {
  width = width || 460;
  const top = 4;
  const height = Math.max(items.length, 1) * rowHeight + top;
  const max = Math.max(1, ...items.flatMap((i) => [i.a, i.b].map((v) => Math.max(0, Number(v) || 0))));
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  svg.append(s('title', {}, title));
  const barSpace = width - labelWidth - valueWidth;
  const bar = (value) => Math.max(2, (Math.max(0, Number(value) || 0) / max) * barSpace);
  items.forEach((item, index) => {
    const y = index * rowHeight + top;
    const half = (rowHeight - 12) / 2;
    const trueColor = Number(item.b) < 0 ? COLORS.target : COLORS.good;
    const g = s('g', { data: { test: 'margin-pair', line: item.label } },
      s('text', { x: 0, y: y + rowHeight / 2 - 4, 'font-size': 14, 'dominant-baseline': 'middle', fill: COLORS.text }, truncate(item.label, 7)),
      s('rect', { x: labelWidth, y: y + 2, width: bar(item.a), height: half - 2, rx: 4, fill: COLORS.bar, data: { test: 'bar-quoted' } }),
      s('text', { x: labelWidth + bar(item.a) + 6, y: y + 2 + half / 2, 'font-size': 12, 'dominant-baseline': 'middle', fill: COLORS.text },
        `${aLabel} ${item.aDisplay}`),
      s('rect', { x: labelWidth, y: y + half + 2, width: bar(item.b), height: half - 2, rx: 4, fill: trueColor, data: { test: 'bar-true' } }),
      s('text', { x: labelWidth + bar(item.b) + 6, y: y + half + 2 + half / 2, 'font-size': 12, 'dominant-baseline': 'middle', fill: trueColor },
        `${bLabel} ${item.bDisplay}`));
    svg.append(linkWrap(item.href, `${item.label} ${aLabel} ${item.aDisplay} ${bLabel} ${item.bDisplay}`, g));
  });
  return svg;
}
