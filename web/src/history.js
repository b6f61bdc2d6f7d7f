// history.js: an event's revisions, newest first: who changed what, when and why. Values are
// shown as short text (places and sources by name), never as HTML.

import { h } from './dom.js';
import { stamp } from './format.js';
import { t, isRtl, lang } from './i18n.js';

const ACTIONS = ['create', 'update', 'delete', 'restore', 'merge'];
const FIELDS = ['title', 'description', 'category', 'tags', 'actors', 'start', 'end', 'time_precision', 'places', 'geometry',
  'sources', 'status', 'fatalities', 'properties'];
const fieldName = (f) => (FIELDS.includes(f) ? t(`field.${f}`) : f);

function short(v) {
  if (v === null || v === undefined || v === '') return t('history.none');
  if (Array.isArray(v)) {
    if (!v.length) return t('history.none');
    return v.map((x) => (x && typeof x === 'object' ? x.name || x.title || x.url || JSON.stringify(x) : String(x))).join(', ');
  }
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}

function change([field, c]) {
  return h('li', { class: 'change' },
    h('span', { class: 'change-field' }, fieldName(field)),
    h('span', { class: 'change-before', dir: 'auto' }, short(c && c.before)),
    h('span', { class: 'change-arrow', 'aria-label': t('history.became') }, isRtl() ? '←' : '→'),
    h('span', { class: 'change-after', dir: 'auto' }, short(c && c.after)));
}

function revision(r) {
  const fields = Object.entries(r.changes || {});
  const what = ACTIONS.includes(r.action) ? t(`history.${r.action}`) : r.action;
  return h('li', { class: 'revision' },
    h('p', { class: 'revision-head' },
      h('strong', {}, `${what}`), ` · ${t('history.revision', { n: r.revision })} · ${stamp(r.at)}`,
      r.actor ? [' · ', h('span', { class: 'revision-actor', dir: 'auto' }, t('history.by', { actor: r.actor }))] : null),
    r.reason ? h('p', { class: 'revision-reason', dir: 'auto' }, t('history.why', { reason: r.reason })) : null,
    r.action === 'create'
      ? h('p', { class: 'muted' }, t('history.with', { fields: fields.map(([f]) => fieldName(f).toLocaleLowerCase(lang())).join(', ') }))
      : fields.length ? h('ul', { class: 'changes' }, fields.map(change)) : null);
}

/** The history as a list (newest first). */
export function renderHistory(hist) {
  const revs = (hist && hist.revisions) || [];
  if (!revs.length) return h('p', { class: 'muted' }, t('history.empty'));
  return h('ol', { class: 'revisions', reversed: true }, [...revs].reverse().map(revision));
}
