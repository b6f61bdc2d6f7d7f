// tokens.js: the admins' Tokens screen: every token with its person, role and last use; a new
// token, shown once; revoking one. Everything goes through /api/tokens.

import { h } from './dom.js';
import { api } from './api.js';
import * as fmt from './format.js';
import { t as tr } from './i18n.js';
import { roleName } from './signin.js';

const $ = (id) => document.getElementById(id);

function row(t, reload) {
  const revoke = h('button', { type: 'button', class: 'btn btn-quiet btn-small btn-danger-quiet', 'data-token': t.id }, tr('tokens.revoke'));
  revoke.addEventListener('click', async () => {
    if (!window.confirm(tr('tokens.revoke_confirm', { who: t.person || t.name }))) return;
    revoke.disabled = true;
    try {
      await api(`/api/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
      await reload();
    } catch (e) {
      revoke.disabled = false;
      $('tok-error').textContent = tr('tokens.revoke_error', { message: e.message });
      $('tok-error').hidden = false;
    }
  });
  return h('tr', { class: t.revoked_at ? 'revoked' : null, 'data-id': t.id },
    h('td', { dir: 'auto' }, t.person || '—'),
    h('td', { dir: 'auto' }, t.name),
    h('td', {}, roleName(t.role)),
    h('td', {}, t.last_used_at ? fmt.stamp(t.last_used_at) : tr('tokens.never')),
    h('td', {}, t.revoked_at ? tr('tokens.revoked', { day: fmt.day(t.revoked_at) }) : revoke));
}

async function load() {
  const table = $('tokens-table');
  try {
    const all = await api('/api/tokens', { auth: true });
    table.replaceChildren(
      h('thead', {}, h('tr', {}, [tr('tokens.person'), tr('tokens.for'), tr('tokens.role'), tr('tokens.last_used'), ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, all.map((t) => row(t, load))));
  } catch (e) {
    table.replaceChildren(h('caption', {}, tr('tokens.list_error', { message: e.message })));
  }
}

async function create() {
  const err = $('tok-error');
  err.hidden = true;
  const person = $('tok-person').value.trim();
  const name = $('tok-name').value.trim() || 'desk';
  if (!person) {
    err.textContent = tr('tokens.person_missing');
    err.hidden = false;
    $('tok-person').focus();
    return;
  }
  try {
    const made = await api('/api/tokens', { method: 'POST', body: { name, person, role: $('tok-role').value } });
    $('tok-once-who').textContent = tr('signin.label', { name: made.person, role: roleName(made.role) });
    $('tok-once-value').value = made.token;
    $('tok-once').hidden = false;
    $('tok-once-value').select();
    $('tok-person').value = '';
    $('tok-name').value = '';
    await load();
  } catch (e) {
    err.textContent = tr('tokens.make_error', { message: e.message });
    err.hidden = false;
  }
}

export function open() {
  $('tok-once').hidden = true;
  $('tok-error').hidden = true;
  $('dlg-tokens').showModal();
  load();
}

export function init() {
  $('tok-create').addEventListener('click', create);
}
