// editor-places.js: the places of the event being written. Each row has a role, a name with
// gazetteer suggestions, coordinates (from the gazetteer or from a click on the map, named
// from the nearest gazetteer place), and a precision. The rows are drawn on the map as a draft.

import { h, announce, narrow } from './dom.js';
import { api } from './api.js';
import { placeCombobox } from './autocomplete.js';
import { countryName, PRECISION_M, precisionWords, precisionName, kindName, number } from './format.js';
import { t } from './i18n.js';
import { interceptClicks } from './events.js';

const ROLES = ['location', 'origin', 'via', 'destination'];
const KIND_PRECISION = { country: 'country', region: 'region', district: 'district', settlement: 'settlement', site: 'near' };

let map;
let rows = [];
let picking = -1;
let container;
let counter = 0;

const blank = (role = 'location') => ({ key: (counter += 1), role, name: '', gazetteer_id: '', lon: null, lat: null, precision: '', country: '', admin1: '', from: '' });

export function init(m, box) {
  map = m;
  container = box;
  rows = [blank()];
  render();
}

export function reset() {
  stopPicking();
  rows = [blank()];
  render();
}

/** Adds a place (from the report's places or a candidate). */
export function addPlace(p, role = 'location') {
  const empty = rows.findIndex((r) => !r.name && r.lon === null);
  const row = { ...blank(role), ...fromGazetteer(p) };
  if (empty >= 0) rows[empty] = { ...row, key: rows[empty].key };
  else rows.push(row);
  render();
}

function fromGazetteer(p) {
  return {
    name: p.name || '',
    gazetteer_id: p.gazetteer_id || '',
    lon: Number.isFinite(p.lon) ? p.lon : null,
    lat: Number.isFinite(p.lat) ? p.lat : null,
    country: p.country || '',
    admin1: p.admin1 || '',
    // A stored place (an event being edited) keeps the precision it was given.
    precision: p.precision || KIND_PRECISION[p.kind] || '',
    from: 'gazetteer',
  };
}

/** The places as the API's plain form takes them. */
export function value() {
  return rows
    .filter((r) => r.name.trim() || r.lon !== null)
    .map((r) => {
      const p = { role: r.role };
      if (r.name.trim()) p.name = r.name.trim();
      if (r.gazetteer_id) p.gazetteer_id = r.gazetteer_id;
      if (r.lon !== null) { p.lon = r.lon; p.lat = r.lat; }
      if (r.country) p.country = r.country;
      if (r.precision) p.precision = r.precision;
      return p;
    });
}

/** Index in `value()` → index of the row (rows left empty are not sent). */
export function rowOfValueIndex(i) {
  let k = -1;
  for (let r = 0; r < rows.length; r += 1) {
    if (rows[r].name.trim() || rows[r].lon !== null) k += 1;
    if (k === i) return r;
  }
  return -1;
}

/** Offers the candidates of an unresolved place under its row. */
export function showCandidates(rowIndex, candidates) {
  const box = container.querySelector(`[data-row="${rowIndex}"] .candidates`);
  if (!box) return;
  box.replaceChildren(
    h('p', { class: 'hint' }, t('places.which')),
    h('ul', { class: 'candidate-list' }, candidates.map((c) => h('li', {},
      h('button', {
        type: 'button', class: 'btn btn-quiet btn-small',
        onclick: () => { rows[rowIndex] = { ...rows[rowIndex], ...fromGazetteer(c), role: rows[rowIndex].role }; render(); },
      }, c.kind ? t('report.place_kind', { place: [c.name, c.admin1, countryName(c.country)].filter(Boolean).join(', '), kind: kindName(c.kind) })
        : [c.name, c.admin1, countryName(c.country)].filter(Boolean).join(', '))))));
}

function coordsText(r) {
  if (r.lon === null) return t('places.no_coords');
  return t(r.from === 'map' ? 'places.coords_map' : 'places.coords_gazetteer', { lat: r.lat.toFixed(4), lon: r.lon.toFixed(4) });
}

function row(r, i) {
  const id = `ed-place-${r.key}`;
  const listId = `${id}-list`;
  const roleSel = h('select', { id: `${id}-role`, 'data-field': `places[${i}].role` },
    ROLES.map((v) => h('option', { value: v, selected: v === r.role }, t(`places.role.${v}`))));
  roleSel.addEventListener('change', () => { r.role = roleSel.value; drawDraft(); });
  const name = h('input', {
    id: `${id}-name`, type: 'text', value: r.name, role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
    'aria-controls': listId, dir: 'auto', 'data-field': `places[${i}].name`, placeholder: t('places.name_placeholder'),
  });
  const list = h('ul', { class: 'combo-list', id: listId, role: 'listbox', 'aria-label': t('places.found'), hidden: true });
  name.addEventListener('input', () => {
    r.name = name.value;
    if (r.from === 'gazetteer') { r.gazetteer_id = ''; r.lon = null; r.lat = null; r.country = ''; r.from = ''; updateCoords(); }
  });
  placeCombobox(name, list, {
    onChoose: (p) => { Object.assign(r, fromGazetteer(p)); render(); focusRow(i, 'name'); },
  });
  const prec = h('select', { id: `${id}-precision`, 'data-field': `places[${i}].precision` },
    h('option', { value: '' }, t('places.as_gazetteer')),
    Object.keys(PRECISION_M).map((p) => h('option', { value: p, selected: p === r.precision, title: precisionWords(p) }, precisionName(p))));
  prec.addEventListener('change', () => { r.precision = prec.value; });
  const coords = h('p', { class: 'coords', id: `${id}-coords`, 'data-field': `places[${i}].lat` }, coordsText(r));
  const updateCoords = () => { coords.textContent = coordsText(r); drawDraft(); };
  const pick = h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'aria-pressed': String(picking === i) },
    t(picking === i ? 'places.click_map' : 'places.pick'));
  pick.addEventListener('click', () => (picking === i ? stopPicking() : startPicking(i)));
  const remove = h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'aria-label': t('places.remove_n', { n: number(i + 1) }) }, t('places.remove'));
  remove.addEventListener('click', () => { rows.splice(i, 1); if (!rows.length) rows.push(blank()); stopPicking(); render(); });
  return h('fieldset', { class: 'place-row', 'data-row': i },
    h('legend', {}, t('words.place', { n: number(i + 1) })),
    h('div', { class: 'field-row' },
      h('div', { class: 'field' }, h('label', { for: `${id}-role` }, t('tokens.role')), roleSel),
      h('div', { class: 'field' }, h('label', { for: `${id}-precision` }, t('places.precision')), prec)),
    h('div', { class: 'field combo', 'data-field-wrap': `places[${i}].name` },
      h('label', { for: `${id}-name` }, t('places.name')), name, list),
    coords,
    h('div', { class: 'row-actions' }, pick, rows.length > 1 || r.name || r.lon !== null ? remove : null),
    h('div', { class: 'candidates', 'aria-live': 'polite' }));
}

function focusRow(i, part) {
  const el = container.querySelector(`[data-row="${i}"] [data-field="places[${i}].${part}"]`);
  if (el) el.focus();
}

function render() {
  const add = h('button', { type: 'button', class: 'btn btn-quiet btn-small' }, t('places.add'));
  add.addEventListener('click', () => {
    const roles = rows.map((r) => r.role);
    rows.push(blank(roles.includes('origin') && !roles.includes('destination') ? 'destination' : 'location'));
    render();
    focusRow(rows.length - 1, 'name');
  });
  container.replaceChildren(...rows.map(row), add);
  drawDraft();
}

// ---- picking on the map ---------------------------------------------------------------------------

function startPicking(i) {
  picking = i;
  document.body.classList.add('picking');
  map.getCanvas().classList.add('crosshair');
  interceptClicks(onMapClick);
  render();
  banner(true, i);
  announce(t('places.picking', { n: number(i + 1) }));
}

export function stopPicking() {
  if (picking < 0) return false;
  picking = -1;
  document.body.classList.remove('picking');
  map.getCanvas().classList.remove('crosshair');
  interceptClicks(null);
  banner(false);
  render();
  return true;
}

export const isPicking = () => picking >= 0;

function banner(show, i) {
  let b = document.getElementById('pick-banner');
  if (!show) { if (b) b.remove(); return; }
  if (!b) {
    b = h('div', { id: 'pick-banner', class: 'pick-banner', role: 'status' });
    document.body.append(b);
  }
  const cancel = h('button', { type: 'button', class: 'btn btn-quiet btn-small', onclick: () => stopPicking() }, t('common.cancel'));
  b.replaceChildren(h('span', {}, t(narrow() ? 'places.banner_tap' : 'places.banner_click', { n: number(i + 1) })), cancel);
}

function onMapClick(e) {
  const i = picking;
  if (i < 0 || !rows[i]) return false;
  const { lng, lat } = e.lngLat.wrap();
  const r = rows[i];
  Object.assign(r, { lon: Math.round(lng * 1e6) / 1e6, lat: Math.round(lat * 1e6) / 1e6, gazetteer_id: '', from: 'map', precision: r.precision || 'near' });
  stopPicking();
  nameFromMap(r, i);
  focusRow(i, 'name');
  return true;
}

async function nameFromMap(r, i) {
  try {
    const fc = await api('/api/places/reverse', { params: { lat: r.lat, lon: r.lon, limit: 1 } });
    const near = fc.features[0];
    if (!near) return;
    const p = near.properties;
    if (!r.name) r.name = p.name;
    r.country = r.country || p.country || '';
    render();
    const hint = container.querySelector(`[data-row="${i}"] .candidates`);
    const where = [p.name, p.admin1, countryName(p.country)].filter(Boolean).join(', ');
    if (hint) {
      hint.replaceChildren(h('p', { class: 'hint' }, Number.isFinite(p.distance_km)
        ? t('places.nearest_km', { place: where, km: number(Math.round(p.distance_km * 10) / 10) })
        : t('places.nearest', { place: where })));
    }
  } catch {
    // Without a name the server completes it from the coordinates.
  }
}

// ---- the draft on the map -------------------------------------------------------------------------

function drawDraft() {
  // The event layers exist once the map's load handler ran; before that there is nothing to draw on.
  if (!map || !map.getLayer('ev-points')) return;
  if (!map.getSource('draft')) {
    map.addSource('draft', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'draft-line', type: 'line', source: 'draft', filter: ['==', ['geometry-type'], 'LineString'], paint: { 'line-color': '#b3261e', 'line-width': 2.5, 'line-dasharray': [2, 1.5] } });
    map.addLayer({ id: 'draft-points', type: 'circle', source: 'draft', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 7, 'circle-color': '#ffffff', 'circle-stroke-color': '#b3261e', 'circle-stroke-width': 3 } });
    map.addLayer({ id: 'draft-labels', type: 'symbol', source: 'draft', filter: ['==', ['geometry-type'], 'Point'], layout: { 'text-field': ['get', 'n'], 'text-font': ['DejaVu Sans Bold'], 'text-size': 10, 'text-allow-overlap': true }, paint: { 'text-color': '#b3261e' } });
  }
  const placed = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.lon !== null);
  const order = { origin: 0, via: 1, location: 1, destination: 2 };
  const route = placed.filter(({ r }) => r.role !== 'location').sort((a, b) => order[a.r.role] - order[b.r.role]);
  const features = placed.map(({ r, i }) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [r.lon, r.lat] }, properties: { n: String(i + 1) } }));
  if (route.length >= 2) features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: route.map(({ r }) => [r.lon, r.lat]) }, properties: {} });
  map.getSource('draft').setData({ type: 'FeatureCollection', features });
}

/** Removes the draft from the map (the editor closed). */
export function clearDraft() {
  if (map && map.getSource('draft')) map.getSource('draft').setData({ type: 'FeatureCollection', features: [] });
}

export const show = drawDraft;
