// events.js: the events on the map. Each event is one point (so cluster counts are event
// counts), coloured by category; movements are lines with arrows along them and an arrowhead
// at the destination; each place's precision is a circle of its radius in metres; the selected
// and hovered events are drawn again on top. A click on several events at once (a cluster that
// cannot split, or events at identical coordinates) opens a chooser listing them one by one.

import { h } from './dom.js';
import { PRECISION_M, shortTime } from './format.js';
import { addLabelLayers } from './basemap.js';
import { tn } from './i18n.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
export const CLUSTER_MAX_ZOOM = 12;
const INK = '#1b2a3a';
/** Metres per pixel at zoom 0 on the equator, for 512-pixel tiles. */
const M_PER_PX_Z0 = 40075016.686 / 512;
/** Below this zoom the precision of every event is not drawn (only the selected one's): at a
 *  country's scale the circles say little and cost a lot with thousands of events. */
const PRECISION_MIN_ZOOM = 6;
/** Most wide precision areas (polygons) drawn at once; past it only the selected event's. */
const MAX_AREAS = 300;

let map;
let colors = {};
let pickHandler = () => {};
let clickInterceptor = null;
let chooserPopup = null;

/** The colour of a category value. */
export const colorOf = (category) => colors[category] || '#5b6472';

/** Adds the event sources and layers. `onPick(id)` is called when a reader picks an event. */
export function addLayers(m, categories, { onPick, labels = true }) {
  map = m;
  colors = Object.fromEntries(categories.map((c) => [c.value, c.color]));
  pickHandler = onPick;
  const color = ['match', ['get', 'category'], ...categories.flatMap((c) => [c.value, c.color]), '#5b6472'];
  addArrowImages(categories);

  for (const id of ['ev-precision', 'ev-shapes', 'ev-ends', 'ev-selected', 'ev-hover']) {
    map.addSource(id, { type: 'geojson', data: EMPTY });
  }
  map.addSource('ev-points', {
    type: 'geojson', data: EMPTY, cluster: true, clusterRadius: 38, clusterMaxZoom: CLUSTER_MAX_ZOOM,
  });
  // Events are drawn when the event sources have no tiles loading (see `setData`).
  map.on('sourcedata', flush);

  // Movements are drawn a little to the right of their direction, like traffic, so a there-and-
  // back pair (the convoy's departure and return) shows as two lines with opposite arrows.
  const offset = ['interpolate', ['linear'], ['zoom'], 4, 1.5, 10, 3.5];
  const radiusPx = ['interpolate', ['exponential', 2], ['zoom'], 0, ['get', 'k'], 24, ['*', ['get', 'k'], 2 ** 24]];
  const layers = [
    // Small radii (up to a town) as circles sized in metres by zoom; wide ones (a district, a
    // region, a country) as polygons, which MapLibre draws right however far they reach.
    {
      id: 'ev-precision', type: 'circle', source: 'ev-precision', minzoom: PRECISION_MIN_ZOOM,
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
    { id: 'ev-poly-fill', type: 'fill', source: 'ev-shapes', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': color, 'fill-opacity': 0.15 } },
    { id: 'ev-poly-line', type: 'line', source: 'ev-shapes', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'line-color': color, 'line-width': 1.5 } },
    {
      id: 'ev-line-casing', type: 'line', source: 'ev-shapes', filter: ['==', ['geometry-type'], 'LineString'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#ffffff', 'line-opacity': 0.85, 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 4, 10, 6.5], 'line-offset': offset },
    },
    {
      id: 'ev-line', type: 'line', source: 'ev-shapes', filter: ['==', ['geometry-type'], 'LineString'],
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
      id: 'ev-line-arrows', type: 'symbol', source: 'ev-shapes', filter: ['==', ['geometry-type'], 'LineString'],
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
      id: 'ev-origin', type: 'circle', source: 'ev-ends', filter: ['==', ['get', 'end'], 'origin'],
      paint: { 'circle-radius': 4, 'circle-color': '#ffffff', 'circle-stroke-color': color, 'circle-stroke-width': 2 },
    },
    {
      id: 'ev-head', type: 'symbol', source: 'ev-ends', filter: ['==', ['get', 'end'], 'head'],
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
      id: 'ev-clusters', type: 'circle', source: 'ev-points', filter: ['has', 'point_count'],
      paint: {
        'circle-color': INK,
        'circle-opacity': 0.88,
        'circle-radius': ['step', ['get', 'point_count'], 12, 10, 15, 100, 19, 1000, 24],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    },
    {
      id: 'ev-cluster-count', type: 'symbol', source: 'ev-points', filter: ['has', 'point_count'],
      layout: {
        'text-field': ['get', 'point_count_abbreviated'],
        'text-font': ['DejaVu Sans Bold'],
        'text-size': 11.5,
        'text-allow-overlap': true,
        'text-ignore-placement': true,
      },
      paint: { 'text-color': '#ffffff' },
    },
    {
      id: 'ev-points', type: 'circle', source: 'ev-points', filter: ['!', ['has', 'point_count']],
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

  const clickable = ['ev-clusters', 'ev-points', 'ev-line', 'ev-head', 'ev-poly-fill', 'ev-sel-point'];
  for (const id of clickable) {
    map.on('mouseenter', id, () => { map.getCanvas().classList.add('pointer'); });
    map.on('mouseleave', id, () => { map.getCanvas().classList.remove('pointer'); });
  }
  map.on('click', (e) => onClick(e, clickable));
  map.on('moveend', () => updatePrecision());
}

/** While `fn` is set, map clicks go to it first (the editor picks places this way); it
 *  returns true when it used the click. */
export function interceptClicks(fn) {
  clickInterceptor = fn;
}

async function onClick(e, layers) {
  if (clickInterceptor && clickInterceptor(e)) return;
  const p = e.point;
  const hits = map.queryRenderedFeatures([[p.x - 6, p.y - 6], [p.x + 6, p.y + 6]], { layers });
  if (!hits.length) return;
  const cluster = hits.find((f) => f.layer.id === 'ev-clusters');
  const ids = [...new Set(hits.filter((f) => f.layer.id !== 'ev-clusters').map((f) => String(f.properties.id)))];
  if (cluster) {
    const source = map.getSource('ev-points');
    const clusterId = cluster.properties.cluster_id;
    const zoom = await source.getClusterExpansionZoom(clusterId);
    if (zoom <= CLUSTER_MAX_ZOOM && zoom > map.getZoom()) {
      map.easeTo({ center: cluster.geometry.coordinates, zoom: Math.min(zoom + 0.1, CLUSTER_MAX_ZOOM + 1) });
      return;
    }
    const leaves = await source.getClusterLeaves(clusterId, 100, 0);
    for (const l of leaves) if (!ids.includes(String(l.properties.id))) ids.push(String(l.properties.id));
  }
  if (ids.length === 1) pickHandler(ids[0]);
  else if (ids.length > 1) openChooser(e.lngLat, ids);
}

let lookup = () => null;
/** How the chooser finds an event's title and date by id. */
export function setLookup(fn) {
  lookup = fn;
}

function openChooser(lngLat, ids) {
  closeChooser();
  const items = ids.map((id) => lookup(id)).filter(Boolean);
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

/** The point an event is counted at: its location, else its destination, else its first place. */
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

function polygons(g) {
  if (!g) return [];
  if (g.type === 'Polygon' || g.type === 'MultiPolygon') return [g];
  if (g.type === 'GeometryCollection') return g.geometries.flatMap(polygons);
  return [];
}

let drawn = [];
let precisionBox = null;

/** The sources' data for a set of events: anchor points, lines and areas, line ends. */
function drawable(features) {
  const points = [];
  const shapes = [];
  const ends = [];
  for (const f of features) {
    const id = String(f.id);
    const category = f.properties.category;
    const a = anchorOf(f);
    if (a) points.push({ type: 'Feature', geometry: { type: 'Point', coordinates: a }, properties: { id, category } });
    for (const line of lines(f.geometry)) {
      if (line.length < 2) continue;
      shapes.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: line }, properties: { id, category } });
      const n = line.length;
      ends.push({ type: 'Feature', geometry: { type: 'Point', coordinates: line[0] }, properties: { id, category, end: 'origin' } });
      ends.push({
        type: 'Feature', geometry: { type: 'Point', coordinates: line[n - 1] },
        properties: { id, category, end: 'head', rotate: rotation(line[n - 2], line[n - 1]) },
      });
    }
    for (const poly of polygons(f.geometry)) shapes.push({ type: 'Feature', geometry: poly, properties: { id, category } });
  }
  const fc = (fs) => ({ type: 'FeatureCollection', features: fs });
  return { points: fc(points), shapes: fc(shapes), ends: fc(ends) };
}

const SOURCES = ['ev-points', 'ev-shapes', 'ev-ends', 'ev-precision'];
let pending = null;

/** Draws a set of events: at once when the event sources are at rest, else as soon as they
 *  are. New data while their tiles were still loading (as when events arrive with the map's
 *  first tiles) was drawn, but those tiles then answered no queries (MapLibre 5.24), so a
 *  click on an event found nothing. */
export function setData(features) {
  if (!map) return;
  pending = features;
  flush();
}

function flush() {
  if (!pending || !SOURCES.every((id) => map.isSourceLoaded(id))) return;
  const features = pending;
  pending = null;
  drawn = features;
  const d = drawable(features);
  map.getSource('ev-points').setData(d.points);
  map.getSource('ev-shapes').setData(d.shapes);
  map.getSource('ev-ends').setData(d.ends);
  updatePrecision(true);
}

/** Draws the precision of the events around the view (zoomed in only), again when the map
 *  leaves the area last drawn. */
function updatePrecision(force = false) {
  if (map.getZoom() < PRECISION_MIN_ZOOM) {
    if (precisionBox) map.getSource('ev-precision').setData(EMPTY);
    precisionBox = null;
    return;
  }
  const b = map.getBounds();
  const [w, south, e, n] = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  if (!force && precisionBox && w >= precisionBox[0] && south >= precisionBox[1] && e <= precisionBox[2] && n <= precisionBox[3]) return;
  const dx = (e - w) / 2;
  const dy = (n - south) / 2;
  precisionBox = [w - dx, south - dy, e + dx, n + dy];
  // A place is drawn when its circle may reach into the box (a degree is at most ~111 km).
  const near = (p, m) => {
    const r = m / 111000 / Math.max(0.2, Math.cos((p.lat * Math.PI) / 180));
    return p.lon + r >= precisionBox[0] && p.lon - r <= precisionBox[2] && p.lat + r >= precisionBox[1] && p.lat - r <= precisionBox[3];
  };
  const circles = [];
  const areas = [];
  for (const f of drawn) {
    const id = String(f.id);
    const category = f.properties.category;
    for (const p of f.properties.places || []) {
      const m = PRECISION_M[p.precision];
      if (!m || m < 1000 || !Number.isFinite(p.lon) || !near(p, m)) continue;
      if (m >= 25000) {
        areas.push([p, m, id, category]);
      } else {
        const k = m / (M_PER_PX_Z0 * Math.cos((p.lat * Math.PI) / 180));
        circles.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [p.lon, p.lat] }, properties: { id, category, k, m } });
      }
    }
  }
  // Hundreds of overlapping district-to-country areas are an unreadable wash and slow to draw.
  const shown = areas.length <= MAX_AREAS
    ? areas.map(([p, m, id, category]) => ({ type: 'Feature', geometry: circle([p.lon, p.lat], m, 48), properties: { id, category, m } }))
    : [];
  map.getSource('ev-precision').setData({ type: 'FeatureCollection', features: circles.concat(shown) });
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
