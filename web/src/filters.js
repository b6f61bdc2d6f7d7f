// filters.js: the filter form (text, dates, place, type, status, actor). It writes the state on
// every change and mirrors the state back when it changes elsewhere (the timeline, back and
// forward). On a phone the form is a sheet opened by the Filters button.

import * as state from './state.js';
import { h, debounce, narrow } from './dom.js';
import { api } from './api.js';
import { placeCombobox } from './autocomplete.js';
import { statusLabel, STATUS, countryName, number } from './format.js';
import { t, tn } from './i18n.js';
import { paintDots } from './events.js';

const $ = (id) => document.getElementById(id);
let placeNames = new Map();
/** The kind of each place shown (a country or a region filters by all of it, not a radius). */
const placeKinds = new Map();
/** What the chip says for a place that is a whole area: it keeps every event in it. */
const AREA_SCOPE = { country: t('filters.scope.country'), region: t('filters.scope.region') };
let onPlace = () => {};

function checkbox(name, value, label, color) {
  return h('label', { class: 'check' },
    h('input', { type: 'checkbox', name, value }),
    color ? h('span', { class: 'dot', 'data-color': color, 'aria-hidden': 'true' }) : null,
    h('span', {}, label));
}

function checked(name) {
  return [...document.querySelectorAll(`#filter-form input[name=${name}]:checked`)].map((i) => i.value);
}

/** Opens or folds the filters (a sheet on a phone, a section on a desk). */
export function setOpen(open) {
  $('filters').classList.toggle('open', open);
  $('btn-filters').setAttribute('aria-expanded', String(open));
  if (open && narrow()) $('f-q').focus();
}

export const isSheetOpen = () => narrow() && $('filters').classList.contains('open');

export function init(config, { onPlaceChosen }) {
  onPlace = onPlaceChosen;
  const cats = $('f-categories');
  cats.append(...config.categories.map((c) => checkbox('category', c.value, c.label, c.color)));
  paintDots(cats);
  const statuses = config.statuses || Object.keys(STATUS);
  $('f-statuses').append(...statuses.map((st) => checkbox('status', st, statusLabel(st))));

  const q = debounce(() => state.update({ filters: { q: $('f-q').value.trim() } }), 400);
  $('f-q').addEventListener('input', q);
  $('f-q').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); q.cancel(); state.update({ filters: { q: $('f-q').value.trim() } }); }
  });
  for (const k of ['start', 'end']) {
    $(`f-${k}`).addEventListener('change', (e) => {
      const v = e.target.value;
      if (!v || /^\d{4}-\d{2}-\d{2}$/.test(v)) state.update({ time: { [k]: v } });
    });
  }
  cats.addEventListener('change', () => state.update({ filters: { categories: checked('category') } }));
  $('f-statuses').addEventListener('change', () => state.update({ filters: { statuses: checked('status') } }));
  $('f-actor').addEventListener('change', () => state.update({ filters: { actor: $('f-actor').value.trim() } }));
  $('f-radius').addEventListener('change', () => state.update({ filters: { radius: Number($('f-radius').value) } }));
  placeCombobox($('f-place'), $('f-place-list'), {
    onChoose: (p) => {
      placeNames.set(p.gazetteer_id, placeLabel(p));
      placeKinds.set(p.gazetteer_id, p.kind);
      $('f-place').value = '';
      // An area has no radius: the server refuses one with it.
      const radius = AREA_SCOPE[p.kind] ? state.DEFAULT_RADIUS : state.get().filters.radius;
      state.update({ filters: { place: p.gazetteer_id, radius } });
      onPlace(p, radius);
      $('f-place-clear').focus();
    },
  });
  $('f-place-clear').addEventListener('click', () => {
    state.update({ filters: { place: '' } });
    $('f-place').focus();
  });
  $('filter-form').addEventListener('submit', (e) => e.preventDefault());
  $('filter-form').addEventListener('reset', (e) => {
    e.preventDefault();
    state.update({ filters: { q: '', categories: [], statuses: [], actor: '', place: '', radius: state.DEFAULT_RADIUS }, time: { start: '', end: '' } });
  });
  $('btn-filters').addEventListener('click', () => setOpen(!$('filters').classList.contains('open')));
  $('filters-close').addEventListener('click', () => { setOpen(false); $('btn-filters').focus(); });
  $('filters-done').addEventListener('click', () => { setOpen(false); $('btn-filters').focus(); });
  setOpen(!narrow());
  sync(state.get());
}

function placeLabel(p) {
  const parts = [p.name, p.admin1, countryName(p.country)].filter(Boolean);
  return parts.filter((x, i) => parts.indexOf(x) === i).join(', ');
}

async function showPlace(id) {
  $('f-place-picked').hidden = !id;
  $('f-place-combo').hidden = !!id;
  if (!id) { $('f-place-name').textContent = ''; return; }
  if (!placeNames.has(id)) {
    placeNames.set(id, id);
    try {
      if (id.includes(':')) {
        const f = await api(`/api/places/${encodeURIComponent(id)}`);
        placeNames.set(id, placeLabel(f.properties));
        placeKinds.set(id, f.properties.kind);
      }
    } catch {
      // An unknown id keeps showing as itself; the list will say no event matches.
    }
  }
  if (state.get().filters.place !== id) return;
  $('f-place-name').textContent = placeNames.get(id);
  // A country or a region keeps every event in it: no radius to choose, and the chip says so.
  const scope = AREA_SCOPE[placeKinds.get(id)];
  $('f-place-scope').hidden = !scope;
  $('f-place-scope').textContent = scope || '';
  $('f-radius').hidden = !!scope;
  if (scope && state.get().filters.radius !== state.DEFAULT_RADIUS) {
    state.update({ filters: { radius: state.DEFAULT_RADIUS } }, { history: 'replace' });
  }
}

/** Makes the form show the state. */
export function sync(s) {
  const f = s.filters;
  if (document.activeElement !== $('f-q')) $('f-q').value = f.q;
  const dateOf = (v) => (v ? v.slice(0, 10) : '');
  $('f-start').value = dateOf(s.time.start);
  $('f-end').value = dateOf(s.time.end);
  for (const i of document.querySelectorAll('#filter-form input[name=category]')) i.checked = f.categories.includes(i.value);
  for (const i of document.querySelectorAll('#filter-form input[name=status]')) i.checked = f.statuses.includes(i.value);
  $('f-actor').value = f.actor;
  const r = $('f-radius');
  if (![...r.options].some((o) => Number(o.value) === f.radius)) r.append(h('option', { value: f.radius }, t('filters.within', { n: number(f.radius) })));
  r.value = String(f.radius);
  showPlace(f.place);
  const more = (f.categories.length ? 1 : 0) + (f.statuses.length ? 1 : 0) + (f.actor ? 1 : 0);
  $('more-count').hidden = !more;
  $('more-count').textContent = more ? String(more) : '';
  if (more) $('more-filters').open = true;
  const n = state.activeFilterCount(s);
  $('filters-count').hidden = !n;
  $('filters-count').textContent = n ? String(n) : '';
  $('btn-filters').setAttribute('aria-label', n ? tn('filters.active', n) : t('filters.title'));
}

/** Offers the actors of the loaded events as suggestions. */
export function setActors(features) {
  const seen = new Map();
  for (const f of features) {
    for (const a of f.properties.actors || []) {
      const k = a.toLowerCase();
      if (!seen.has(k)) seen.set(k, a);
      if (seen.size >= 300) break;
    }
  }
  const names = [...seen.values()].sort((a, b) => a.localeCompare(b));
  $('f-actor-options').replaceChildren(...names.map((n) => h('option', { value: n })));
}
