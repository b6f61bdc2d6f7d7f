// map.js: creates the MapLibre map (CSP build, local worker and RTL text plugin, a flat map
// without rotation or pitch), its controls, and the small helpers other modules use to read or
// set the view. Layers belong to basemap.js and events.js.

import { offlineStyle, ATTRIBUTION } from './basemap.js';
import { t, isRtl } from './i18n.js';
import { readHeaders } from './api.js';

const DEFAULT_VIEW = { lon: 30, lat: 28, zoom: 2 };

/** Creates the map in `container`. `style` is a team's style URL or null for the offline one. */
export function createMap(container, { style, view, attribution, embed }) {
  const gl = window.maplibregl;
  gl.setWorkerUrl(`${location.origin}/assets/vendor/maplibre-gl-csp-worker.js`);
  const v = view || DEFAULT_VIEW;
  const map = new gl.Map({
    container,
    style: style || offlineStyle(attribution || ATTRIBUTION),
    center: [v.lon, v.lat],
    zoom: v.zoom,
    minZoom: 1,
    maxZoom: 17,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    maxPitch: 0,
    attributionControl: false,
    cooperativeGestures: embed ? true : undefined,
    // Labels appear without a fade: each fading frame costs a full redraw, which on a machine
    // without a GPU delayed the first complete view by about 60 ms (docs/PERFORMANCE.md).
    fadeDuration: 0,
    // The event tiles are read like the list: with the token when the instance is private.
    transformRequest: (u) => (u.startsWith(`${location.origin}/api/`) ? { url: u, headers: readHeaders() } : undefined),
    locale: {
      'NavigationControl.ZoomIn': t('map.zoom_in'),
      'NavigationControl.ZoomOut': t('map.zoom_out'),
      'ScaleControl.Kilometers': t('map.km'),
      'ScaleControl.Meters': t('map.m'),
      'AttributionControl.ToggleAttribution': t('map.attribution'),
      'CooperativeGesturesHandler.WindowsHelpText': t('map.gestures.windows'),
      'CooperativeGesturesHandler.MacHelpText': t('map.gestures.mac'),
      'CooperativeGesturesHandler.MobileHelpText': t('map.gestures.mobile'),
    },
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  // The event panel covers the end of the map (the right, or the left in Arabic), so the
  // controls live at its start.
  const start = isRtl() ? 'right' : 'left';
  map.addControl(new gl.NavigationControl({ showCompass: false }), `top-${start}`);
  map.addControl(new gl.AttributionControl({ compact: true, customAttribution: style ? attribution : undefined }), `bottom-${start}`);
  map.addControl(new gl.ScaleControl({ maxWidth: 110, unit: 'metric' }), `bottom-${start}`);
  return map;
}

/** The view as the state keeps it. */
export function viewOf(map) {
  const c = map.getCenter().wrap();
  return { lon: c.lng, lat: c.lat, zoom: map.getZoom() };
}

/** Moves the map to a state's view without animation. */
export function jumpTo(map, view) {
  if (view) map.jumpTo({ center: [view.lon, view.lat], zoom: view.zoom });
}

/** The bounds [[w, s], [e, n]] of a set of GeoJSON features, or null. */
export function boundsOf(features) {
  let w = Infinity; let s = Infinity; let e = -Infinity; let n = -Infinity;
  const add = ([x, y]) => {
    if (x < w) w = x; if (x > e) e = x; if (y < s) s = y; if (y > n) n = y;
  };
  const walk = (c) => (typeof c[0] === 'number' ? add(c) : c.forEach(walk));
  for (const f of features) {
    const g = f.geometry;
    if (!g) continue;
    if (g.type === 'GeometryCollection') g.geometries.forEach((x) => walk(x.coordinates));
    else walk(g.coordinates);
  }
  return Number.isFinite(w) ? [[w, s], [e, n]] : null;
}

/** Fits the map to features, never closer than `maxZoom`, in the part of the map that the
 *  panel (or a phone's sheet) leaves visible. */
export function fitTo(map, features, { maxZoom = 9, animate = false } = {}) {
  const b = boundsOf(features);
  if (!b) return false;
  map.fitBounds(b, { maxZoom, animate, padding: fitPadding(map) });
  return true;
}

/** How much of the map the open panel covers: {right, bottom} in pixels. */
export function covered() {
  const panel = document.getElementById('panel');
  const editor = document.getElementById('editor');
  const el = !editor.hidden ? editor : !panel.hidden ? panel : null;
  if (!el) return { left: 0, right: 0, bottom: 0 };
  const m = document.getElementById('map').getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const phone = window.matchMedia('(max-width: 760px)').matches;
  const clamp = (v, max) => Math.max(0, Math.min(v, max - 60));
  if (phone) return { left: 0, right: 0, bottom: clamp(m.bottom - r.top, m.height) };
  // On a desk the panel opens at the end of the line: the right, or the left right to left.
  return isRtl() ? { left: clamp(r.right - m.left, m.width), right: 0, bottom: 0 } : { left: 0, right: clamp(m.right - r.left, m.width), bottom: 0 };
}

function fitPadding(map) {
  const c = map.getContainer();
  const cover = covered();
  const w = c.clientWidth - cover.right - cover.left;
  const hgt = c.clientHeight - cover.bottom;
  const p = Math.max(10, Math.min(70, Math.round(Math.min(w, hgt) / 8)));
  // The legend runs along the top of the map, the zoom buttons down its start (left, or right).
  const controls = 30;
  return {
    top: Math.min(p + 40, hgt / 3), bottom: p + cover.bottom,
    left: p + cover.left + (isRtl() ? 0 : controls), right: p + cover.right + (isRtl() ? controls : 0),
  };
}
