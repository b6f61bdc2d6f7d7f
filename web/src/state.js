// state.js: the whole view (viewport, filters, time window, selected event) and its URL. Every
// change goes through `update`, which writes the URL (pushState for choices a reader would want
// to go back from, replaceState for panning and playing) and tells the subscribers what changed.
// Back and forward restore the state from the URL. Nothing here touches the map or the DOM.

const DEFAULT_RADIUS = 25;

function empty() {
  return {
    view: null, // {lon, lat, zoom}
    filters: { q: '', categories: [], statuses: [], actor: '', place: '', radius: DEFAULT_RADIUS },
    time: { start: '', end: '' }, // a date (2025-02-10) or an RFC 3339 instant; '' for open
    selected: '', // event id
  };
}

const list = (v) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : []);
// A date, or an RFC 3339 instant with seconds and a UTC offset: what the API takes.
const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))?$/;
const ID_RE = /^[0-9A-Za-z-]{1,64}$/;

/** Whether a time bound is one the API accepts: the form above, on a day the calendar has. */
function isTime(v) {
  const m = TIME_RE.exec(v);
  if (!m) return false;
  const [y, mo, d] = [m[1], m[2], m[3]].map(Number);
  const day = new Date(0);
  day.setUTCFullYear(y, mo - 1, d);
  return day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
}

/** Reads a state from a query string; anything malformed is ignored rather than trusted. */
export function parse(search) {
  const p = new URLSearchParams(search);
  const s = empty();
  // Number('') is 0: an empty part must not read as zoom 0 or the equator.
  const m = (p.get('map') || '').split('/').map((x) => (x.trim() ? Number(x) : NaN));
  if (m.length === 3 && m.every(Number.isFinite) && m[0] >= 0 && m[0] <= 22 && Math.abs(m[1]) <= 90) {
    s.view = { zoom: m[0], lat: m[1], lon: ((((m[2] + 180) % 360) + 360) % 360) - 180 };
  }
  s.filters.q = (p.get('q') || '').slice(0, 500);
  s.filters.categories = list(p.get('category'));
  s.filters.statuses = list(p.get('status'));
  s.filters.actor = (p.get('actor') || '').slice(0, 200);
  s.filters.place = (p.get('place') || '').slice(0, 200);
  const r = Number(p.get('radius_km'));
  if (r > 0 && r <= 1000) s.filters.radius = r;
  for (const k of ['start', 'end']) {
    const v = p.get(k) || '';
    if (isTime(v)) s.time[k] = v;
  }
  const ev = p.get('event') || '';
  if (ID_RE.test(ev)) s.selected = ev;
  return s;
}

/** Writes a state as a query string, in a stable order, leaving defaults out. */
export function serialize(s) {
  const p = new URLSearchParams();
  if (s.view) {
    const { zoom, lat, lon } = s.view;
    p.set('map', `${zoom.toFixed(2)}/${lat.toFixed(4)}/${lon.toFixed(4)}`);
  }
  if (s.time.start) p.set('start', s.time.start);
  if (s.time.end) p.set('end', s.time.end);
  if (s.filters.q) p.set('q', s.filters.q);
  if (s.filters.categories.length) p.set('category', s.filters.categories.join(','));
  if (s.filters.statuses.length) p.set('status', s.filters.statuses.join(','));
  if (s.filters.actor) p.set('actor', s.filters.actor);
  if (s.filters.place) {
    p.set('place', s.filters.place);
    if (s.filters.radius !== DEFAULT_RADIUS) p.set('radius_km', String(s.filters.radius));
  }
  if (s.selected) p.set('event', s.selected);
  // Slashes and commas read better unescaped, and are safe in a query string.
  return p.toString().replace(/%2F/g, '/').replace(/%2C/g, ',');
}

/** Query parameters that are not part of the view but stay in the URL (the page's `lang=`). */
const kept = new URLSearchParams();

/** Keeps `name=value` in every URL the state writes (and in `href`). */
export function keepParam(name, value) {
  kept.set(name, value);
}

/** The state's query string with the kept parameters after it. */
function query(s) {
  const q = serialize(s);
  const extra = kept.toString();
  return [q, extra].filter(Boolean).join('&');
}

// The page's URL and history exist only in a browser; Node (the unit tests) imports this module
// without them, for parse and serialize.
const inBrowser = typeof window !== 'undefined' && typeof location !== 'undefined';

let state = parse(inBrowser ? location.search : '');
const listeners = new Set();

export const get = () => state;

/** Calls `fn(state, changed, meta)` after every change; `changed` is a Set of the parts that
 *  changed (view, filters, time, selected); `meta.source` says who changed it. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changes(a, b) {
  const c = new Set();
  for (const k of ['view', 'filters', 'time', 'selected']) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) c.add(k);
  }
  return c;
}

/** The URL of a state, on this page or on another path (`/embed`). */
export function href(s = state, path = location.pathname) {
  const q = query(s);
  return `${location.origin}${path}${q ? `?${q}` : ''}`;
}

/**
 * Changes part of the state. `patch.filters` and `patch.time` are merged into the current ones.
 * `history: 'push'` (default) adds a history entry, `'replace'` rewrites the current one.
 */
export function update(patch, { history = 'push', source = 'user' } = {}) {
  const prev = state;
  const next = {
    view: 'view' in patch ? patch.view : prev.view,
    filters: patch.filters ? { ...prev.filters, ...patch.filters } : prev.filters,
    time: patch.time ? { ...prev.time, ...patch.time } : prev.time,
    selected: 'selected' in patch ? patch.selected || '' : prev.selected,
  };
  const changed = changes(prev, next);
  if (!changed.size) return;
  state = next;
  const q = query(state);
  const u = `${location.pathname}${q ? `?${q}` : ''}`;
  // A view-only change never needs its own history entry: panning is not a step back.
  const push = history === 'push' && !(changed.size === 1 && changed.has('view'));
  if (u !== location.pathname + location.search) {
    if (push) window.history.pushState(null, '', u);
    else window.history.replaceState(null, '', u);
  }
  for (const fn of listeners) fn(state, changed, { source });
}

if (inBrowser) window.addEventListener('popstate', () => {
  const prev = state;
  state = parse(location.search);
  const changed = changes(prev, state);
  if (changed.size) for (const fn of listeners) fn(state, changed, { source: 'history' });
});

/** Whether any filter or time bound is set. */
export function activeFilterCount(s = state) {
  const f = s.filters;
  return (f.q ? 1 : 0) + (f.categories.length ? 1 : 0) + (f.statuses.length ? 1 : 0) + (f.actor ? 1 : 0)
    + (f.place ? 1 : 0) + (s.time.start || s.time.end ? 1 : 0);
}

export { DEFAULT_RADIUS };
