// correct.js: an editor's corrections from the event panel: change the status, detach a
// source, delete, merge into another event (merge.js); Edit opens the editor form. Each asks for a reason (kept in the history) and is sent conditionally on
// the revision the panel shows, so that a change made meanwhile by someone else is not
// overwritten: that case is said in words, with a way to reload.

import { h } from './dom.js';
import { api, ApiError } from './api.js';
import * as session from './signin.js';
import { STATUS, statusLabel } from './format.js';
import * as merge from './merge.js';
import { t } from './i18n.js';

const MAX_REASON = 1000;

/** Whether the signed-in token may correct events. */
export const canCorrect = () => {
  const who = session.current();
  return !!who && (who.role === 'editor' || who.role === 'admin');
};

/** Words for a failed correction. */
export function failure(e) {
  if (e instanceof ApiError && e.status === 412) {
    return t('correct.conflict');
  }
  if (e instanceof ApiError && e.status === 410) return t('correct.gone');
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
    return t('correct.forbidden');
  }
  return t('correct.failed', { message: e.message });
}

/** A small form in the panel: a reason, optional extra fields, a submit button and a cancel. */
function reasonForm({ id, title, fields = [], submit, danger = false, onSubmit, onCancel }) {
  const reason = h('textarea', { id: `${id}-reason`, rows: 2, maxlength: MAX_REASON, dir: 'auto', required: true });
  const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
  const send = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'} btn-small`, id: `${id}-send` }, submit);
  const form = h('form', { class: 'correct-form', id, 'aria-label': title, novalidate: true },
    h('h4', { class: 'correct-title' }, title),
    ...fields,
    h('div', { class: 'field' }, h('label', { for: `${id}-reason` }, t('correct.reason')), reason),
    error,
    h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'btn btn-quiet btn-small', onclick: onCancel }, t('common.cancel')), send));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const why = reason.value.trim();
    if (!why) {
      error.textContent = t('correct.reason_missing');
      error.hidden = false;
      reason.focus();
      return;
    }
    send.disabled = true;
    error.hidden = true;
    try {
      await onSubmit(why);
    } catch (err) {
      error.replaceChildren(failure(err));
      if (err instanceof ApiError && err.status === 412) {
        error.append(' ', h('button', { type: 'button', class: 'btn-link', id: `${id}-reload`, onclick: () => onCancel({ reload: true }) }, t('correct.reload')));
      }
      error.hidden = false;
      send.disabled = false;
    }
  });
  setTimeout(() => reason.focus(), 0);
  return form;
}

const patch = (f, body, reason) => api(`/api/events/${encodeURIComponent(String(f.id))}`, {
  method: 'PATCH',
  params: { reason },
  body,
  headers: { 'If-Match': `"${f.properties.revision}"` },
});

/**
 * The corrections bar for event `f`: buttons that open a form in `slot`. `done(feature)` after
 * a change, `done(null, {deleted: id})` after a delete, `reload()` to fetch the event again.
 */
export function actions(f, slot, { done, reload, edit }) {
  const p = f.properties;
  const close = (opts = {}) => { slot.replaceChildren(); if (opts.reload) reload(); };
  const statusForm = () => {
    const select = h('select', { id: 'cx-status-value' },
      Object.entries(STATUS).map(([v, s]) => h('option', { value: v, selected: v === p.status ? true : null }, s.label)));
    return reasonForm({
      id: 'cx-status',
      title: t('correct.status.title'),
      fields: [h('div', { class: 'field' }, h('label', { for: 'cx-status-value' }, t('correct.status.new')), select)],
      submit: t('correct.status.save'),
      onCancel: close,
      onSubmit: async (reason) => {
        if (select.value === p.status) throw new ApiError(422, { detail: t('correct.status.same', { status: statusLabel(p.status) }) });
        done(await patch(f, { status: select.value }, reason));
      },
    });
  };
  const deleteForm = () => reasonForm({
    id: 'cx-delete',
    title: t('correct.delete.title'),
    fields: [h('p', { class: 'hint' }, t('correct.delete.hint'))],
    submit: t('correct.delete.submit'),
    danger: true,
    onCancel: close,
    onSubmit: async (reason) => {
      await api(`/api/events/${encodeURIComponent(String(f.id))}`, { method: 'DELETE', params: { reason } });
      done(null, { deleted: String(f.id) });
    },
  });
  const open = (make) => () => slot.replaceChildren(make());
  const mergeForm = () => merge.form(f, { reasonForm, close, done });
  return h('div', { class: 'panel-actions correct-actions', 'aria-label': t('correct.label') },
    h('button', { type: 'button', class: 'btn btn-quiet btn-small', id: 'cx-edit-open', onclick: () => edit() }, t('correct.edit.open')),
    h('button', { type: 'button', class: 'btn btn-quiet btn-small', id: 'cx-status-open', onclick: open(statusForm) }, t('correct.status.open')),
    h('button', { type: 'button', class: 'btn btn-quiet btn-small', id: 'cx-merge-open', onclick: open(mergeForm) }, t('correct.merge.open')),
    h('button', { type: 'button', class: 'btn btn-quiet btn-small btn-danger-quiet', id: 'cx-delete-open', onclick: open(deleteForm) }, t('correct.delete.open')));
}

/** The form that detaches `source` (by its URL) from event `f`. */
export function detachForm(f, source, slot, { done, reload }) {
  const close = (opts = {}) => { slot.replaceChildren(); if (opts.reload) reload(); };
  return reasonForm({
    id: 'cx-detach',
    title: t('correct.detach.title'),
    fields: [h('p', { class: 'hint', dir: 'auto' }, source.title || source.url)],
    submit: t('correct.detach.submit'),
    onCancel: close,
    onSubmit: async (reason) => {
      const kept = (f.properties.sources || []).filter((s) => s.url !== source.url).map(plainSource);
      done(await patch(f, { sources: kept }, reason));
    },
  });
}

/** A source as the plain form takes it: the fields a client may set. */
export function plainSource(s) {
  const out = {};
  for (const k of ['id', 'url', 'title', 'publisher', 'published_at', 'language', 'excerpt', 'archived_url']) {
    if (s[k] !== undefined && s[k] !== null && s[k] !== '') out[k] = s[k];
  }
  return out;
}
