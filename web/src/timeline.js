// timeline.js: the histogram under the map (from /api/events/histogram, with every filter but
// the time window), the brush that sets the time window, the play button that steps the window
// through time, and the events in view whose time is uncertain drawn as spans above the bars.
// All times are UTC, like the API's buckets.

import { api, aborted } from './api.js';
import * as state from './state.js';
import { filterParams } from './data.js';
import { s, debounce } from './dom.js';
import { isUncertain, windowLabel, number, eventTime } from './format.js';
import { t as tr, tn, locale, isRtl } from './i18n.js';
import { colorOf } from './events.js';

const $ = (id) => document.getElementById(id);
const DAY = 86400e3;
const M = { left: 10, right: 10, lanes: 4, lane: 7, bars: 40, axis: 18 };

let hist = { bucket: 'day', total: 0, buckets: [] };
let domain = null;
let spans = [];
let svgEl = null;
let width = 600;
let drag = null;
let preview = null;
let playTimer = null;
let controller = null;
let pickEvent = () => {};

// ---- UTC calendar arithmetic ----------------------------------------------------------------
// (floor, add, windowStrings and pickBucket are exported for the unit tests in web/test/.)

/** The start of the UTC hour, day, week (from Monday), month or year that holds `t`. */
export function floor(t, unit) {
  const d = new Date(t);
  const y = d.getUTCFullYear(); const m = d.getUTCMonth(); const day = d.getUTCDate();
  switch (unit) {
    case 'hour': return Math.floor(t / 3600e3) * 3600e3;
    case 'week': return Date.UTC(y, m, day - ((d.getUTCDay() + 6) % 7));
    case 'month': return Date.UTC(y, m, 1);
    case 'year': return Date.UTC(y, 0, 1);
    default: return Date.UTC(y, m, day);
  }
}

/** `t` moved by `n` hours, days, weeks, months or years on the UTC calendar. */
export function add(t, unit, n = 1) {
  const d = new Date(t);
  const y = d.getUTCFullYear(); const m = d.getUTCMonth(); const day = d.getUTCDate();
  switch (unit) {
    case 'hour': return t + n * 3600e3;
    case 'week': return Date.UTC(y, m, day + 7 * n, d.getUTCHours());
    case 'month': case 'year': {
      // The same day of the month reached, or its last: 31 January + 1 month is 28 February
      // (not 3 March, which would skip February when playing or stepping by months).
      const to = m + (unit === 'month' ? n : 12 * n);
      const last = new Date(Date.UTC(y, to + 1, 0)).getUTCDate();
      return Date.UTC(y, to, Math.min(day, last), d.getUTCHours());
    }
    default: return Date.UTC(y, m, day + n, d.getUTCHours());
  }
}

const ceil = (t, unit) => { const f = floor(t, unit); return f === t ? t : add(f, unit); };
const isDate = (v) => /^\d{4}-\d{2}-\d{2}$/.test(v);

/** The state's time window in milliseconds [start, end), or null when open. */
export function windowMs(st = state.get()) {
  const { start, end } = st.time;
  if (!start && !end) return null;
  const a = start ? Date.parse(isDate(start) ? `${start}T00:00:00Z` : start) : null;
  const b = end ? (isDate(end) ? Date.parse(`${end}T00:00:00Z`) + DAY : Date.parse(end)) : null;
  return [a, b];
}

/** A window [a, b) as the state's strings: dates when it falls on days, else instants. */
export function windowStrings(a, b) {
  const whole = a % DAY === 0 && b % DAY === 0;
  const iso = (t) => new Date(t).toISOString().replace('.000Z', 'Z');
  if (whole) return { start: iso(a).slice(0, 10), end: iso(b - DAY).slice(0, 10) };
  return { start: iso(a), end: iso(b) };
}

// ---- loading ------------------------------------------------------------------------------------

// The finest bucket is a day: most reports know no more than the day, and a short story is
// shown on a timeline at least two weeks wide instead.
export function pickBucket(first, last) {
  const span = last - first;
  if (span <= 400 * DAY) return 'day';
  if (span <= 4 * 365 * DAY) return 'week';
  if (span <= 40 * 365 * DAY) return 'month';
  return 'year';
}

/** Reloads the histogram for the current filters (the time window does not change it). */
export async function reload() {
  if (controller) controller.abort();
  controller = new AbortController();
  const { signal } = controller;
  const params = filterParams(state.get(), { time: false });
  try {
    let r = await api('/api/events/histogram', { params: { ...params, bucket: 'day' }, signal });
    if (r.buckets.length) {
      const first = Date.parse(r.buckets[0].start);
      const last = Date.parse(r.buckets[r.buckets.length - 1].start);
      const bucket = pickBucket(first, last + DAY);
      if (bucket !== 'day') r = await api('/api/events/histogram', { params: { ...params, bucket }, signal });
    }
    hist = { bucket: r.bucket, total: r.total, buckets: r.buckets.map((b) => ({ t: Date.parse(b.start), count: b.count })) };
    computeDomain();
    draw();
  } catch (e) {
    if (!aborted(e)) $('tl-total').textContent = tr('timeline.error', { message: e.message });
  }
}

function computeDomain() {
  const unit = hist.bucket;
  let a; let b;
  if (hist.buckets.length) {
    a = add(hist.buckets[0].t, unit, -1);
    b = add(hist.buckets[hist.buckets.length - 1].t, unit, 2);
  } else {
    b = floor(Date.now(), 'day') + DAY;
    a = b - 30 * DAY;
  }
  const MIN = 14 * DAY;
  if (b - a < MIN) {
    const pad = Math.ceil((MIN - (b - a)) / 2 / DAY) * DAY;
    a -= pad;
    b += pad;
  }
  const w = windowMs();
  if (w) {
    if (w[0] !== null) a = Math.min(a, floor(w[0], unit));
    if (w[1] !== null) b = Math.max(b, ceil(w[1], unit));
  }
  domain = [a, b];
}

/** Most spans drawn: past a few hundred they are a solid band that says nothing more. */
const MAX_SPANS = 250;

/** The uncertain events in view (the most recent ones, newest first as loaded), drawn as spans. */
export function setSpans(features) {
  const out = [];
  for (const f of features) {
    if (isUncertain(f.properties)) out.push(f);
    if (out.length >= MAX_SPANS) break;
  }
  const same = out.length === spans.length && out.every((f, i) => f === spans[i]);
  spans = out;
  if (!same) draw();
}

// ---- drawing ------------------------------------------------------------------------------------

// Time runs left to right, and right to left in a right-to-left language (Arabic): `xl` is the
// position in reading order, `x` the one on screen (the margins are equal, so mirroring keeps them).
const rtl = isRtl();
const xl = (t) => M.left + ((t - domain[0]) / (domain[1] - domain[0])) * (width - M.left - M.right);
const x = (t) => (rtl ? width - xl(t) : xl(t));
const tAt = (px) => domain[0] + (((rtl ? width - px : px) - M.left) / (width - M.left - M.right)) * (domain[1] - domain[0]);

const TICKS = [
  ['hour', 1], ['hour', 3], ['hour', 6], ['hour', 12], ['day', 1], ['day', 2], ['week', 1], ['month', 1],
  ['month', 3], ['month', 6], ['year', 1], ['year', 2], ['year', 5], ['year', 10], ['year', 25],
];
const approx = { hour: 3600e3, day: DAY, week: 7 * DAY, month: 30.5 * DAY, year: 365.25 * DAY };
const tickFmt = {
  hour: new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }),
  day: new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', day: 'numeric', month: 'short' }),
  month: new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', month: 'short', year: 'numeric' }),
  year: new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', year: 'numeric' }),
};

function ticks() {
  const pxPerMs = (width - M.left - M.right) / (domain[1] - domain[0]);
  const [unit, n] = TICKS.find(([u, k]) => approx[u] * k * pxPerMs >= 78) || ['year', 50];
  const out = [];
  let t = floor(domain[0], unit === 'week' ? 'week' : unit);
  if (unit === 'year') t = Date.UTC(Math.ceil(new Date(t).getUTCFullYear() / n) * n, 0, 1);
  if (unit === 'month') { const d = new Date(t); t = Date.UTC(d.getUTCFullYear(), Math.ceil(d.getUTCMonth() / n) * n, 1); }
  while (t <= domain[1] && out.length < 60) {
    if (t >= domain[0]) out.push(t);
    t = add(t, unit, n);
  }
  const f = unit === 'week' ? tickFmt.day : tickFmt[unit];
  return out.map((v) => ({ t: v, label: f.format(new Date(v)) }));
}

function lanesOf(items) {
  const ends = [];
  return items
    .map((f) => ({ f, a: Date.parse(f.properties.start), b: Date.parse(f.properties.end) }))
    .sort((p, q) => p.a - q.a)
    .map((it) => {
      let lane = ends.findIndex((e) => e < xl(it.a) - 3);
      if (lane === -1) lane = ends.length < M.lanes ? ends.length : M.lanes - 1;
      ends[lane] = Math.max(ends[lane] || 0, xl(it.b));
      return { ...it, lane };
    });
}

function draw() {
  if (!domain || !svgEl) return;
  const chart = $('tl-chart');
  width = Math.max(200, chart.clientWidth);
  const lanesH = M.lanes * M.lane;
  const barsTop = lanesH + 4;
  const height = barsTop + M.bars + M.axis;
  svgEl.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svgEl.setAttribute('width', width);
  svgEl.setAttribute('height', height);
  const w = preview || windowMs();
  const [wa, wb] = w ? [w[0] ?? domain[0], w[1] ?? domain[1]] : [null, null];
  const max = Math.max(1, ...hist.buckets.map((b) => b.count));
  const unit = hist.bucket;
  const children = [];

  children.push(s('rect', { class: 'tl-bg', x: M.left, y: barsTop, width: width - M.left - M.right, height: M.bars }));
  for (const b of hist.buckets) {
    const x0 = Math.min(x(b.t), x(add(b.t, unit)));
    const x1 = Math.max(x(b.t), x(add(b.t, unit)));
    const hgt = Math.max(2, (b.count / max) * (M.bars - 2));
    const inside = w ? b.t < wb && add(b.t, unit) > wa : true;
    children.push(s('rect', {
      class: `tl-bar${inside ? ' in' : ''}`, x: x0 + 0.5, y: barsTop + M.bars - hgt, width: Math.max(1, x1 - x0 - 1), height: hgt,
    }, s('title', {}, tn(unit === 'week' ? 'timeline.bar_week' : 'timeline.bar', b.count, { when: tickFmt[unit === 'week' ? 'day' : unit].format(new Date(b.t)) }))));
  }
  children.push(s('line', { class: 'tl-base', x1: M.left, x2: width - M.right, y1: barsTop + M.bars + 0.5, y2: barsTop + M.bars + 0.5 }));
  for (const t of ticks()) {
    const px = x(t.t);
    children.push(s('line', { class: 'tl-tick', x1: px, x2: px, y1: barsTop + M.bars, y2: barsTop + M.bars + 4 }));
    // Right to left, the SVG text inherits direction: rtl, so its start (the default anchor) is its right edge.
    children.push(s('text', { class: 'tl-label', x: rtl ? px - 3 : px + 3, y: height - 4 }, t.label));
  }
  for (const sp of lanesOf(spans)) {
    const y = 3 + sp.lane * M.lane;
    const x0 = Math.max(M.left, Math.min(x(sp.a), x(sp.b)));
    const x1 = Math.min(width - M.right, Math.max(x(sp.a), x(sp.b), x0 + 2));
    const line = s('line', { class: 'tl-span', x1: x0, x2: x1, y1: y, y2: y, 'data-id': String(sp.f.id), stroke: colorOf(sp.f.properties.category) },
      s('title', {}, tr('timeline.span', { title: sp.f.properties.title, when: eventTime(sp.f.properties) })));
    children.push(line);
  }
  if (w) {
    const a = Math.max(M.left, Math.min(x(wa), x(wb)));
    const b = Math.min(width - M.right, Math.max(x(wa), x(wb)));
    children.push(s('rect', { class: 'tl-brush', x: a, y: 0, width: Math.max(2, b - a), height: barsTop + M.bars }));
    children.push(s('rect', { class: 'tl-handle', x: a - 2, y: barsTop + 8, width: 4, height: M.bars - 16 }));
    children.push(s('rect', { class: 'tl-handle', x: b - 2, y: barsTop + 8, width: 4, height: M.bars - 16 }));
  }
  svgEl.replaceChildren(...children);
  svgEl.classList.toggle('has-window', !!w);
  texts(w);
}

function texts(w) {
  const has = w && !preview;
  const wa = w ? (w[0] ?? domain[0]) : null;
  const wb = w ? (w[1] ?? domain[1]) : null;
  const withHours = hist.bucket === 'hour';
  if (w) $('tl-window').textContent = windowLabel(wa, wb - (withHours ? 0 : 1), withHours);
  else $('tl-window').textContent = tr('timeline.all');
  let inWindow = hist.total;
  if (w) inWindow = hist.buckets.filter((b) => b.t >= floor(wa, hist.bucket) && b.t < wb).reduce((n, b) => n + b.count, 0);
  $('tl-total').textContent = w
    ? tn('timeline.in_window', hist.total, { count: number(inWindow) })
    : tn(`timeline.total.${hist.bucket}`, hist.total);
  $('tl-clear').hidden = !has;
  svgEl.setAttribute('aria-label', `${tn(`timeline.aria.${hist.bucket}`, hist.total)} ${$('tl-window').textContent}. ${tr('timeline.keys')}`);
}

// ---- brushing -----------------------------------------------------------------------------------

function commit(a, b, history = 'push', source = 'timeline') {
  state.update({ time: windowStrings(a, b) }, { history, source });
}

function snap(a, b) {
  const unit = hist.bucket;
  const lo = floor(Math.min(a, b), unit);
  let hi = ceil(Math.max(a, b), unit);
  if (hi <= lo) hi = add(lo, unit);
  return [Math.max(lo, domain[0]), Math.min(hi, domain[1])];
}

function pointerX(e) {
  const r = svgEl.getBoundingClientRect();
  return ((e.clientX - r.left) / r.width) * width;
}

function onDown(e) {
  if (e.button !== 0 || !domain) return;
  stop();
  const px = pointerX(e);
  const span = e.target.closest && e.target.closest('.tl-span');
  if (span) { pickEvent(span.dataset.id); return; }
  const w = windowMs();
  const wa = w ? x(w[0] ?? domain[0]) : null;
  const wb = w ? x(w[1] ?? domain[1]) : null;
  let mode = 'new';
  if (w && Math.abs(px - wa) < 7) mode = 'w';
  else if (w && Math.abs(px - wb) < 7) mode = 'e';
  else if (w && px > Math.min(wa, wb) && px < Math.max(wa, wb)) mode = 'move';
  drag = { mode, x0: px, t0: tAt(px), w: w ? [w[0] ?? domain[0], w[1] ?? domain[1]] : null, moved: false };
  svgEl.setPointerCapture(e.pointerId);
  e.preventDefault();
}

function onMove(e) {
  if (!drag) return;
  const px = pointerX(e);
  if (Math.abs(px - drag.x0) > 3) drag.moved = true;
  if (!drag.moved) return;
  const t = tAt(px);
  if (drag.mode === 'new') preview = snap(drag.t0, t);
  else if (drag.mode === 'w') preview = snap(Math.min(t, drag.w[1] - 1), drag.w[1]);
  else if (drag.mode === 'e') preview = snap(drag.w[0], Math.max(t, drag.w[0] + 1));
  else {
    const dt = t - drag.t0;
    const len = drag.w[1] - drag.w[0];
    let a = floor(drag.w[0] + dt, hist.bucket);
    a = Math.max(domain[0], Math.min(a, domain[1] - len));
    preview = [a, a + len];
  }
  draw();
}

function onUp(e) {
  if (!drag) return;
  const d = drag;
  drag = null;
  const p = preview;
  preview = null;
  if (d.moved && p) { commit(p[0], p[1]); return; }
  // A click on a bar chooses its bucket.
  const t = tAt(pointerX(e));
  const b = hist.buckets.find((k) => t >= k.t && t < add(k.t, hist.bucket));
  if (b) commit(b.t, add(b.t, hist.bucket));
  else draw();
}

function onKey(e) {
  if (!domain) return;
  const unit = hist.bucket;
  const w = windowMs();
  let [a, b] = w ? [w[0] ?? domain[0], w[1] ?? domain[1]] : [floor(domain[1], unit), domain[1]];
  if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
    // The arrow towards the past: left, or right when time runs right to left.
    const n = (e.key === 'ArrowLeft') !== rtl ? -1 : 1;
    if (e.shiftKey) b = Math.max(add(a, unit), add(b, unit, n));
    else { a = add(a, unit, n); b = add(b, unit, n); }
    if (a < domain[0] || b > domain[1] + 1) return;
    e.preventDefault();
    commit(a, b, 'replace');
  } else if ((e.key === 'Delete' || e.key === 'Backspace') && w) {
    e.preventDefault();
    clear();
  }
}

/** Opens the time window again. */
export function clear() {
  stop();
  state.update({ time: { start: '', end: '' } });
}

// ---- playing ------------------------------------------------------------------------------------

function stop() {
  if (!playTimer) return;
  clearInterval(playTimer);
  playTimer = null;
  const btn = $('tl-play');
  btn.setAttribute('aria-pressed', 'false');
  btn.setAttribute('aria-label', tr('timeline.play'));
  btn.classList.remove('playing');
}

function play() {
  if (!domain || !hist.buckets.length) return;
  const unit = hist.bucket;
  const w = windowMs();
  let len;
  let a;
  if (w && w[0] !== null && w[1] !== null && w[1] < domain[1]) {
    [a] = w;
    len = w[1] - w[0];
  } else {
    const steps = Math.max(1, Math.round((domain[1] - domain[0]) / approx[unit] / 8));
    a = domain[0];
    len = add(a, unit, steps) - a;
  }
  commit(a, a + len, 'push', 'play');
  const btn = $('tl-play');
  btn.setAttribute('aria-pressed', 'true');
  btn.setAttribute('aria-label', tr('timeline.pause'));
  btn.classList.add('playing');
  playTimer = setInterval(() => {
    a = add(a, unit);
    if (a + len > domain[1] + approx[unit] / 2) { stop(); return; }
    commit(a, a + len, 'replace', 'play');
  }, 900);
}

export const playing = () => !!playTimer;

/** Stops playing when the reader changes the time some other way. */
export function interrupt() {
  stop();
}

export function init({ onPick }) {
  pickEvent = onPick;
  svgEl = s('svg', { class: 'tl-svg', role: 'img', tabindex: '0', focusable: 'true' });
  $('tl-chart').append(svgEl);
  svgEl.addEventListener('pointerdown', onDown);
  svgEl.addEventListener('pointermove', onMove);
  svgEl.addEventListener('pointerup', onUp);
  svgEl.addEventListener('pointercancel', () => { drag = null; preview = null; draw(); });
  svgEl.addEventListener('keydown', onKey);
  $('tl-play').addEventListener('click', () => (playTimer ? stop() : play()));
  $('tl-clear').addEventListener('click', clear);
  new ResizeObserver(debounce(draw, 60)).observe($('tl-chart'));
}

/** Redraws after the time window changed elsewhere (filters, history). */
export function windowChanged() {
  if (!domain) return;
  computeDomain();
  draw();
}
