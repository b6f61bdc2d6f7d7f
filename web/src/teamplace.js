// teamplace.js: a place the gazetteer lacks (a checkpoint, a base, a village), added by the team
// from the map: click where it is, name it (with its names in other scripts), save it with
// POST /api/places. It is searchable at once and joins the event being written.

import { h, announce, narrow } from './dom.js';
import { api, ApiError } from './api.js';
import { interceptClicks } from './events.js';
import { fieldError } from './words.js';
import { t } from './i18n.js';
import { number } from './format.js';

const KINDS = ['site', 'settlement', 'district', 'natural', 'area'];

let map;
let box;
let onAdded = () => {};
let picking = false;

/** The part of the places fieldset that offers it. */
export function section() {
  box = h('div', { class: 'team-place', id: 'tp-box' });
  return box;
}

export function init(m, { onAdded: added }) {
  map = m;
  onAdded = added;
  idle();
}

function idle() {
  box.replaceChildren(h('button', { type: 'button', class: 'btn btn-quiet btn-small', id: 'tp-start', onclick: start },
    t('teamplace.start')));
}

function start() {
  picking = true;
  map.getCanvas().classList.add('crosshair');
  interceptClicks(onClick);
  let b = document.getElementById('pick-banner');
  if (!b) { b = h('div', { id: 'pick-banner', class: 'pick-banner', role: 'status' }); document.body.append(b); }
  b.replaceChildren(h('span', {}, t(narrow() ? 'teamplace.banner_tap' : 'teamplace.banner_click')),
    h('button', { type: 'button', class: 'btn btn-quiet btn-small', onclick: () => stop() }, t('common.cancel')));
  box.replaceChildren(h('p', { class: 'hint' }, t('teamplace.hint')));
  announce(t('teamplace.announce'));
}

/** Stops picking a point; whether it was picking. */
export function stop() {
  if (!picking) return false;
  picking = false;
  map.getCanvas().classList.remove('crosshair');
  interceptClicks(null);
  const b = document.getElementById('pick-banner');
  if (b) b.remove();
  idle();
  return true;
}

function onClick(e) {
  if (!picking) return false;
  const { lng, lat } = e.lngLat.wrap();
  const at = { lon: Math.round(lng * 1e6) / 1e6, lat: Math.round(lat * 1e6) / 1e6 };
  stop();
  box.replaceChildren(form(at));
  document.getElementById('tp-name').focus();
  return true;
}

function form(at) {
  const err = (name) => h('p', { class: 'field-error', id: `tp-err-${name}`, hidden: true });
  const name = h('input', { type: 'text', id: 'tp-name', maxlength: 200, dir: 'auto', 'aria-describedby': 'tp-err-name' });
  const names = h('textarea', { id: 'tp-names', rows: 3, dir: 'auto', 'aria-describedby': 'tp-hint-names tp-err-names' });
  const kind = h('select', { id: 'tp-kind' }, KINDS.map((v) => h('option', { value: v }, t(`teamplace.kind.${v}`))));
  const near = h('p', { class: 'hint', id: 'tp-near' }, t('teamplace.at', { lat: at.lat.toFixed(5), lon: at.lon.toFixed(5) }));
  const summary = h('p', { class: 'field-error', id: 'tp-error', role: 'alert', hidden: true });
  const save = h('button', { type: 'submit', class: 'btn btn-primary btn-small', id: 'tp-save' }, t('teamplace.save'));
  const f = h('form', { class: 'team-place-form', id: 'tp-form', 'aria-label': t('teamplace.title'), novalidate: true },
    h('h4', { class: 'correct-title' }, t('teamplace.title')), near,
    h('div', { class: 'field' }, h('label', { for: 'tp-name' }, t('teamplace.name')), name, err('name')),
    h('div', { class: 'field' }, h('label', { for: 'tp-names' }, t('teamplace.names')), names,
      h('p', { class: 'hint', id: 'tp-hint-names' }, t('teamplace.names_hint')), err('names')),
    h('div', { class: 'field' }, h('label', { for: 'tp-kind' }, t('teamplace.kind_label')), kind),
    summary,
    h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'btn btn-quiet btn-small', onclick: idle }, t('common.cancel')), save));
  nearest(at, near);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const el of f.querySelectorAll('.field-error')) { el.hidden = true; el.textContent = ''; }
    const body = { name: name.value.trim(), names: names.value.split('\n').map((s) => s.trim()).filter(Boolean), kind: kind.value, ...at };
    if (!body.name) { show('name', t('teamplace.name_missing')); name.focus(); return; }
    save.disabled = true;
    try {
      const made = await api('/api/places', { method: 'POST', body });
      const p = made.properties || {};
      const [lon, lat] = made.geometry ? made.geometry.coordinates : [at.lon, at.lat];
      onAdded({ ...p, name: p.name || body.name, gazetteer_id: p.gazetteer_id || made.id, lon, lat, kind: body.kind });
      idle();
      announce(t('teamplace.saved', { name: body.name }));
    } catch (x) {
      save.disabled = false;
      const fields = x instanceof ApiError ? x.errors || [] : [];
      let shown = false;
      for (const fe of fields) {
        const key = (fe.field || '').startsWith('names') ? 'names' : 'name';
        show(key, fieldError(fe.field || '', fe.message, t(key === 'names' ? 'teamplace.names_field' : 'teamplace.name_field')).message);
        shown = true;
      }
      if (!shown) { summary.textContent = t('teamplace.error', { message: x.message }); summary.hidden = false; }
    }
  });
  return f;
}

function show(key, message) {
  const el = document.getElementById(`tp-err-${key}`);
  el.textContent = message;
  el.hidden = false;
}

async function nearest(at, el) {
  try {
    const fc = await api('/api/places/reverse', { params: { lat: at.lat, lon: at.lon, limit: 1 } });
    const p = fc.features[0] && fc.features[0].properties;
    if (p) el.textContent = t('teamplace.near', { lat: at.lat.toFixed(5), lon: at.lon.toFixed(5), km: number(Math.round(p.distance_km * 10) / 10), name: p.name });
  } catch {
    // The coordinates alone are enough.
  }
}
