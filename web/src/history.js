// history.js: an event's revisions, newest first: who changed what, when and why. Values are
// shown as short text (places and sources by name), never as HTML.

import { h } from './dom.js';
import { stamp } from './format.js';

const ACTIONS = { create: 'Created', update: 'Changed', delete: 'Deleted', restore: 'Restored' };
const FIELD_NAMES = {
  title: 'Title', description: 'Description', category: 'Type', tags: 'Tags', actors: 'Actors', start: 'Start',
  end: 'End', time_precision: 'Time precision', places: 'Places', geometry: 'Geometry', sources: 'Sources',
  status: 'Status', fatalities: 'Fatalities', properties: 'Other fields',
};

function short(v) {
  if (v === null || v === undefined || v === '') return '(none)';
  if (Array.isArray(v)) {
    if (!v.length) return '(none)';
    return v.map((x) => (x && typeof x === 'object' ? x.name || x.title || x.url || JSON.stringify(x) : String(x))).join(', ');
  }
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}

function change([field, c]) {
  return h('li', { class: 'change' },
    h('span', { class: 'change-field' }, FIELD_NAMES[field] || field),
    h('span', { class: 'change-before', dir: 'auto' }, short(c && c.before)),
    h('span', { class: 'change-arrow', 'aria-label': 'became' }, '→'),
    h('span', { class: 'change-after', dir: 'auto' }, short(c && c.after)));
}

function revision(r) {
  const fields = Object.entries(r.changes || {});
  const what = ACTIONS[r.action] || r.action;
  return h('li', { class: 'revision' },
    h('p', { class: 'revision-head' },
      h('strong', {}, `${what}`), ` · revision ${r.revision} · ${stamp(r.at)}`,
      r.actor ? h('span', { class: 'revision-actor', dir: 'auto' }, ` · by ${r.actor}`) : null),
    r.reason ? h('p', { class: 'revision-reason', dir: 'auto' }, `Why: ${r.reason}`) : null,
    r.action === 'create'
      ? h('p', { class: 'muted' }, `With ${fields.map(([f]) => (FIELD_NAMES[f] || f).toLowerCase()).join(', ')}.`)
      : fields.length ? h('ul', { class: 'changes' }, fields.map(change)) : null);
}

/** The history as a list (newest first). */
export function renderHistory(hist) {
  const revs = (hist && hist.revisions) || [];
  if (!revs.length) return h('p', { class: 'muted' }, 'No history recorded.');
  return h('ol', { class: 'revisions', reversed: true }, [...revs].reverse().map(revision));
}
