// editor.js: adding an event, or editing one from its panel, for a reader holding an editor
// token. The token is pasted once and kept for this tab only. A new event is posted in the API's
// plain form to POST /api/events; an edit is sent as a merge patch of the fields that changed,
// with a reason and If-Match (edit.js). A 422 problem is shown field by field (and an unresolved
// place offers its candidates). The "paste a report" part (geoparse.js) appears only when the
// server offers it, and not while editing.

import { h, announce } from './dom.js';
import { api, ApiError } from './api.js';
import * as session from './signin.js';
import { fieldError } from './words.js';
import * as places from './editor-places.js';
import * as geoparse from './geoparse.js';
import { STATUS, statusLabel, timePrecisionWords } from './format.js';
import * as edit from './edit.js';
import * as teamPlace from './teamplace.js';
import { t } from './i18n.js';
import { roleName } from './signin.js';

const $ = (id) => document.getElementById(id);
let config;
let map;
let onSaved = () => {};
let onEdited = () => {};
/** The event being edited, or null when adding one. */
let editing = null;
let original = null;
let returnFocus = null;
let built = false;

export const isOpen = () => !$('editor').hidden;

function field(name, label, control, hint) {
  const err = h('p', { class: 'field-error', id: `err-${name}`, hidden: true });
  control.setAttribute('data-field', name);
  if (!control.id) control.id = `ed-${name}`;
  control.setAttribute('aria-describedby', `err-${name}${hint ? ` hint-${name}` : ''}`);
  return h('div', { class: 'field', 'data-field-wrap': name },
    h('label', { for: control.id }, label), control,
    hint ? h('p', { class: 'hint', id: `hint-${name}` }, hint) : null, err);
}

function sourceBlock() {
  return h('fieldset', { class: 'source-row' },
    h('legend', {}, t('editor.source')),
    field('sources[0].url', t('editor.link'), h('input', { type: 'url', id: 'ed-src-url', placeholder: 'https://…' })),
    field('sources[0].title', t('editor.headline'), h('input', { type: 'text', id: 'ed-src-title', dir: 'auto' })),
    h('div', { class: 'field-row' },
      field('sources[0].publisher', t('editor.publisher'), h('input', { type: 'text', id: 'ed-src-publisher', dir: 'auto' })),
      field('sources[0].published_at', t('editor.published'), h('input', { type: 'date', id: 'ed-src-date' }))),
    h('div', { class: 'field-row' },
      field('sources[0].language', t('editor.language'), h('input', { type: 'text', id: 'ed-src-lang', maxlength: 3, placeholder: 'en' })),
      field('sources[0].archived_url', t('panel.archived'), h('input', { type: 'url', id: 'ed-src-archive', placeholder: 'https://web.archive.org/…' }))),
    field('sources[0].excerpt', t('editor.excerpt'), h('textarea', { id: 'ed-src-excerpt', rows: 3, maxlength: 1000, dir: 'auto' })));
}

function build() {
  const cats = [h('option', { value: '' }, t('editor.choose_type')), ...config.categories.map((c) => h('option', { value: c.value }, c.label))];
  const precisions = ['exact', 'hour', 'day', 'week', 'month', 'year'].map((p) => h('option', { value: p, selected: p === 'day' }, t('panel.time_known', { precision: timePrecisionWords(p) })));
  const statuses = (config.statuses || Object.keys(STATUS)).map((s) => h('option', { value: s }, statusLabel(s)));
  const placeBox = h('div', { class: 'place-rows' });
  const form = h('form', { id: 'ed-form', class: 'editor-form', novalidate: true, autocomplete: 'off' },
    h('div', { class: 'error-summary', id: 'ed-summary', role: 'alert', tabindex: '-1', hidden: true }),
    field('title', t('editor.title'), h('input', { type: 'text', maxlength: 300, dir: 'auto', required: true })),
    field('category', t('filters.categories'), h('select', {}, cats)),
    h('div', { class: 'field-row' },
      field('start', t('editor.start'), h('input', { type: 'date', required: true })),
      field('start_time', t('editor.time_utc'), h('input', { type: 'time', id: 'ed-start-time' }))),
    h('div', { class: 'field-row' },
      field('end', t('editor.end'), h('input', { type: 'date' })),
      field('end_time', t('editor.time_utc'), h('input', { type: 'time', id: 'ed-end-time' }))),
    field('time_precision', t('editor.time_precision'), h('select', {}, precisions),
      t('editor.time_hint')),
    h('fieldset', { class: 'field places-set', 'data-field-wrap': 'places' },
      h('legend', {}, t('field.places')),
      h('p', { class: 'hint' }, t('editor.places_hint', { from: t('role.origin'), to: t('role.destination') })),
      placeBox,
      teamPlace.section(),
      h('p', { class: 'field-error', id: 'err-places', hidden: true })),
    field('description', t('editor.description'), h('textarea', { rows: 4, maxlength: 20000, dir: 'auto' })),
    h('div', { class: 'field-row' },
      field('actors', t('editor.actors'), h('input', { type: 'text', dir: 'auto' })),
      field('tags', t('editor.tags'), h('input', { type: 'text', dir: 'auto' }))),
    h('div', { class: 'field-row' },
      field('status', t('field.status'), h('select', {}, statuses)),
      field('fatalities', t('field.fatalities'), h('input', { type: 'number', min: 0, step: 1, inputmode: 'numeric' }))),
    h('div', { class: 'kept-sources', id: 'ed-kept-sources', hidden: true }),
    sourceBlock(),
    h('div', { id: 'ed-reason-wrap', hidden: true },
      field('reason', t('editor.reason'), h('textarea', { rows: 2, maxlength: 1000, dir: 'auto' }))),
    h('div', { class: 'form-actions sticky-actions' },
      h('button', { type: 'button', class: 'btn btn-quiet', id: 'ed-cancel' }, t('common.cancel')),
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'ed-save' }, t('editor.save'))));

  const signin = h('form', { class: 'signin', id: 'ed-signin', 'aria-labelledby': 'ed-signin-title', onsubmit: (e) => { e.preventDefault(); useToken(); } },
    h('h3', { class: 'panel-h3', id: 'ed-signin-title' }, t('editor.signin')),
    h('p', {}, t('editor.signin_lead'), ' ', h('code', { dir: 'ltr' }, 'eventmap token create --role editor')),
    h('div', { class: 'field' },
      h('label', { for: 'ed-token' }, t('editor.token')),
      h('input', { id: 'ed-token', type: 'password', autocomplete: 'off', spellcheck: 'false' }),
      h('input', { type: 'text', name: 'username', autocomplete: 'username', value: 'editor', hidden: true, 'aria-hidden': 'true', tabindex: '-1' })),
    h('p', { class: 'field-error', id: 'err-token', hidden: true }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'ed-token-use' }, t('editor.use_token'))),
    h('p', { class: 'hint' }, t('editor.token_kept')));
  const signedIn = h('p', { class: 'signed-in', id: 'ed-signed-in' }, h('span', { id: 'ed-signed-in-as' }), ' ',
    h('button', { type: 'button', class: 'btn-link', id: 'ed-token-forget' }, t('signin.out')));

  $('editor').replaceChildren(h('div', { class: 'panel-inner editor-inner' },
    h('div', { class: 'panel-head' },
      h('h2', { class: 'panel-title', id: 'editor-title', tabindex: '-1' }, t('editor.heading')),
      h('button', { type: 'button', class: 'btn btn-icon panel-close', 'aria-label': t('editor.close'), onclick: () => close() }, '×')),
    signin, signedIn, geoparse.section(), form));

  places.init(map, placeBox);
  teamPlace.init(map, { onAdded: (p) => places.addPlace(p) });
  geoparse.init({
    addPlace: places.addPlace,
    fillSource,
    fillDraft,
    attached,
    categoryLabel: (v) => (config.categories.find((c) => c.value === v) || { label: v }).label,
  });
  form.addEventListener('submit', (e) => { e.preventDefault(); save(); });
  $('ed-cancel').addEventListener('click', () => close());
  $('ed-token-forget').addEventListener('click', () => { session.signOut(); $('ed-token').focus(); });
  session.onChange(() => { if (built) signState(); });
  built = true;
}

function fillSource(src) {
  const set = (id, v) => { if (v && !$(id).value) $(id).value = v; };
  set('ed-src-url', src.url);
  set('ed-src-title', src.title);
  set('ed-src-publisher', src.publisher);
  set('ed-src-date', (src.published_at || '').slice(0, 10));
  set('ed-src-lang', src.language);
  set('ed-src-excerpt', src.excerpt);
}

/** Fills the form with a draft from POST /api/reports (the plain form of an event). */
function fillDraft(ev) {
  const set = (id, v) => { if (v !== undefined && v !== null) $(id).value = v; };
  set('ed-title', ev.title);
  if (ev.category && [...$('ed-category').options].some((o) => o.value === ev.category)) set('ed-category', ev.category);
  set('ed-start', (ev.start || '').slice(0, 10));
  set('ed-time_precision', ev.time_precision);
  places.reset();
  for (const p of ev.places || []) places.addPlace(p, p.role);
  const src = (ev.sources || [])[0];
  if (src) {
    for (const id of ['ed-src-url', 'ed-src-title', 'ed-src-publisher', 'ed-src-date', 'ed-src-lang', 'ed-src-excerpt']) $(id).value = '';
    fillSource(src);
  }
  announce(t('editor.draft_filled'));
}

/** A report was added to a stored event: show that event. */
async function attached(id) {
  try {
    const f = await api(`/api/events/${id}`);
    announce(t('editor.report_added', { title: f.properties.title, status: statusLabel(f.properties.status) }));
    geoparse.reset();
    close();
    onSaved(f);
  } catch (e) {
    announce(t('editor.report_added_error', { message: e.message }));
  }
}

/** Checks the pasted token with the server before keeping it; says why when it is refused. */
async function useToken() {
  $('ed-token-use').disabled = true;
  const { who, error } = await session.signIn($('ed-token').value);
  $('ed-token-use').disabled = false;
  if (error) { showError('token', error); $('ed-token').focus(); return; }
  $('ed-token').value = '';
  signState();
  if (who.role !== 'viewer') $('ed-title').focus();
}

function signState() {
  const who = session.current();
  const canWrite = !!who && who.role !== 'viewer';
  $('ed-signin').hidden = canWrite;
  $('ed-signed-in').hidden = !canWrite;
  $('ed-form').hidden = !canWrite;
  if (canWrite) $('ed-signed-in-as').textContent = t('editor.signed_in', { name: who.person || who.name, role: roleName(who.role) });
  showError('token', who && !canWrite
    ? t('editor.read_only', { name: who.person || who.name })
    : '');
}

export function init(cfg, { map: m, onSave, onEdit }) {
  config = cfg;
  map = m;
  onSaved = onSave;
  onEdited = onEdit;
  $('btn-editor').addEventListener('click', () => (isOpen() ? close() : open()));
}

/** Opens the form for a new event. */
export function open() {
  if (!built) build();
  if (editing) leaveEdit();
  show();
}

/** Opens the form on event `f` (a Feature as the API serves it) to correct it. */
export function openEdit(f) {
  if (!built) build();
  editing = f;
  clearErrors();
  edit.fill(f, { places, $ });
  original = edit.snapshot(payload());
  $('editor-title').textContent = t('editor.edit_heading');
  $('ed-save').textContent = t('editor.save_changes');
  $('ed-reason-wrap').hidden = false;
  $('ed-report').hidden = true;
  show();
  $('ed-title').focus();
}

/** Back to adding: the form empties and the edit-only parts hide. */
function leaveEdit() {
  editing = null;
  original = null;
  $('ed-form').reset();
  places.reset();
  $('ed-kept-sources').replaceChildren();
  $('ed-kept-sources').hidden = true;
  $('ed-reason-wrap').hidden = true;
  $('editor-title').textContent = t('editor.heading');
  $('ed-save').textContent = t('editor.save');
}

function show() {
  const ed = $('editor');
  returnFocus = document.activeElement;
  ed.hidden = false;
  document.body.classList.add('editor-open');
  $('btn-editor').setAttribute('aria-expanded', 'true');
  signState();
  places.show();
  if (!editing) geoparse.detect();
  (session.current() ? $('editor-title') : $('ed-token')).focus();
}

export function close() {
  const ed = $('editor');
  if (ed.hidden) return;
  places.stopPicking();
  teamPlace.stop();
  places.clearDraft();
  if (editing) leaveEdit();
  ed.hidden = true;
  document.body.classList.remove('editor-open');
  $('btn-editor').setAttribute('aria-expanded', 'false');
  if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
}

/** Escape inside the editor: stop picking first, then close. */
export function escape() {
  if (places.stopPicking() || teamPlace.stop()) return true;
  if (isOpen()) { close(); return true; }
  return false;
}

// ---- saving -------------------------------------------------------------------------------------

const list = (v) => v.split(',').map((x) => x.trim()).filter(Boolean);

function when(dateId, timeId) {
  const d = $(dateId).value;
  if (!d) return undefined;
  const time = $(timeId).value;
  return time ? `${d}T${time.length === 5 ? `${time}:00` : time}Z` : d;
}

function payload() {
  const body = {
    title: $('ed-title').value.trim(),
    category: $('ed-category').value || undefined,
    start: when('ed-start', 'ed-start-time'),
    time_precision: $('ed-time_precision').value,
    places: places.value(),
    status: $('ed-status').value,
  };
  const end = when('ed-end', 'ed-end-time');
  if (end) body.end = end;
  const desc = $('ed-description').value.trim();
  if (desc) body.description = desc;
  const actors = list($('ed-actors').value);
  if (actors.length) body.actors = actors;
  const tags = list($('ed-tags').value);
  if (tags.length) body.tags = tags;
  const fat = $('ed-fatalities').value;
  if (fat !== '') body.fatalities = Number(fat);
  if (editing) body.sources = edit.keptSources();
  const url = $('ed-src-url').value.trim();
  if (url) {
    const src = { url };
    for (const [k, id] of [['title', 'ed-src-title'], ['publisher', 'ed-src-publisher'], ['published_at', 'ed-src-date'], ['language', 'ed-src-lang'], ['archived_url', 'ed-src-archive'], ['excerpt', 'ed-src-excerpt']]) {
      const v = $(id).value.trim();
      if (v) src[k] = v;
    }
    body.sources = [...(body.sources || []), src];
  }
  return body;
}

function clearErrors() {
  for (const el of $('editor').querySelectorAll('.field-error')) { el.hidden = true; el.textContent = ''; }
  for (const el of $('editor').querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of $('editor').querySelectorAll('.candidates')) el.replaceChildren();
  $('ed-summary').hidden = true;
  $('ed-summary').replaceChildren();
}

function showError(name, message) {
  const el = $(`err-${name}`);
  if (!el) return false;
  el.textContent = message;
  el.hidden = !message;
  const control = $('editor').querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (control && message) control.setAttribute('aria-invalid', 'true');
  return true;
}

/** Where a server field path (`places[0].name`) shows in the form: [error id, control]. */
function locate(path) {
  const m = /^places\[(\d+)\](?:\.(\w+))?/.exec(path);
  if (m) {
    const row = places.rowOfValueIndex(Number(m[1]));
    const part = m[2] === 'lon' || m[2] === 'lat' ? 'lat' : m[2] || 'name';
    const control = $('editor').querySelector(`[data-row="${row}"] [data-field="places[${row}].${part}"]`);
    return { row, control, fallback: 'places' };
  }
  const base = path.replace(/^properties\./, '');
  const control = $('editor').querySelector(`[data-field="${CSS.escape(base)}"]`);
  return { row: -1, control, fallback: control ? base : '' };
}

function report(e) {
  clearErrors();
  const summary = $('ed-summary');
  const items = [];
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
    // Revoked since it was checked: signed out, and the form asks for a token again.
    if (e.status === 401) session.signOut();
    signState();
    showError('token', t(e.status === 401 ? 'editor.token_refused' : 'editor.token_forbidden'));
    $('ed-token').focus();
    return;
  }
  for (const fe of (e.errors || [])) {
    const { row, control, fallback } = locate(fe.field || '');
    const labelEl = control && control.id ? $('editor').querySelector(`label[for="${CSS.escape(control.id)}"]`) : null;
    const words = fieldError(fe.field || '', fe.message, labelEl ? labelEl.textContent : '');
    const label = `${words.label}: `;
    let shown = false;
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      const err = row >= 0 ? null : $(`err-${fallback}`);
      if (err) { err.textContent = words.message; err.hidden = false; shown = true; }
      else if (row >= 0) {
        const box = $('editor').querySelector(`[data-row="${row}"] .candidates`);
        if (box) { box.append(h('p', { class: 'field-error' }, words.message)); shown = true; }
      }
    }
    items.push(h('li', {}, control
      ? h('a', { href: `#${control.id}`, onclick: (ev) => { ev.preventDefault(); control.focus(); } }, `${label}${words.message}`)
      : `${label}${words.message}`));
    if (!shown && fallback === 'places') showError('places', words.message);
  }
  const byRow = new Map();
  for (const c of e.candidates || []) {
    const m = /^places\[(\d+)\]/.exec(c.for || '');
    if (!m) continue;
    const row = places.rowOfValueIndex(Number(m[1]));
    if (!byRow.has(row)) byRow.set(row, []);
    byRow.get(row).push(c);
  }
  for (const [row, cands] of byRow) places.showCandidates(row, cands);
  const conflict = editing && e instanceof ApiError && e.status === 412;
  summary.replaceChildren(h('p', { class: 'summary-title' }, t(e.status === 422 || e.status === 400 ? 'editor.not_saved_fix' : 'editor.not_saved')),
    items.length ? h('ul', {}, items) : h('p', { dir: 'auto' }, conflict ? t('correct.conflict') : e.message),
    conflict ? h('button', { type: 'button', class: 'btn btn-quiet btn-small', id: 'ed-reload', onclick: reloadEdited }, t('correct.reload')) : null);
  summary.hidden = false;
  summary.focus();
}

/** After a conflict: the event as it is now, in the form (the editor makes the change again). */
async function reloadEdited() {
  try {
    const f = await api(`/api/events/${encodeURIComponent(String(editing.id))}`);
    openEdit(f);
    announce(t('editor.reloaded'));
  } catch (e) {
    report(e);
  }
}

async function saveEdit(btn) {
  clearErrors();
  const body = edit.changes(original, edit.snapshot(payload()), editing);
  if (!Object.keys(body).length) {
    showSummary(t('editor.nothing_changed'));
    return;
  }
  const reason = $('ed-reason').value.trim();
  if (!reason) {
    showError('reason', t('correct.reason_missing'));
    showSummary(t('editor.reason_needed'));
    $('ed-reason').focus();
    return;
  }
  btn.disabled = true;
  btn.textContent = t('editor.saving');
  try {
    const f = await api(`/api/events/${encodeURIComponent(String(editing.id))}`, {
      method: 'PATCH', params: { reason }, body, headers: { 'If-Match': `"${editing.properties.revision}"` },
    });
    announce(t('editor.saved', { title: f.properties.title }));
    close();
    onEdited(f);
  } catch (e) {
    report(e);
  } finally {
    btn.disabled = false;
    btn.textContent = t(editing ? 'editor.save_changes' : 'editor.save');
  }
}

function showSummary(text) {
  $('ed-summary').replaceChildren(h('p', { class: 'summary-title' }, text));
  $('ed-summary').hidden = false;
  $('ed-summary').focus();
}

async function save() {
  const btn = $('ed-save');
  if (editing) { await saveEdit(btn); return; }
  clearErrors();
  btn.disabled = true;
  btn.textContent = t('editor.saving');
  try {
    const f = await api('/api/events', { method: 'POST', body: payload() });
    $('ed-form').reset();
    places.reset();
    geoparse.reset();
    announce(t('editor.saved', { title: f.properties.title }));
    close();
    onSaved(f);
  } catch (e) {
    report(e);
  } finally {
    btn.disabled = false;
    btn.textContent = t('editor.save');
  }
}

