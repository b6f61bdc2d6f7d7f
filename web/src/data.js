// data.js: loads the events the list, legend and timeline show, page by page: the filters and
// time window of the state, inside the viewport, newest first, with the count of every match
// there (numberMatched, "about N" when the server estimated it). The map draws every match from
// the event tiles (tiles.js) whatever is loaded here. A moved view or a filter change loads the
// first page again, cancelling any older request; `more` follows the API's `next` link. Other
// modules read the loaded events here and never fetch the list themselves.

import { api, aborted } from './api.js';
import * as state from './state.js';

/** Most events a GeoJSON export from the page holds (the API's maximum page). */
export const LIMIT = 10000;
/** Events in a page of the list. */
export const PAGE = 100;
/** The properties the list draws and prints (the panel fetches the whole event). */
export const MAP_PROPERTIES = 'title,category,start,end,time_precision,places,sources,status';

let features = [];
let byId = new Map();
const NONE = { key: null, view: null, matched: 0, exact: true, next: null };
let loaded = NONE;
let controller = null;
// The load on its way: {key, view}. A view that settles on the same place (the page laying
// out, a nudge) waits for it instead of cancelling it and asking again.
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
/** The load state: `matched` (of every match in view), `exact`, `returned` and whether there
 *  is a next page (`more`). */
export const info = () => ({ key: loaded.key, matched: loaded.matched, exact: loaded.exact, returned: features.length, more: !!loaded.next });

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

/** Whether two views are the same but for a sliver (a resize by a few pixels, a settling map). */
const sameView = (a, b) => !!a && a.every((x, i) => Math.abs(x - b[i]) <= 0.01 * Math.max(Math.abs(b[2] - b[0]), b[3] - b[1]));
const round = (x) => Math.round(x * 1e4) / 1e4;

/** A page of the list: its events, the count of every match and the next page's link. */
async function page(path, params, signal) {
  const t0 = performance.now();
  const fc = await api(path, { params, signal });
  performance.measure('eventmap:fetch-events', { start: t0, end: performance.now() });
  const list = Array.isArray(fc.features) ? fc.features : [];
  const next = (fc.links || []).find((l) => l.rel === 'next');
  // The link is absolute; asking this page's own server keeps the request where the page is.
  const u = next ? new URL(next.href, location.href) : null;
  return { list, fc, next: u ? u.pathname + u.search : null };
}

/** Loads the first page of events in the map's view unless it is loaded (or on its way). */
export async function refresh(map, { force = false } = {}) {
  const params = filterParams();
  const key = JSON.stringify(params);
  // The API takes a box across the antimeridian as west > east.
  const view = viewWindow(map);
  if (!force && key === loaded.key && sameView(loaded.view, view)) return;
  if (!force && pending && pending.key === key && sameView(pending.view, view)) return;
  if (controller) controller.abort();
  controller = new AbortController();
  const { signal } = controller;
  const mine = { key, view };
  pending = mine;
  emit('loading');
  try {
    const { list, fc, next } = await page('/api/events', { ...params, bbox: view.map(round).join(','), limit: PAGE, properties: MAP_PROPERTIES }, signal);
    features = list;
    byId = new Map(features.map((f) => [String(f.id), f]));
    const matched = Number.isFinite(fc.numberMatched) ? fc.numberMatched : features.length;
    // Beyond a bound the server estimates the count and says so ("about 412,000").
    loaded = { key, view, matched, exact: fc.numberMatchedExact !== false, next };
    emit('data');
  } catch (e) {
    if (aborted(e)) return;
    loaded = NONE;
    emit('error', e);
  } finally {
    if (pending === mine) pending = null;
  }
}

/** Loads the next page of the list and adds it to the loaded events; false when there is none. */
export async function more() {
  if (!loaded.next) return false;
  const at = loaded;
  const signal = controller ? controller.signal : undefined;
  try {
    const { list, next } = await page(at.next, {}, signal);
    // A new view or filter replaced the list meanwhile: this page belongs to the old one.
    if (loaded !== at) return false;
    const fresh = list.filter((f) => !byId.has(String(f.id)));
    features = features.concat(fresh);
    for (const f of fresh) byId.set(String(f.id), f);
    loaded = { ...at, next };
    emit('data');
    return true;
  } catch (e) {
    if (aborted(e)) return false;
    emit('error', e);
    return false;
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

/** The loaded events inside the viewport, newest first (the API's order): the pages of the list. */
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
