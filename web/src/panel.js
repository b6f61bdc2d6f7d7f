// panel.js: one event, every field of it: what, when (at its precision), where (with each
// place's precision in words), who, its sources as safe links, the team's own fields, the
// record's bookkeeping, and its history. Text from reports goes in as text with dir="auto".
// An editor also gets the corrections of correct.js and merge.js, and Edit (the editor form).

import { h, extLink, announce } from './dom.js';
import * as fmt from './format.js';
import { api, ApiError } from './api.js';
import { colorOf, paintDots } from './events.js';
import { renderHistory } from './history.js';
import * as correct from './correct.js';
import * as session from './signin.js';
import { eventCaptures } from './captures.js';
import { t, tn } from './i18n.js';

const $ = (id) => document.getElementById(id);
let categories = [];
let handlers = { close: () => {}, zoom: () => {}, link: () => '', changed: () => {}, deleted: () => {}, edit: () => {}, open: () => {} };
let shownId = '';
let returnFocus = null;
let controller = null;

export function init(cats, { onClose, onZoom, linkFor, onChanged = () => {}, onDeleted = () => {}, onEdit = () => {}, onOpen = () => {} }) {
  categories = cats;
  handlers = { close: onClose, zoom: onZoom, link: linkFor, changed: onChanged, deleted: onDeleted, edit: onEdit, open: onOpen };
  // Signing in or out changes what the panel offers.
  session.onChange(() => { if (shownId && isOpen()) show(shownId); });
}

/** What a correction calls when it is done: the panel shows the result. */
function corrected(f) {
  const id = String(f.id);
  return {
    done: (changed, { deleted } = {}) => {
      if (deleted) {
        handlers.deleted(deleted);
        show(deleted, null, { focus: true });
        announce(t('panel.deleted_now'));
        return;
      }
      handlers.changed(changed);
      show(String(changed.id), changed, { focus: true });
      announce(t('panel.saved'));
    },
    reload: () => show(id, null, { focus: true }),
    edit: () => handlers.edit(f),
  };
}

export const isOpen = () => !$('panel').hidden;
export const shown = () => shownId;

function categoryLabel(v) {
  const c = categories.find((x) => x.value === v);
  return c ? c.label : String(v || t('panel.uncategorised'));
}

function section(title, ...content) {
  return h('section', { class: 'panel-section' }, h('h3', { class: 'panel-h3' }, title), ...content);
}

function chips(values) {
  return h('ul', { class: 'chips' }, values.map((v) => h('li', { class: 'chip', dir: 'auto' }, v)));
}

function placeItem(p) {
  const where = [p.admin1, fmt.countryName(p.country)].filter(Boolean).join(', ');
  return h('li', { class: 'place' },
    h('span', { class: 'place-role' }, fmt.ROLE_WORDS[p.role] || p.role || fmt.ROLE_WORDS.location),
    h('span', { class: 'place-body' },
      h('span', { class: 'place-name', dir: 'auto' }, p.name || p.gazetteer_id || t('panel.unnamed_place')),
      where ? h('span', { class: 'place-where', dir: 'auto' }, where) : null,
      h('span', { class: 'place-precision' }, t('panel.precision', { words: fmt.precisionWords(p.precision) }))));
}

function sourceItem(src, f, capturesOf) {
  const meta = [src.publisher, src.published_at ? fmt.day(src.published_at) : '', fmt.languageName(src.language)]
    .filter(Boolean).join(' · ');
  return h('li', { class: 'source' },
    extLink(src.url, src.title || src.url, { class: 'source-link', dir: 'auto', lang: src.language || null }),
    meta ? h('p', { class: 'source-meta', dir: 'auto' }, meta) : null,
    src.excerpt ? h('blockquote', { class: 'source-excerpt', dir: 'auto', lang: src.language || null }, src.excerpt) : null,
    src.archived_url ? h('p', { class: 'source-archive' }, extLink(src.archived_url, t('panel.archived'))) : null,
    capturesOf(src.id),
    f && correct.canCorrect() ? detachButton(src, f) : null);
}

function detachButton(src, f) {
  const slot = h('div', { class: 'correct-slot' });
  const btn = h('button', { type: 'button', class: 'btn-link source-detach', onclick: () => slot.replaceChildren(correct.detachForm(f, src, slot, corrected(f))) }, t('correct.detach.title'));
  return h('div', { class: 'source-correct' }, btn, slot);
}

function paragraphs(text) {
  return String(text).split(/\n\s*\n/).map((x) => x.trim()).filter(Boolean).map((x) => h('p', { dir: 'auto' }, x));
}

function valueText(v) {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function facts(rows) {
  const kept = rows.filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (!kept.length) return null;
  return h('dl', { class: 'facts' }, kept.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { dir: 'auto' }, v)]));
}

function render(f) {
  const p = f.properties;
  const id = String(f.id);
  const places = p.places || [];
  const sources = p.sources || [];
  const own = p.properties && typeof p.properties === 'object' ? Object.entries(p.properties) : [];
  const status = fmt.STATUS[p.status];
  // One request for the captures of all the sources, made only when there are some.
  const capturesOf = sources.length ? eventCaptures(id) : () => null;
  const timeNote = fmt.isUncertain(p)
    ? t('panel.time_span', { precision: fmt.timePrecisionWords(p.time_precision) })
    : t('panel.time_known', { precision: fmt.timePrecisionWords(p.time_precision) || t('panel.as_given') });
  const copyBtn = h('button', { type: 'button', class: 'btn btn-quiet btn-small' }, t('panel.copy_link'));
  copyBtn.addEventListener('click', async () => {
    const link = handlers.link(id);
    try {
      await navigator.clipboard.writeText(link);
      copyBtn.textContent = t('panel.link_copied');
    } catch {
      copyBtn.textContent = t('panel.copy_failed');
      window.prompt(t('panel.link_prompt'), link);
    }
    setTimeout(() => { copyBtn.textContent = t('panel.copy_link'); }, 2000);
  });
  const body = h('div', { class: 'panel-inner' },
    h('div', { class: 'panel-head' },
      h('div', { class: 'panel-kicker' },
        h('span', { class: 'cat-chip' }, h('span', { class: 'dot', 'data-color': colorOf(p.category), 'aria-hidden': 'true' }), categoryLabel(p.category)),
        h('span', { class: `badge status-${p.status}`, title: status ? status.about : null }, fmt.statusLabel(p.status))),
      h('button', { type: 'button', class: 'btn btn-icon panel-close', 'aria-label': t('panel.close'), onclick: () => handlers.close() }, '×')),
    h('h2', { class: 'panel-title', id: 'panel-title', dir: 'auto', tabindex: '-1' }, p.title),
    h('p', { class: 'when' }, h('span', { class: 'when-main' }, fmt.eventTime(p)), h('span', { class: 'when-note' }, timeNote)),
    places.length ? h('ul', { class: 'places', 'aria-label': t('field.places') }, places.map(placeItem)) : null,
    h('div', { class: 'panel-actions' },
      h('button', { type: 'button', class: 'btn btn-quiet btn-small', onclick: () => handlers.zoom(f) }, t('panel.zoom')),
      copyBtn,
      h('a', { class: 'btn btn-quiet btn-small', href: `/api/events/${encodeURIComponent(id)}`, target: '_blank', rel: 'noopener noreferrer' }, 'GeoJSON')),
    ...corrections(f),
    p.description ? h('div', { class: 'description' }, paragraphs(p.description)) : null,
    facts([
      [t('field.actors'), (p.actors || []).length ? chips(p.actors) : null],
      [t('field.tags'), (p.tags || []).length ? chips(p.tags) : null],
      [t('field.fatalities'), Number.isFinite(p.fatalities) ? fmt.number(p.fatalities) : null],
      [t('field.status'), status ? t('panel.status', { label: status.label, about: status.about }) : p.status],
    ]),
    section(sources.length ? tn('panel.sources', sources.length) : t('field.sources'),
      sources.length ? h('ol', { class: 'sources' }, sources.map((s) => sourceItem(s, f, capturesOf))) : h('p', { class: 'muted' }, t('panel.no_sources'))),
    own.length ? section(t('field.properties'), facts(own.map(([k, v]) => [k, valueText(v)]))) : null,
    section(t('panel.record'), facts([
      [t('panel.event_id'), h('code', { class: 'event-id' }, id)],
      [t('panel.first_reported'), p.reported_at ? fmt.stamp(p.reported_at) : t('panel.not_known')],
      [t('panel.added'), p.created_at ? fmt.stamp(p.created_at) : null],
      [t('panel.last_changed'), p.updated_at ? fmt.stamp(p.updated_at) : null],
      [t('panel.revision'), p.revision],
    ])),
    section(t('panel.history'), h('div', { class: 'history', id: 'panel-history' }, h('p', { class: 'muted' }, t('panel.history_loading')))));
  paintDots(body);
  return body;
}

/** The corrections bar and the place its forms open in, for an editor; nothing otherwise. */
function corrections(f) {
  if (!correct.canCorrect()) return [];
  const slot = h('div', { class: 'correct-slot', id: 'correct-slot' });
  return [correct.actions(f, slot, corrected(f)), slot];
}

function open() {
  const panel = $('panel');
  if (panel.hidden) returnFocus = document.activeElement;
  panel.hidden = false;
  document.body.classList.add('panel-open');
}

/** Shows an event (a feature already loaded, or fetched by id). `focus` moves the keyboard
 *  focus to its title, for a reader who chose it. */
export async function show(id, known, { focus = false } = {}) {
  if (controller) controller.abort();
  controller = new AbortController();
  const { signal } = controller;
  shownId = id;
  open();
  const panel = $('panel');
  let f = known;
  if (!f) {
    panel.replaceChildren(h('div', { class: 'panel-inner' }, h('p', { class: 'muted' }, t('panel.loading'))));
    try {
      f = await api(`/api/events/${encodeURIComponent(id)}`, { signal });
    } catch (e) {
      if (e.name === 'AbortError') return null;
      panel.replaceChildren(problem(e));
      return null;
    }
  }
  panel.replaceChildren(render(f));
  if (focus) $('panel-title').focus();
  announce(t('panel.opened', { title: f.properties.title }));
  loadHistory(id, signal);
  return f;
}

function problem(e) {
  const gone = e instanceof ApiError && e.status === 410;
  const missing = e instanceof ApiError && e.status === 404;
  const into = gone && e.problem.merged_into ? String(e.problem.merged_into) : '';
  const title = t(into ? 'panel.merged' : gone ? 'panel.gone' : missing ? 'panel.missing' : 'panel.load_error');
  const reason = gone && e.problem.reason ? t('panel.gone_reason', { reason: e.problem.reason }) : e.message;
  return h('div', { class: 'panel-inner' },
    h('div', { class: 'panel-head' }, h('span'),
      h('button', { type: 'button', class: 'btn btn-icon panel-close', 'aria-label': t('common.close'), onclick: () => handlers.close() }, '×')),
    h('h2', { class: 'panel-title', id: 'panel-title', tabindex: '-1' }, title),
    h('p', { dir: 'auto' }, reason),
    into ? h('p', {}, h('button', { type: 'button', class: 'btn btn-quiet btn-small', id: 'panel-survivor', onclick: () => handlers.open(into) },
      t('panel.open_survivor'))) : null);
}

async function loadHistory(id, signal) {
  const box = () => $('panel-history');
  try {
    const hist = await api(`/api/events/${encodeURIComponent(id)}/history`, { signal });
    if (box()) box().replaceChildren(renderHistory(hist));
  } catch (e) {
    if (e.name === 'AbortError') return;
    if (box()) box().replaceChildren(h('p', { class: 'muted' }, t('panel.history_error', { message: e.message })));
  }
}

/** Closes the panel and gives the focus back to where it was. */
export function close() {
  const panel = $('panel');
  if (panel.hidden) return;
  if (controller) controller.abort();
  shownId = '';
  panel.hidden = true;
  panel.replaceChildren();
  document.body.classList.remove('panel-open');
  if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
  returnFocus = null;
}
