// merge.js: "Merge into…" in the event panel. The editor chooses the event this one duplicates
// (events near it in place and time are offered; words, a link or an id find any other), gives
// a reason, and POST /api/events/{id}/merge moves this event's sources to it and leaves a
// tombstone pointing at it. Sent against the revision the panel shows.

import { h, debounce } from './dom.js';
import { api, ApiError } from './api.js';
import * as fmt from './format.js';
import { t, tn } from './i18n.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const DAY = 86400000;

/** A point of the event's geometry to look around, or null. */
function anchor(f) {
  let g = f.geometry;
  while (g && g.type === 'GeometryCollection') [g] = g.geometries;
  if (!g) return null;
  let c = g.coordinates;
  while (Array.isArray(c) && Array.isArray(c[0])) [c] = c;
  return Array.isArray(c) && c.length >= 2 ? { lon: c[0], lat: c[1] } : null;
}

const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/** Events near `f` in place (50 km) and time (a week either side), itself excepted. */
async function nearby(f) {
  const p = f.properties;
  const at = anchor(f);
  const start = Date.parse(p.start);
  const end = Date.parse(p.end || p.start);
  const params = { limit: 9, start: isoDay(start - 7 * DAY), end: isoDay(end + 7 * DAY) };
  if (at) Object.assign(params, { lat: at.lat.toFixed(5), lon: at.lon.toFixed(5), radius_km: 50 });
  const fc = await api('/api/events', { params });
  return fc.features.filter((x) => String(x.id) !== String(f.id)).slice(0, 8);
}

/** Events matching what the editor typed: an id or a link holding one, or words. */
async function find(text, self) {
  const id = (UUID.exec(text) || [])[0];
  if (id) {
    try {
      return [await api(`/api/events/${encodeURIComponent(id)}`)];
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 410)) return [];
      throw e;
    }
  }
  const fc = await api('/api/events', { params: { q: text, limit: 9 } });
  return fc.features.filter((x) => String(x.id) !== String(self.id)).slice(0, 8);
}

function option(f, chosen, onPick) {
  const id = `mg-pick-${f.id}`;
  const radio = h('input', { type: 'radio', name: 'mg-into', id, value: String(f.id), checked: chosen === String(f.id) ? true : null });
  radio.addEventListener('change', () => onPick(String(f.id)));
  const where = (f.properties.places || []).map((p) => p.name).filter(Boolean).slice(0, 2).join(' → ');
  return h('li', { class: 'merge-option' }, radio, ' ',
    h('label', { for: id },
      h('span', { class: 'merge-title', dir: 'auto' }, f.properties.title),
      h('span', { class: 'merge-meta' }, [fmt.shortTime(f.properties), where, tn('merge.sources', (f.properties.sources || []).length)].filter(Boolean).join(' · '))));
}

/**
 * The merge form for event `f`, built with correct.js's `reasonForm` (reason, errors, 412);
 * `done(survivor)` shows the survivor in the panel.
 */
export function form(f, { reasonForm, close, done }) {
  let into = '';
  const list = h('ul', { class: 'merge-options', id: 'mg-options', 'aria-live': 'polite' }, h('li', { class: 'muted' }, t('merge.looking')));
  const show = (features, empty) => {
    list.replaceChildren(...(features.length ? features.map((x) => option(x, into, (id) => { into = id; })) : [h('li', { class: 'muted' }, empty)]));
  };
  const search = h('input', { type: 'search', id: 'mg-search', dir: 'auto', autocomplete: 'off' });
  const run = debounce(async () => {
    const text = search.value.trim();
    try {
      if (!text) show(await nearby(f), t('merge.none_near'));
      else show(await find(text, f), t('merge.none_found'));
    } catch (e) {
      list.replaceChildren(h('li', { class: 'field-error' }, t('merge.search_error', { message: e.message })));
    }
  }, 250);
  search.addEventListener('input', run);
  run();
  return reasonForm({
    id: 'cx-merge',
    title: t('merge.title'),
    fields: [
      h('p', { class: 'hint' }, t('merge.hint')),
      h('div', { class: 'field' }, h('label', { for: 'mg-search' }, t('merge.find')), search),
      h('fieldset', { class: 'field' }, h('legend', {}, t('merge.keep')), list),
    ],
    submit: t('merge.submit'),
    onCancel: close,
    onSubmit: async (reason) => {
      if (!into) throw new ApiError(422, { detail: t('merge.choose_first') });
      done(await api(`/api/events/${encodeURIComponent(String(f.id))}/merge`, {
        method: 'POST',
        body: { into, reason },
        headers: { 'If-Match': `"${f.properties.revision}"` },
      }));
    },
  });
}
