// events.js: the events on the map, drawn from the event tiles (tiles.js): below the events'
// zoom each tile counts its events by cell, drawn as bubbles labelled with their count (a cell
// of one event is a dot in its category's colour), so every matching event is counted at every
// zoom; from it on the events themselves, coloured by category, movements as lines with arrows
// along them. Around the view the precision of each event's place is a circle of its radius in
// metres; the loaded events (data.js) add their movements' ends; the selected and hovered
// events are drawn again on top. A click on a cell zooms in to it; a click on several events at
// once opens a chooser listing them one by one.

import { h } from './dom.js';
import { PRECISION_M, shortTime } from './format.js';
import { addLabelLayers } from './basemap.js';
import { tn } from './i18n.js';
import { EVENTS_ZOOM, TILES_MAX_ZOOM, cellZoom } from './tiles.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const INK = '#1b2a3a';
/** Metres per pixel at zoom 0 on the equator, for 512-pixel tiles. */
const M_PER_PX_Z0 = 40075016.686 / 512;
/** Most wide precision areas (polygons) drawn at once; past it only the selected event's. */
const MAX_AREAS = 300;

let map;
let colors = {};
let pickHandler = () => {};
let clickInterceptor = null;
let chooserPopup = null;

/** The colour of a category value. */
export const colorOf = (category) => colors[category] || '#5b6472';

/** A cell's count as its label: 7, 950, 1.2k, 38k, 1.4M. */
const COUNT_LABEL = ['let', 'n', ['get', 'count'],
  ['case',
    ['>=', ['var', 'n'], 1e6], ['concat', ['to-string', ['/', ['round', ['/', ['var', 'n'], 1e5]], 10]], 'M'],
    ['>=', ['var', 'n'], 1e4], ['concat', ['to-string', ['round', ['/', ['var', 'n'], 1e3]]], 'k'],
    ['>=', ['var', 'n'], 1e3], ['concat', ['to-string', ['/', ['round', ['/', ['var', 'n'], 1e2]], 10]], 'k'],
    ['to-string', ['var', 'n']]]];

/** Sets the colours of the categories (the list and the legend may draw before the map). */
export function setCategories(categories) {
  colors = Object.fromEntries(categories.map((c) => [c.value, c.color]));
}

/** Adds the event sources and layers. `tiles` is the event tiles' URL (tiles.tileUrl);
 *  `onPick(id)` is called when a reader picks an event. */
export function addLayers(m, categories, { tiles, onPick, labels = true }) {
  map = m;
  setCategories(categories);
  pickHandler = onPick;
  const color = ['match', ['get', 'category'], ...categories.flatMap((c) => [c.value, c.color]), '#5b6472'];
  // A cell of one event has one `count:<category>`: the dot takes that category's colour.
  const cellColor = ['case', ['==', ['get', 'count'], 1],
    ['case', ...categories.flatMap((c) => [['has', `count:${c.value}`], c.color]), '#5b6472'], INK];
  addArrowImages(categories);

  map.addSource('ev-tiles', { type: 'vector', tiles: [tiles], minzoom: 0, maxzoom: TILES_MAX_ZOOM });
  for (const id of ['ev-precision', 'ev-ends', 'ev-selected', 'ev-hover']) {
    map.addSource(id, { type: 'geojson', data: EMPTY });
  }
  const tile = (layer) => ({ source: 'ev-tiles', 'source-layer': layer });

  // Movements are drawn a little to the right of their direction, like traffic, so a there-and-
  // back pair (the convoy's departure and return) shows as two lines with opposite arrows.
  const offset = ['interpolate', ['linear'], ['zoom'], 4, 1.5, 10, 3.5];
  const radiusPx = ['interpolate', ['exponential', 2], ['zoom'], 0, ['get', 'k'], 24, ['*', ['get', 'k'], 2 ** 24]];
  const layers = [
    // Small radii (up to a town) as circles sized in metres by zoom; wide ones (a district, a
    // region, a country) as polygons, which MapLibre draws right however far they reach.
    {
      id: 'ev-precision', type: 'circle', source: 'ev-precision', minzoom: EVENTS_ZOOM,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-radius': radiusPx,
        'circle-color': color,
        'circle-opacity': 0.1,
        'circle-stroke-color': color,
        'circle-stroke-opacity': 0.45,
        'circle-stroke-width': 1,
        'circle-pitch-alignment': 'map',
      },
    },
    {
      id: 'ev-precision-area', type: 'fill', source: 'ev-precision', filter: ['==', ['geometry-type'], 'Polygon'],
      // Wide areas only tint a little (a country not at all), so they do not colour the map.
      paint: { 'fill-color': color, 'fill-opacity': ['step', ['get', 'm'], 0.05, 90000, 0] },
    },
    {
      id: 'ev-precision-ring', type: 'line', source: 'ev-precision', filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'line-color': color, 'line-opacity': 0.6, 'line-width': 1, 'line-dasharray': [4, 3] },
    },
    {
      id: 'ev-line-casing', type: 'line', ...tile('shapes'),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#ffffff', 'line-opacity': 0.85, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 4, 10, 6.5], 'line-offset': offset },
    },
    {
      id: 'ev-line', type: 'line', ...tile('shapes'),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': color, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 2, 10, 3], 'line-offset': offset },
    },
    {
      id: 'ev-hover-line', type: 'line', source: 'ev-hover', filter: ['==', ['geometry-type'], 'LineString'],
      layout: { 'line-cap': 'round' }, paint: { 'line-color': INK, 'line-opacity': 0.3, 'line-width': 9, 'line-offset': offset },
    },
    {
      id: 'ev-sel-area', type: 'fill', source: 'ev-selected', filter: ['==', ['get', 'part'], 'precision'],
      paint: { 'fill-color': color, 'fill-opacity': 0.12 },
    },
    {
      id: 'ev-sel-area-line', type: 'line', source: 'ev-selected', filter: ['==', ['get', 'part'], 'precision'],
      paint: { 'line-color': INK, 'line-width': 1.2, 'line-dasharray': [2, 2], 'line-opacity': 0.7 },
    },
    {
      id: 'ev-sel-line', type: 'line', source: 'ev-selected',
      filter: ['all', ['==', ['get', 'part'], 'shape'], ['==', ['geometry-type'], 'LineString']],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': INK, 'line-opacity': 0.9, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 6, 10, 8], 'line-offset': offset },
    },
    {
      id: 'ev-sel-line-top', type: 'line', source: 'ev-selected',
      filter: ['all', ['==', ['get', 'part'], 'shape'], ['==', ['geometry-type'], 'LineString']],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': color, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 3, 10, 4.5], 'line-offset': offset },
    },
    // Direction marks above the highlighted line, so a selected movement keeps its arrows.
    {
      id: 'ev-line-arrows', type: 'symbol', ...tile('shapes'),
      layout: {
        'symbol-placement': 'line',
        'symbol-spacing': 150,
        'icon-image': ['concat', 'chevron-', ['get', 'category']],
        'icon-size': ['interpolate', ['linear'], ['zoom'], 4, 0.7, 10, 1],
        'icon-offset': [0, 3],
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
        'icon-rotation-alignment': 'map',
      },
    },
    {
      id: 'ev-origin', type: 'circle', source: 'ev-ends', minzoom: EVENTS_ZOOM, filter: ['==', ['get', 'end'], 'origin'],
      paint: { 'circle-radius': 4, 'circle-color': '#ffffff', 'circle-stroke-color': color, 'circle-stroke-width': 2 },
    },
    {
      id: 'ev-head', type: 'symbol', source: 'ev-ends', minzoom: EVENTS_ZOOM, filter: ['==', ['get', 'end'], 'head'],
      layout: {
        'icon-image': ['concat', 'head-', ['get', 'category']],
        'icon-rotate': ['get', 'rotate'],
        'icon-rotation-alignment': 'map',
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
        'icon-offset': [-11, 3],
      },
    },
  ];
  for (const l of layers) map.addLayer(l);
  // Place labels sit above lines and circles, below the event points.
  if (labels) addLabelLayers(map);
  const top = [
    {
      id: 'ev-cells', type: 'circle', ...tile('cells'),
      paint: {
        'circle-color': cellColor,
        'circle-opacity': ['case', ['==', ['get', 'count'], 1], 1, 0.88],
        'circle-radius': ['step', ['get', 'count'], 6, 2, 12, 10, 15, 100, 19, 1000, 24, 10000, 29, 100000, 34],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': ['case', ['==', ['get', 'count'], 1], 1.6, 2],
      },
    },
    {
      id: 'ev-cell-count', type: 'symbol', ...tile('cells'), filter: ['>', ['get', 'count'], 1],
      layout: {
        'text-field': COUNT_LABEL,
        'text-font': ['DejaVu Sans Bold'],
        'text-size': 11.5,
        'text-allow-overlap': true,
        'text-ignore-placement': true,
      },
      paint: { 'text-color': '#ffffff' },
    },
    {
      id: 'ev-points', type: 'circle', ...tile('events'),
      paint: {
        'circle-color': color,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 2, 4.5, 10, 7],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.6,
      },
    },
    {
      id: 'ev-hover-halo', type: 'circle', source: 'ev-hover', filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 11, 'circle-opacity': 0, 'circle-stroke-color': INK, 'circle-stroke-width': 2, 'circle-stroke-opacity': 0.55 },
    },
    {
      id: 'ev-sel-halo', type: 'circle', source: 'ev-selected', filter: ['==', ['get', 'part'], 'anchor'],
      paint: { 'circle-radius': 13, 'circle-color': '#ffffff', 'circle-opacity': 0.7, 'circle-stroke-color': INK, 'circle-stroke-width': 3 },
    },
    {
      id: 'ev-sel-point', type: 'circle', source: 'ev-selected', filter: ['==', ['get', 'part'], 'anchor'],
      paint: { 'circle-radius': 7, 'circle-color': color, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 },
    },
  ];
  for (const l of top) map.addLayer(l);

  const clickable = ['ev-cells', 'ev-points', 'ev-line', 'ev-head', 'ev-sel-point'];
  for (const id of clickable) {
    map.on('mouseenter', id, () => { map.getCanvas().classList.add('pointer'); });
    map.on('mouseleave', id, () => { map.getCanvas().classList.remove('pointer'); });
  }
  map.on('click', (e) => onClick(e, clickable));
  // The precision circles follow the events the tiles hold around the view.
  map.on('idle', updatePrecision);
}

/** Points the event tiles at a new URL (other filters or dates); MapLibre loads them again.
 *  With `force`, also the same URL (after an edit: an unchanged tile then costs a 304). */
export function setTiles(url, { force = false } = {}) {
  const source = map && map.getSource('ev-tiles');
  if (source && (force || source.tiles[0] !== url)) source.setTiles([url || source.tiles[0]]);
}

/** While `fn` is set, map clicks go to it first (the editor picks places this way); it
 *  returns true when it used the click. */
export function interceptClicks(fn) {
  clickInterceptor = fn;
}

function onClick(e, layers) {
  if (clickInterceptor && clickInterceptor(e)) return;
  const p = e.point;
  const hits = map.queryRenderedFeatures([[p.x - 6, p.y - 6], [p.x + 6, p.y + 6]], { layers });
  if (!hits.length) return;
  // The selection's own drawing has no id: the event under it is hit too.
  const events = hits.filter((f) => f.layer.id !== 'ev-cells' && f.properties.id !== undefined);
  const cell = hits.find((f) => f.layer.id === 'ev-cells');
  if (!events.length && cell) {
    map.easeTo({ center: cell.geometry.coordinates, zoom: cellZoom(Number(cell.properties.count), map.getZoom()) });
    return;
  }
  const props = new Map();
  for (const f of events) if (!props.has(String(f.properties.id))) props.set(String(f.properties.id), f.properties);
  const ids = [...props.keys()];
  if (ids.length === 1) pickHandler(ids[0]);
  else if (ids.length > 1) openChooser(e.lngLat, ids, props);
}

let lookup = () => null;
/** How the chooser finds an event's title and date by id. */
export function setLookup(fn) {
  lookup = fn;
}

/** The chooser for several events: each as the loaded events know it, else as its tile does
 *  (a title and a category, no date). */
function openChooser(lngLat, ids, props) {
  closeChooser();
  const items = ids.map((id) => lookup(id) || { id, properties: props.get(id) });
  const list = h('ul', { class: 'chooser-list' }, items.map((f) => h('li', {},
    h('button', {
      type: 'button',
      class: 'chooser-item',
      onclick: () => { closeChooser(); pickHandler(String(f.id)); },
    },
    h('span', { class: `dot cat-dot`, 'data-color': colorOf(f.properties.category), 'aria-hidden': 'true' }),
    h('span', { class: 'chooser-title', dir: 'auto' }, f.properties.title),
    h('span', { class: 'chooser-date' }, shortTime(f.properties))))));
  const box = h('div', { class: 'chooser', role: 'dialog', 'aria-label': tn('chooser.label', items.length) },
    h('p', { class: 'chooser-head' }, tn('chooser.head', items.length)), list);
  box.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      ev.stopPropagation();
      closeChooser();
      map.getCanvas().focus();
    }
  });
  paintDots(box);
  chooserPopup = new window.maplibregl.Popup({ closeButton: true, closeOnClick: true, maxWidth: '320px', className: 'chooser-popup', focusAfterOpen: false })
    .setLngLat(lngLat)
    .setDOMContent(box)
    .addTo(map);
  const first = box.querySelector('button');
  if (first) first.focus();
}

export function closeChooser() {
  if (chooserPopup) chooserPopup.remove();
  chooserPopup = null;
}

/** Colours `.cat-dot` elements from their data-color through the CSSOM (CSP forbids style attributes). */
export function paintDots(root) {
  for (const d of root.querySelectorAll('[data-color]')) d.style.backgroundColor = d.dataset.color;
}

/** The point a selected or hovered event is marked at: its location, else its destination,
 *  else its first place. */
export function anchorOf(f) {
  const places = (f.properties && f.properties.places) || [];
  const p = places.find((x) => x.role === 'location' && Number.isFinite(x.lon))
    || places.find((x) => x.role === 'destination' && Number.isFinite(x.lon))
    || places.find((x) => Number.isFinite(x.lon));
  if (p) return [p.lon, p.lat];
  const g = f.geometry;
  if (!g) return null;
  let c = g.coordinates;
  if (g.type === 'GeometryCollection') c = g.geometries[0] && g.geometries[0].coordinates;
  while (Array.isArray(c) && Array.isArray(c[0])) c = c[0];
  return Array.isArray(c) ? c : null;
}

/** A circle of `metres` around [lon, lat] as a GeoJSON polygon (great-circle, 64 sides). */
export function circle([lon, lat], metres, sides = 64) {
  const R = 6371008.8;
  const d = metres / R;
  const la = (lat * Math.PI) / 180;
  const lo = (lon * Math.PI) / 180;
  const ring = [];
  for (let i = 0; i <= sides; i += 1) {
    const b = (2 * Math.PI * i) / sides;
    const la2 = Math.asin(Math.sin(la) * Math.cos(d) + Math.cos(la) * Math.sin(d) * Math.cos(b));
    const lo2 = lo + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(la), Math.cos(d) - Math.sin(la) * Math.sin(la2));
    ring.push([(lo2 * 180) / Math.PI, (la2 * 180) / Math.PI]);
  }
  return { type: 'Polygon', coordinates: [ring] };
}

const mercY = (lat) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));

/** Screen rotation (degrees clockwise) of an arrow pointing east, to point from a to b. */
function rotation(a, b) {
  const dx = ((b[0] - a[0]) * Math.PI) / 180;
  const dy = mercY(b[1]) - mercY(a[1]);
  return (Math.atan2(-dy, dx) * 180) / Math.PI;
}

function lines(g) {
  if (!g) return [];
  if (g.type === 'LineString') return [g.coordinates];
  if (g.type === 'MultiLineString') return g.coordinates;
  if (g.type === 'GeometryCollection') return g.geometries.flatMap(lines);
  return [];
}

/** The movements' ends of a set of events: a ring at the origin, an arrowhead at the
 *  destination (the tiles cut lines at their edges, so the ends come from whole events). */
function endsOf(features) {
  const ends = [];
  for (const f of features) {
    const id = String(f.id);
    const category = f.properties.category;
    for (const line of lines(f.geometry)) {
      const n = line.length;
      if (n < 2) continue;
      ends.push({ type: 'Feature', geometry: { type: 'Point', coordinates: line[0] }, properties: { id, category, end: 'origin' } });
      ends.push({
        type: 'Feature', geometry: { type: 'Point', coordinates: line[n - 1] },
        properties: { id, category, end: 'head', rotate: rotation(line[n - 2], line[n - 1]) },
      });
    }
  }
  return { type: 'FeatureCollection', features: ends };
}

/** Draws the movements' ends of the loaded events (the tiles draw the events themselves). */
export function setData(features) {
  const source = map && map.getSource('ev-ends');
  if (source) source.setData(endsOf(features));
}

let precisionKey = '';

/** Draws the precision of the events the tiles hold around the view (from the events' zoom
 *  on), again when that set of events changes. */
function updatePrecision() {
  const source = map.getSource('ev-precision');
  const events = map.getZoom() < EVENTS_ZOOM ? [] : map.querySourceFeatures('ev-tiles', { sourceLayer: 'events' });
  const seen = new Map();
  for (const f of events) {
    const m = PRECISION_M[f.properties.precision];
    if (m && m >= 1000 && !seen.has(f.properties.id)) seen.set(f.properties.id, [f, m]);
  }
  const key = [...seen.keys()].sort().join(',');
  // Setting the data draws the map again, and its next idle would come back here.
  if (key === precisionKey) return;
  precisionKey = key;
  const circles = [];
  const areas = [];
  for (const [id, [f, m]] of seen) {
    const [lon, lat] = f.geometry.coordinates;
    const category = f.properties.category;
    if (m >= 25000) {
      areas.push({ type: 'Feature', geometry: circle([lon, lat], m, 48), properties: { id, category, m } });
    } else {
      const k = m / (M_PER_PX_Z0 * Math.cos((lat * Math.PI) / 180));
      circles.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: { id, category, k, m } });
    }
  }
  // Hundreds of overlapping district-to-country areas are an unreadable wash and slow to draw.
  source.setData({ type: 'FeatureCollection', features: areas.length <= MAX_AREAS ? circles.concat(areas) : circles });
}

/** The drawing of one event for the selected and hovered layers. */
function highlightOf(f, withPrecision) {
  if (!f) return EMPTY;
  const category = f.properties.category;
  const out = [];
  for (const line of lines(f.geometry)) {
    out.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: line }, properties: { part: 'shape', category } });
  }
  const a = anchorOf(f);
  if (a) out.push({ type: 'Feature', geometry: { type: 'Point', coordinates: a }, properties: { part: 'anchor', category } });
  if (withPrecision) {
    for (const p of f.properties.places || []) {
      const m = PRECISION_M[p.precision];
      if (!m || !Number.isFinite(p.lon)) continue;
      out.push({ type: 'Feature', geometry: circle([p.lon, p.lat], m), properties: { part: 'precision', category } });
    }
  }
  return { type: 'FeatureCollection', features: out };
}

/** Highlights the selected event (null for none). */
export function select(f) {
  if (map && map.getSource('ev-selected')) map.getSource('ev-selected').setData(highlightOf(f, true));
}

/** Highlights the event under the pointer in the list (null for none). */
export function hover(f) {
  if (map && map.getSource('ev-hover')) map.getSource('ev-hover').setData(highlightOf(f, false));
}

/** Chevrons for the lines and arrowheads for their ends, one per category colour, drawn on a
 *  canvas (no image requests). They point east; MapLibre turns them along the line. */
function addArrowImages(categories) {
  const r = window.devicePixelRatio > 1 ? 2 : 1;
  const draw = (w, hgt, path, color) => {
    const c = document.createElement('canvas');
    c.width = w * r;
    c.height = hgt * r;
    const ctx = c.getContext('2d');
    ctx.scale(r, r);
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    path(ctx);
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 4;
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.fill();
    return ctx.getImageData(0, 0, w * r, hgt * r);
  };
  const chevron = (ctx) => { ctx.beginPath(); ctx.moveTo(4, 3); ctx.lineTo(9, 7); ctx.lineTo(4, 11); ctx.lineTo(6, 7); ctx.closePath(); };
  const head = (ctx) => { ctx.beginPath(); ctx.moveTo(3, 3); ctx.lineTo(15, 9); ctx.lineTo(3, 15); ctx.lineTo(6, 9); ctx.closePath(); };
  for (const c of [...categories, { value: '', color: '#5b6472' }]) {
    map.addImage(`chevron-${c.value}`, draw(13, 14, chevron, c.color), { pixelRatio: r });
    map.addImage(`head-${c.value}`, draw(18, 18, head, c.color), { pixelRatio: r });
  }
}
