// image.js: an image of the map for a story. Draws the map as it is in view at print resolution
// (at least twice the screen and 1,600 px wide) and bakes in what a reader of the story needs
// beside it: a title, the dates, the legend, a scale bar and the credits line.

import { t, isRtl } from './i18n.js';
import { number } from './format.js';

/** A round distance in metres for a scale bar of at most `maxM` metres: 1, 2 or 5 × 10ⁿ. */
export function roundDistance(maxM) {
  if (!(maxM > 0)) return 0;
  const p = 10 ** Math.floor(Math.log10(maxM));
  const d = maxM / p;
  return (d >= 5 ? 5 : d >= 2 ? 2 : 1) * p;
}

/** "500 m", "20 km". */
export function distanceLabel(m) {
  return m >= 1000 ? t('unit.km', { n: number(m / 1000) }) : t('unit.m', { n: number(m) });
}

/** Metres between two longitude/latitude points (haversine on a 6,371 km sphere). */
export function metres([lon1, lat1], [lon2, lat2]) {
  const r = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2
    + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** The scale factor of the image: at least 2, and enough for 1,600 px across. */
export const scaleFor = (cssWidth) => Math.max(2, Math.ceil(1600 / Math.max(1, cssWidth)));

/** Draws the map's next frame at `ratio` into a 2D canvas; the map's own ratio comes back after. */
function mapFrame(map, ratio) {
  const before = map.getPixelRatio();
  return new Promise((resolve) => {
    map.setPixelRatio(ratio);
    map.once('idle', () => {
      // A WebGL canvas holds its frame only until the browser shows it: copy it while the
      // 'render' event of a fresh frame runs.
      map.once('render', () => {
        const src = map.getCanvas();
        const copy = document.createElement('canvas');
        copy.width = src.width;
        copy.height = src.height;
        copy.getContext('2d').drawImage(src, 0, 0);
        map.setPixelRatio(before);
        resolve(copy);
      });
      map.triggerRepaint();
    });
  });
}

/**
 * A PNG of the map in view: `{ title, dates, legend: [{label, color, count}], credits }` drawn
 * around it. Resolves with `{ blob, width, height }`.
 */
export async function render(map, { title, dates, legend, credits }) {
  const box = map.getCanvas().getBoundingClientRect();
  const k = scaleFor(box.width);
  const frame = await mapFrame(map, k);
  const pad = 16 * k;
  const head = 58 * k;
  const foot = 64 * k;
  const out = document.createElement('canvas');
  out.width = frame.width;
  out.height = frame.height + head + foot;
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(frame, 0, head);
  ctx.textBaseline = 'middle';
  // A right-to-left page (Arabic) gets a mirrored image: text from the right, the legend from
  // the right, the scale bar at the left. `X` places a distance from the reading start.
  const rtl = isRtl();
  const X = (v) => (rtl ? out.width - v : v);
  ctx.direction = rtl ? 'rtl' : 'ltr';
  ctx.textAlign = 'start';
  const font = (px, weight = 400) => `${weight} ${px * k}px "DejaVu Sans", "Noto Sans", Arial, sans-serif`;
  // Title and dates.
  ctx.fillStyle = '#15202b';
  ctx.font = font(20, 700);
  ctx.fillText(title || t('image.default_title'), X(pad), 22 * k, out.width - 2 * pad);
  ctx.fillStyle = '#4a5663';
  ctx.font = font(13);
  ctx.fillText(dates || t('timeline.all'), X(pad), 44 * k, out.width - 2 * pad);
  // Legend, in reading order, under the map.
  let x = pad;
  const y1 = head + frame.height + 20 * k;
  ctx.font = font(13);
  for (const item of legend || []) {
    const text = item.count !== undefined ? `${item.label} (${item.count})` : item.label;
    const w = 14 * k + ctx.measureText(text).width + 18 * k;
    if (x + w > out.width - 220 * k) break;
    ctx.fillStyle = item.color || '#777';
    ctx.beginPath();
    ctx.arc(X(x + 5 * k), y1, 5 * k, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = '#15202b';
    ctx.fillText(text, X(x + 14 * k), y1);
    x += w;
  }
  // Scale bar at the end of the line (the right, or the left), measured across the middle of the map.
  const mid = box.height / 2;
  const perPx = metres(map.unproject([0, mid]).toArray(), map.unproject([100, mid]).toArray()) / 100;
  const dist = roundDistance(perPx * 120);
  if (dist > 0) {
    const len = (dist / perPx) * k;
    const right = out.width - pad;
    ctx.strokeStyle = '#15202b';
    ctx.lineWidth = 2 * k;
    ctx.beginPath();
    ctx.moveTo(X(right - len), y1 - 5 * k);
    ctx.lineTo(X(right - len), y1 + 3 * k);
    ctx.lineTo(X(right), y1 + 3 * k);
    ctx.lineTo(X(right), y1 - 5 * k);
    ctx.stroke();
    ctx.fillStyle = '#15202b';
    ctx.textAlign = 'end';
    ctx.fillText(distanceLabel(dist), X(right - len - 8 * k), y1);
    ctx.textAlign = 'start';
  }
  // Credits.
  ctx.fillStyle = '#4a5663';
  ctx.font = font(11);
  // The credits are Latin text ("© Natural Earth · …"): left to right even on a right-to-left image.
  ctx.direction = 'ltr';
  ctx.textAlign = rtl ? 'right' : 'left';
  ctx.fillText(credits || '', X(pad), head + frame.height + 46 * k, out.width - 2 * pad);
  const blob = await new Promise((resolve) => out.toBlob(resolve, 'image/png'));
  return { blob, width: out.width, height: out.height };
}
