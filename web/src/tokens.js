// tokens.js: the admins' Tokens screen: every token with its person, role and last use; a new
// token, shown once; revoking one. Everything goes through /api/tokens.

import { h } from './dom.js';
import { api } from './api.js';
import * as fmt from './format.js';

const $ = (id) => document.getElementById(id);

function row(t, reload) {
  const revoke = h('button', { type: 'button', class: 'btn btn-quiet btn-small btn-danger-quiet', 'data-token': t.id }, 'Revoke');
  revoke.addEventListener('click', async () => {
    if (!window.confirm(`Revoke the token of ${t.person || t.name}? Whoever uses it is signed out at once.`)) return;
    revoke.disabled = true;
    try {
      await api(`/api/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
      await reload();
    } catch (e) {
      revoke.disabled = false;
      $('tok-error').textContent = `The token was not revoked: ${e.message}`;
      $('tok-error').hidden = false;
    }
  });
  return h('tr', { class: t.revoked_at ? 'revoked' : null, 'data-id': t.id },
    h('td', { dir: 'auto' }, t.person || '—'),
    h('td', { dir: 'auto' }, t.name),
    h('td', {}, t.role),
    h('td', {}, t.last_used_at ? fmt.stamp(t.last_used_at) : 'Never'),
    h('td', {}, t.revoked_at ? `Revoked ${fmt.day(t.revoked_at)}` : revoke));
}

async function load() {
  const table = $('tokens-table');
  try {
    const all = await api('/api/tokens', { auth: true });
    table.replaceChildren(
      h('thead', {}, h('tr', {}, ['Person', 'For', 'Role', 'Last used', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, all.map((t) => row(t, load))));
  } catch (e) {
    table.replaceChildren(h('caption', {}, `The tokens could not be listed: ${e.message}`));
  }
}

async function create() {
  const err = $('tok-error');
  err.hidden = true;
  const person = $('tok-person').value.trim();
  const name = $('tok-name').value.trim() || 'desk';
  if (!person) {
    err.textContent = 'Name the person the token is for: history records their changes in that name.';
    err.hidden = false;
    $('tok-person').focus();
    return;
  }
  try {
    const made = await api('/api/tokens', { method: 'POST', body: { name, person, role: $('tok-role').value } });
    $('tok-once-who').textContent = `${made.person} (${made.role})`;
    $('tok-once-value').value = made.token;
    $('tok-once').hidden = false;
    $('tok-once-value').select();
    $('tok-person').value = '';
    $('tok-name').value = '';
    await load();
  } catch (e) {
    err.textContent = `The token was not made: ${e.message}`;
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
