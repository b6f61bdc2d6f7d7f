// basemap.js: the offline basemap. Sea, land and country borders come from the Natural Earth
// shapes the server embeds, as vector tiles it cuts for the view; place labels come from the
// gazetteer (/api/places/labels), reloaded when the map stops moving, larger places first, with
// the local name under the English one (Arabic shaped by the RTL text plugin). In another
// language of the page, a label reads in it where the gazetteer has the name in it (Arabic names
// in Arabic-speaking countries, Ukrainian in Ukraine, Russian in Russia; country names from
// Intl.DisplayNames), as `name:<lang>`. No request ever leaves this server.

import { api, aborted } from './api.js';
import { debounce } from './dom.js';
import { rtlSupport } from './rtl.js';
import { lang, locale } from './i18n.js';

/** Text in a right-to-left script (Hebrew, Arabic, Syriac, Thaana, N'Ko and the like), which
 *  needs the RTL text plugin to be drawn. */
export const RTL = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;

const EMPTY = { type: 'FeatureCollection', features: [] };

/** The language of the gazetteer's `local_name` (the country's main language) for the
 *  countries whose local names are in one of the page's languages. */
const ARABIC = ['AE', 'BH', 'DZ', 'EG', 'IQ', 'JO', 'KW', 'LB', 'LY', 'MA', 'MR', 'OM', 'PS', 'QA', 'SA', 'SD', 'SY', 'TN', 'YE'];
export const LOCAL_LANGUAGE = { ...Object.fromEntries(ARABIC.map((c) => [c, 'ar'])), RU: 'ru', UA: 'uk' };

let countryNames;
/** The name of a country in the page's language, from the browser (null when it has none). */
function countryIn(code) {
  try {
    countryNames = countryNames || new Intl.DisplayNames([locale()], { type: 'region', fallback: 'none' });
    return (code && countryNames.of(String(code).toUpperCase())) || null;
  } catch {
    return null;
  }
}

/**
 * The label texts of a place for a reader of `language`: `name:<language>` when the gazetteer
 * (or, for a country, the browser) has the name in that language, and `local`, the second line:
 * the name in the country's own script when the first line is not already it. `drawable` says
 * whether a text can be drawn (right-to-left text needs the RTL plugin).
 */
export function labelNames(p, language, { drawable = () => true, country = countryIn } = {}) {
  const out = { local: '' };
  const local = p.local_name && p.local_name !== p.name && drawable(p.local_name) ? p.local_name : '';
  let own = null;
  if (language !== 'en') {
    if (p.kind === 'country') own = country(p.country);
    else if (local && LOCAL_LANGUAGE[String(p.country || '').toUpperCase()] === language) own = local;
    if (own && !drawable(own)) own = null;
  }
  if (own) out[`name:${language}`] = own;
  out.local = own ? '' : local;
  return out;
}
export const ATTRIBUTION = '© Natural Earth · places © GeoNames (CC BY 4.0) · MapLibre';

export const COLORS = {
  sea: '#dce6ee',
  land: '#f6f4ef',
  coast: '#a9bccb',
  border: '#b5ab9c',
  label: '#34393f',
  labelMuted: '#7d7a73',
  halo: 'rgba(250, 249, 246, 0.92)',
};

/** The style of the offline basemap; `startLabels` fills in the place labels. */
export function offlineStyle(attribution = ATTRIBUTION) {
  return {
    version: 8,
    name: 'eventmap offline',
    glyphs: `${location.origin}/glyphs/{fontstack}/{range}.pbf`,
    sources: {
      // Natural Earth land and borders as vector tiles cut by the server (1:50m up to zoom 4,
      // 1:10m from zoom 5: Latakia on its coast at zoom 8), enlarged beyond zoom 8.
      basemap: {
        type: 'vector',
        tiles: [`${location.origin}/basemap/tiles/{z}/{x}/{y}.mvt`],
        minzoom: 0,
        maxzoom: 8,
        attribution,
      },
      labels: { type: 'geojson', data: EMPTY },
    },
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': COLORS.sea } },
      { id: 'land', type: 'fill', source: 'basemap', 'source-layer': 'land', paint: { 'fill-color': COLORS.land } },
      {
        id: 'coast', type: 'line', source: 'basemap', 'source-layer': 'coast',
        paint: { 'line-color': COLORS.coast, 'line-width': ['interpolate', ['linear'], ['zoom'], 2, 0.4, 8, 1.2] },
      },
      {
        id: 'borders', type: 'line', source: 'basemap', 'source-layer': 'borders',
        layout: { 'line-join': 'round' },
        paint: {
          'line-color': COLORS.border,
          'line-width': ['interpolate', ['linear'], ['zoom'], 2, 0.5, 6, 1, 10, 1.6],
          'line-dasharray': [3, 1.5],
        },
      },
    ],
  };
}

/** Label layers go on top of the events' precision circles but under the event symbols, so
 *  they are added by `addLabelLayers` once the event layers know where they start. */
export function addLabelLayers(map, beforeId) {
  addDot(map);
  map.addLayer({
    id: 'labels-country', type: 'symbol', source: 'labels',
    filter: ['==', ['get', 'kind'], 'country'],
    layout: {
      'text-field': ['coalesce', ['get', `name:${lang()}`], ['get', 'name']],
      'text-font': ['DejaVu Sans'],
      'text-size': ['interpolate', ['linear'], ['zoom'], 2, 10, 6, 13],
      'text-transform': 'uppercase',
      'text-letter-spacing': 0.12,
      'text-max-width': 7,
      'symbol-sort-key': ['get', 'rank'],
      'text-padding': 6,
    },
    paint: { 'text-color': COLORS.labelMuted, 'text-halo-color': COLORS.halo, 'text-halo-width': 1.4 },
  }, beforeId);
  map.addLayer({
    id: 'labels-place', type: 'symbol', source: 'labels',
    filter: ['!=', ['get', 'kind'], 'country'],
    layout: {
      'icon-image': 'place-dot',
      'icon-size': 1,
      'text-field': [
        'format',
        ['coalesce', ['get', `name:${lang()}`], ['get', 'name']], {},
        ['case', ['!=', ['get', 'local'], ''], ['concat', '\n', ['get', 'local']], ''], { 'font-scale': 0.86 },
      ],
      'text-font': ['case', ['>=', ['get', 'population'], 1000000], ['literal', ['DejaVu Sans Bold']], ['literal', ['DejaVu Sans']]],
      'text-size': ['interpolate', ['linear'], ['get', 'population'], 0, 11.5, 100000, 12.5, 1000000, 14, 5000000, 15],
      'text-variable-anchor': ['left', 'right', 'top', 'bottom'],
      'text-radial-offset': 0.55,
      'text-justify': 'auto',
      'text-max-width': 10,
      'text-line-height': 1.15,
      'symbol-sort-key': ['get', 'rank'],
      'text-padding': 4,
    },
    paint: { 'text-color': COLORS.label, 'text-halo-color': COLORS.halo, 'text-halo-width': 1.5 },
  }, beforeId);
}

function addDot(map) {
  if (map.hasImage('place-dot')) return;
  const r = window.devicePixelRatio > 1 ? 2 : 1;
  const size = 10 * r;
  const c = document.createElement('canvas');
  c.width = size;
  c.height = size;
  const ctx = c.getContext('2d');
  ctx.beginPath();
  ctx.arc(size / 2, size / 2, 2.6 * r, 0, Math.PI * 2);
  ctx.fillStyle = '#4a4f57';
  ctx.fill();
  ctx.lineWidth = 1.2 * r;
  ctx.strokeStyle = '#ffffff';
  ctx.stroke();
  map.addImage('place-dot', ctx.getImageData(0, 0, size, size), { pixelRatio: r });
}

/** Loads the place labels for the view, at once (while the map loads its style) and again
 *  whenever the map stops moving. */
export function startLabels(map) {
  // The labels' source exists once the style has loaded.
  const styled = map.getSource('labels') ? Promise.resolve() : new Promise((done) => map.once('load', done));
  let controller = null;
  // The box and zoom of the labels shown or on their way: a view inside that box at the same
  // zoom (the map settling by a few pixels as the page lays out) keeps them rather than
  // fetching and placing them again.
  let shown = null;
  const load = async () => {
    const b = map.getBounds();
    const wide = b.getEast() - b.getWest() >= 360;
    const clamp = (x) => Math.max(-180, Math.min(180, x));
    const bbox = wide
      ? [-180, -85, 180, 85]
      : [clamp(b.getWest()), Math.max(-90, b.getSouth()), clamp(b.getEast()), Math.min(90, b.getNorth())];
    const zoom = Math.max(0, Math.min(22, map.getZoom() + 0.5)).toFixed(1);
    const slack = 0.002 * (bbox[2] - bbox[0]); // a box wider by rounding is the same box
    if (shown && shown.zoom === zoom && bbox[0] >= shown.bbox[0] - slack && bbox[1] >= shown.bbox[1] - slack
        && bbox[2] <= shown.bbox[2] + slack && bbox[3] <= shown.bbox[3] + slack) return;
    if (controller) controller.abort();
    controller = new AbortController();
    shown = { bbox, zoom };
    try {
      const fc = await api('/api/places/labels', {
        params: { bbox: bbox.map((x) => x.toFixed(3)).join(','), zoom },
        signal: controller.signal,
      });
      const rtl = await rtlSupport();
      const drawable = (t) => rtl || !RTL.test(t || '');
      fc.features = fc.features.filter((f) => drawable(f.properties.name));
      for (const f of fc.features) {
        const p = f.properties;
        Object.assign(p, labelNames(p, lang(), { drawable }));
        p.population = p.population || 0;
      }
      await styled;
      map.getSource('labels').setData(fc);
    } catch (e) {
      if (!aborted(e)) {
        shown = null;
        console.warn('place labels could not be loaded', e.message);
      }
    }
  };
  map.on('moveend', debounce(load, 150));
  load();
}
