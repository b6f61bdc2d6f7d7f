// searches.js: the Saved searches dialog. An editor names the page's current filters and dates
// and saves them (POST /api/searches); everyone sees the saved ones (GET /api/searches), each
// with a link that opens the map on it and the address of its Atom feed to paste into a feed
// reader; an editor can delete one. It keeps no list of its own: each opening asks the server.

import { api, qs } from './api.js';
import * as state from './state.js';
import { filterParams } from './data.js';
import { h, announce } from './dom.js';
import * as signin from './signin.js';
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);
const CAN_EDIT = new Set(['editor', 'admin']);

/** The `filters` object of a saved search for a page state: the API's parameters of its
 *  filters and dates, lists joined with commas as in the page's own URL, empty ones left out. */
export function searchFilters(s) {
  return Object.fromEntries(new URLSearchParams(qs(filterParams(s))));
}

const WORDS = ['q', 'category', 'status', 'actor', 'place', 'radius_km', 'start', 'end'];

/** A saved search's filters in a line a reader can check: `category: protest · from: 2025-02-01`. */
export function describe(filters) {
  const parts = Object.entries(filters || {}).map(([k, v]) => {
    const value = Array.isArray(v) ? v.join(', ') : String(v);
    return `${WORDS.includes(k) ? t(`searches.word.${k}`) : k}: ${value.replace(/,(?=\S)/g, ', ')}`;
  });
  return parts.length ? parts.join(' · ') : t('searches.everything');
}

const canEdit = () => CAN_EDIT.has(signin.current()?.role);

function showSaveForm() {
  const edit = canEdit();
  $('search-save').hidden = !edit;
  $('search-save-signin').hidden = edit;
  $('search-save-what').textContent = describe(searchFilters(state.get()));
  $('search-save-error').hidden = true;
}

async function copy(text, where) {
  try {
    await navigator.clipboard.writeText(text);
    where.textContent = t('searches.copied');
  } catch {
    where.textContent = t('searches.copy_by_hand');
  }
}

function entry(s) {
  const status = h('span', { class: 'hint', 'aria-live': 'polite' });
  const feed = h('input', {
    class: 'code search-feed', type: 'text', readonly: true, value: s.feed_url, 'aria-label': t('searches.feed_of', { name: s.name }),
    onfocus: (e) => e.target.select(),
  });
  const del = canEdit() && h('button', {
    type: 'button', class: 'btn btn-quiet btn-small btn-danger-quiet search-delete',
    onclick: async (e) => {
      const b = e.currentTarget;
      if (b.dataset.confirm !== 'yes') {
        b.dataset.confirm = 'yes';
        b.textContent = t('searches.delete_confirm');
        return;
      }
      b.disabled = true;
      try {
        await api(`/api/searches/${encodeURIComponent(s.id)}`, { method: 'DELETE' });
        announce(t('searches.deleted', { name: s.name }));
        refresh();
      } catch (err) {
        b.disabled = false;
        status.textContent = t('searches.delete_error', { message: err.message });
      }
    },
  }, t('correct.delete.open'));
  return h('li', { class: 'search-item', 'data-id': s.id },
    h('a', { class: 'search-name', href: s.map_url }, s.name),
    h('p', { class: 'hint search-filters' }, describe(s.filters)),
    h('div', { class: 'search-feed-row' },
      h('a', { class: 'search-feed-link', href: s.feed_url, type: 'application/atom+xml' }, t('searches.feed')),
      feed,
      h('button', { type: 'button', class: 'btn btn-quiet btn-small', onclick: () => copy(s.feed_url, status) }, t('searches.copy')),
      del),
    status);
}

/** Asks the server for the saved searches and lists them. */
async function refresh() {
  const list = $('searches-list');
  const note = $('searches-note');
  note.textContent = t('searches.loading');
  try {
    const { searches } = await api('/api/searches');
    list.replaceChildren(...searches.map(entry));
    note.textContent = searches.length
      ? t('searches.lead')
      : t('searches.none');
  } catch (e) {
    list.replaceChildren();
    note.textContent = t('searches.load_error', { message: e.message });
  }
}

async function save(e) {
  e.preventDefault();
  const name = $('search-name');
  const err = $('search-save-error');
  const button = $('search-save-submit');
  err.hidden = true;
  name.removeAttribute('aria-invalid');
  if (!name.value.trim()) {
    err.textContent = t('searches.name_missing');
    err.hidden = false;
    name.setAttribute('aria-invalid', 'true');
    name.focus();
    return;
  }
  button.disabled = true;
  try {
    const s = await api('/api/searches', { method: 'POST', body: { name: name.value.trim(), filters: searchFilters(state.get()) } });
    name.value = '';
    announce(t('searches.saved', { name: s.name }));
    await refresh();
  } catch (x) {
    const field = x.errors && x.errors[0];
    err.textContent = t('searches.save_error', { message: field ? `${field.field}: ${field.message}` : x.message });
    err.hidden = false;
    name.setAttribute('aria-invalid', 'true');
  } finally {
    button.disabled = false;
  }
}

export function init() {
  const dlg = $('dlg-searches');
  $('btn-searches').addEventListener('click', () => {
    showSaveForm();
    refresh();
    dlg.showModal();
  });
  $('search-save').addEventListener('submit', save);
  // Signing in or out while the dialog is open changes who may save and delete.
  signin.onChange(() => { if (dlg.open) { showSaveForm(); refresh(); } });
}
