// data.js: loads the events the map, list, legend and timeline show: the filters and time window
// of the state, inside a box around the viewport. Panning inside the box already loaded costs
// nothing; leaving it (or a filter change) loads again, cancelling any older request. Other
// modules read the loaded events here and never fetch the list themselves.

import { api, aborted } from './api.js';
import * as state from './state.js';

/** Most events loaded at once (the API's maximum page). */
export const LIMIT = 10000;

let features = [];
let byId = new Map();
let loaded = { key: null, box: null, view: null, truncated: false, matched: 0 };
let controller = null;
// The load on its way: {key, box}. A view that settles inside its box (the page laying out, a
// nudge) waits for it instead of cancelling it and asking again.
let pending = null;
const listeners = new Set();

/** Calls `fn(kind)` when events arrive (`'data'`), a load starts (`'loading'`) or fails (`'error'`). */
export function on(fn) {
  listeners.add(fn);
}

function emit(kind, detail) {
  for (const fn of listeners) fn(kind, detail);
}

export const all = () => features;
export const get = (id) => byId.get(id);
export const info = () => ({ ...loaded, returned: features.length });

/** The API parameters of the state's filters, with or without its time window. */
export function filterParams(s = state.get(), { time = true } = {}) {
  const f = s.filters;
  const p = {
    q: f.q,
    category: f.categories,
    status: f.statuses,
    actor: f.actor,
    place: f.place,
    radius_km: f.place && f.radius !== state.DEFAULT_RADIUS ? f.radius : '',
  };
  if (time) {
    p.start = s.time.start;
    p.end = s.time.end;
  }
  return p;
}

/** The viewport as [west, south, east, north] with longitudes in -180..180: west is greater
 *  than east when the view crosses the antimeridian; the whole world when it spans it all. */
export function viewWindow(map) {
  const b = map.getBounds();
  const south = Math.max(-90, b.getSouth());
  const north = Math.min(90, b.getNorth());
  if (b.getEast() - b.getWest() >= 360) return [-180, south, 180, north];
  const wrap = (x) => ((((x + 180) % 360) + 360) % 360) - 180;
  return [wrap(b.getWest()), south, wrap(b.getEast()), north];
}

/** The viewport as [west, south, east, north] in -180..180, widened to the whole world in
 *  longitude when it crosses the antimeridian or spans it all (for the API's bbox). */
export function viewBox(map) {
  const [w, s, e, n] = viewWindow(map);
  return w > e ? [-180, s, 180, n] : [w, s, e, n];
}

function pad([w, s, e, n], f) {
  const dx = (e - w) * f;
  const dy = (n - s) * f;
  return [Math.max(-180, w - dx), Math.max(-90, s - dy), Math.min(180, e + dx), Math.min(90, n + dy)];
}

const contains = (a, b) => a && a[0] <= b[0] && a[1] <= b[1] && a[2] >= b[2] && a[3] >= b[3];
/** Whether two views are the same but for a sliver (a resize by a few pixels, a settling map). */
const sameView = (a, b) => !!a && a.every((x, i) => Math.abs(x - b[i]) <= 0.01 * Math.max(b[2] - b[0], b[3] - b[1]));
const round = (x) => Math.round(x * 1e4) / 1e4;

/** Loads the events for the map's view unless the loaded ones already cover it. */
export async function refresh(map, { force = false } = {}) {
  const params = filterParams();
  const key = JSON.stringify(params);
  const view = viewBox(map);
  // A truncated load is redone when the view changes (a closer view may hold every match), but
  // not for the same view, which would bring the same page again.
  const covered = loaded.truncated ? sameView(loaded.view, view) : contains(loaded.box, view);
  if (!force && key === loaded.key && covered) return;
  if (!force && pending && pending.key === key && contains(pending.box, view)) return;
  const box = pad(view, 0.6);
  if (controller) controller.abort();
  controller = new AbortController();
  const { signal } = controller;
  const mine = { key, box };
  pending = mine;
  emit('loading');
  try {
    const t0 = performance.now();
    const fc = await api('/api/events', { params: { ...params, bbox: box.map(round).join(','), limit: LIMIT }, signal });
    performance.measure('eventmap:fetch-events', { start: t0, end: performance.now() });
    features = Array.isArray(fc.features) ? fc.features : [];
    byId = new Map(features.map((f) => [String(f.id), f]));
    const matched = Number.isFinite(fc.numberMatched) ? fc.numberMatched : features.length;
    loaded = { key, box, view, truncated: matched > features.length, matched };
    emit('data');
  } catch (e) {
    if (aborted(e)) return;
    loaded = { key: null, box: null, view: null, truncated: false, matched: 0 };
    emit('error', e);
  } finally {
    if (pending === mine) pending = null;
  }
}

/** Whether any coordinate of a feature's geometry lies inside [w, s, e, n] (across the
 *  antimeridian when w > e). */
export function inBox(feature, [w, s, e, n]) {
  const g = feature.geometry;
  if (!g) return false;
  const inLon = w <= e ? (x) => x >= w && x <= e : (x) => x >= w || x <= e;
  const test = ([x, y]) => inLon(x) && y >= s && y <= n;
  switch (g.type) {
    case 'Point': return test(g.coordinates);
    case 'MultiPoint': case 'LineString': return g.coordinates.some(test);
    case 'MultiLineString': case 'Polygon': return g.coordinates.some((r) => r.some(test));
    case 'MultiPolygon': return g.coordinates.some((p) => p.some((r) => r.some(test)));
    case 'GeometryCollection': return g.geometries.some((x) => inBox({ geometry: x }, [w, s, e, n]));
    default: return false;
  }
}

/** The loaded events inside the viewport, newest first (the API's order). */
export function inView(map) {
  const box = viewWindow(map);
  return features.filter((f) => inBox(f, box));
}

/** Replaces or adds one event (after an edit), without a new load. */
export function put(feature) {
  const id = String(feature.id);
  if (byId.has(id)) features = features.map((f) => (String(f.id) === id ? feature : f));
  else features = [feature, ...features];
  byId.set(id, feature);
  emit('data');
}
