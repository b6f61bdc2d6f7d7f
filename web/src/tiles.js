// tiles.js: what the map needs to know about the event tiles (/api/events/tiles/{z}/{x}/{y}.mvt),
// as plain functions: their URL for a set of filters, the zoom from which they hold the events
// themselves, where a click on a cell zooms to, and the counts by category of what is drawn.

import { qs } from './api.js';

/** From this zoom a tile holds the events themselves; below it, their counts by cell
 *  (api/tiles.rs EVENTS_ZOOM). */
export const EVENTS_ZOOM = 10;
/** The deepest zoom the map asks tiles for; closer, it enlarges these. */
export const TILES_MAX_ZOOM = 14;

/** The tile URL template for the API filters `params` (as data.filterParams gives them), on
 *  `origin`. MapLibre fills in {z}, {x} and {y}, so the braces stay as they are. */
export function tileUrl(params, origin = '') {
  const q = qs(params);
  return `${origin}/api/events/tiles/{z}/{x}/{y}.mvt${q ? `?${q}` : ''}`;
}

/** The zoom a click on a cell of `count` events at `zoom` goes to: a few events go straight to
 *  the zoom where they are drawn one by one, many two steps closer (a cell then spans about a
 *  quarter of the screen), never past the cells' own zoom while they are counts. */
export function cellZoom(count, zoom) {
  if (count <= 50) return Math.max(EVENTS_ZOOM, zoom + 1);
  return zoom < EVENTS_ZOOM ? Math.min(zoom + 2, EVENTS_ZOOM) : zoom + 2;
}

/** The prefix of a cell's count for one category (`count:protest`). */
const PREFIX = 'count:';

/**
 * How many events of each category the drawn features hold: a cell counts its `count:<category>`
 * values, an event one for its category. `features` are {properties, geometry} as MapLibre's
 * queries give them, where a feature may come more than once (a tile drawn in two copies of
 * the world, a line cut over tiles): cells are told apart by position, events by id. With
 * `inside([lon, lat])`, only the features whose dot it holds count: the view's own events by
 * the position the tiles count them at (a movement's destination), not a bubble whose edge
 * reaches into the view from a cell beyond it (a bubble counts its events whole).
 */
export function tally(features, inside = () => true) {
  const counts = new Map();
  const seen = new Set();
  const add = (cat, n) => counts.set(cat, (counts.get(cat) || 0) + n);
  for (const f of features) {
    const p = f.properties || {};
    const at = f.geometry && f.geometry.coordinates;
    if (!Array.isArray(at) || !inside(at)) continue;
    if (p.count !== undefined) {
      const key = `c${cellKey(f)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      for (const [k, v] of Object.entries(p)) if (k.startsWith(PREFIX)) add(k.slice(PREFIX.length), Number(v));
    } else if (p.id !== undefined) {
      const key = `e${p.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      add(p.category, 1);
    }
  }
  return counts;
}

/** A cell's identity: its position (longitude wrapped into -180..180) and count. */
export function cellKey(f) {
  const c = (f.geometry && f.geometry.coordinates) || [];
  const wrap = (x) => ((((x + 180) % 360) + 360) % 360) - 180;
  const r = (x) => Math.round(x * 1e5) / 1e5;
  return `${r(wrap(c[0]))},${r(c[1])},${f.properties.count}`;
}

/** The total of a tally. */
export const total = (counts) => [...counts.values()].reduce((a, b) => a + b, 0);
