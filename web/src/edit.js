// edit.js: the editor form on an existing event. It fills the form from the event as served,
// lists the sources it keeps (each can be let go), and turns the form into a JSON merge patch
// of only the fields the editor changed, so that a correction never rewrites what it did not
// touch.

import { h } from './dom.js';
import { plainSource } from './correct.js';
import { tn } from './i18n.js';

/** The fields the form controls, as a patch names them. */
const FIELDS = ['title', 'category', 'start', 'end', 'time_precision', 'places', 'status', 'description', 'actors', 'tags', 'fatalities', 'sources'];
const WITH_TIME = new Set(['exact', 'hour']);

let kept = [];

/** `[date, time]` of an RFC 3339 instant, the time only at a precision finer than a day. */
export function splitInstant(s, precision) {
  if (!s) return ['', ''];
  const date = s.slice(0, 10);
  if (!WITH_TIME.has(precision)) return [date, ''];
  const time = s.slice(11, 19);
  return [date, time.endsWith(':00') ? time.slice(0, 5) : time];
}

/** Fills the editor's form with event `f`. `$` finds a control by id; `places` is editor-places. */
export function fill(f, { places, $ }) {
  const p = f.properties;
  $('ed-form').reset();
  const set = (id, v) => { $(id).value = v === undefined || v === null ? '' : v; };
  set('ed-title', p.title);
  const cat = $('ed-category');
  if (p.category && ![...cat.options].some((o) => o.value === p.category)) {
    cat.append(h('option', { value: p.category }, p.category));
  }
  set('ed-category', p.category);
  const [sd, st] = splitInstant(p.start, p.time_precision);
  const [ed, et] = splitInstant(p.end, p.time_precision);
  set('ed-start', sd); set('ed-start-time', st);
  set('ed-end', ed); set('ed-end-time', et);
  set('ed-time_precision', p.time_precision);
  set('ed-description', p.description);
  set('ed-actors', (p.actors || []).join(', '));
  set('ed-tags', (p.tags || []).join(', '));
  set('ed-status', p.status);
  set('ed-fatalities', Number.isFinite(p.fatalities) ? p.fatalities : '');
  places.reset();
  for (const pl of p.places || []) places.addPlace(pl, pl.role || 'location');
  kept = (p.sources || []).map((s) => ({ source: s, keep: true }));
  renderKept($('ed-kept-sources'));
}

function renderKept(box) {
  box.hidden = !kept.length;
  box.replaceChildren(
    h('p', { class: 'kept-title' }, tn('edit.kept', kept.length)),
    h('ul', { class: 'kept-list' }, kept.map((k, i) => {
      const id = `ed-keep-${i}`;
      const box2 = h('input', { type: 'checkbox', id, checked: k.keep ? true : null });
      box2.addEventListener('change', () => { k.keep = box2.checked; });
      return h('li', {}, box2, ' ', h('label', { for: id, dir: 'auto' }, k.source.title || k.source.url));
    })));
}

/** The sources the editor keeps, in the plain form. */
export function keptSources() {
  return kept.filter((k) => k.keep).map((k) => plainSource(k.source));
}

/** The form's value with every field present (absent ones as null), to compare two states. */
export function snapshot(body) {
  const out = {};
  for (const k of FIELDS) out[k] = body[k] === undefined ? null : body[k];
  return out;
}

/** The merge patch from the form as opened (`before`) to the form now (`after`). */
export function changes(before, after) {
  const patch = {};
  for (const k of FIELDS) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) patch[k] = after[k];
  }
  return patch;
}
