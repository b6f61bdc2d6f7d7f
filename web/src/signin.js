// signin.js: who is using the page. The Sign in dialog checks a token at once with GET /api/me
// and says in words why one is refused; the header then names the person and their role. A
// private instance asks for a token before it shows anything, and goes on without a reload.

import { api, token, setToken, ApiError } from './api.js';
import { announce } from './dom.js';
import * as tokens from './tokens.js';
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);
const ROLES = ['viewer', 'editor', 'admin'];
const roleWords = (r) => (ROLES.includes(r) ? t(`signin.can.${r}`) : r);
/** A role's name in the page's language ("editor"). */
export const roleName = (r) => (ROLES.includes(r) ? t(`role_name.${r}`) : r);

let me = null;
let listeners = [];
let waiting = null;

/** The signed-in token's owner `{id, name, person, role}`, or null. */
export const current = () => me;

/** Calls `fn(me)` whenever the signed-in token changes. */
export function onChange(fn) {
  listeners.push(fn);
}

/** Words for a refused token, from the API's answer. */
export function refusal(e) {
  if (!(e instanceof ApiError)) return t('signin.unchecked');
  if (e.status === 0) return t('api.offline');
  if (e.status === 429) {
    return t('signin.too_many');
  }
  if (e.status === 401) {
    if (/malformed/i.test(e.message)) return t('signin.malformed');
    if (/revoked/i.test(e.message)) return t('signin.revoked');
    return t('signin.unknown');
  }
  return t('signin.check_failed', { message: e.message });
}

/** Who `secret` (a token) is, from the server; throws an ApiError when it is refused. */
export async function check(secret) {
  return api('/api/me', { headers: { Authorization: `Bearer ${secret}` } });
}

function label(who) {
  const name = who.person || who.name;
  return t('signin.label', { name, role: roleName(who.role) });
}

function set(who) {
  me = who;
  const btn = $('btn-signin');
  if (btn) {
    btn.textContent = who ? label(who) : t('signin.button');
    btn.title = who ? t('signin.as_can', { who: label(who), can: roleWords(who.role) }) : '';
    btn.classList.toggle('signed', !!who);
  }
  for (const fn of listeners) fn(who);
}

/** Signs in with the token `secret` if the server knows it; the reason in words if not. */
export async function signIn(secret) {
  const value = (secret || '').trim();
  if (!value) return { error: t('signin.empty') };
  try {
    const who = await check(value);
    setToken(value);
    set(who);
    announce(t('signin.as', { who: label(who) }));
    return { who };
  } catch (e) {
    return { error: refusal(e) };
  }
}

export function signOut() {
  setToken('');
  set(null);
  announce(t('signin.signed_out'));
}

function showState() {
  const who = me;
  $('signin-who').hidden = !who;
  $('signin-tokens').hidden = !who || who.role !== 'admin';
  if (who) $('signin-who-text').textContent = t('signin.as_can', { who: label(who), can: roleWords(who.role) });
  $('signin-error').hidden = true;
}

/** Opens the dialog; `required` for a private instance, which shows nothing without a token. */
export function open({ required = false } = {}) {
  const dlg = $('dlg-signin');
  showState();
  $('signin-cancel').hidden = required;
  $('signin-lead').textContent = t(required ? 'signin.lead_private' : 'signin.lead');
  if (!dlg.open) dlg.showModal();
  $('signin-token').focus();
}

/** For a private instance: resolves once a token that checks out is signed in. */
export function required() {
  if (me) return Promise.resolve(me);
  open({ required: true });
  return new Promise((resolve) => { waiting = resolve; });
}

export async function init() {
  const dlg = $('dlg-signin');
  $('btn-signin').addEventListener('click', () => open());
  $('signin-cancel').addEventListener('click', () => dlg.close());
  dlg.addEventListener('cancel', (e) => { if (waiting) e.preventDefault(); });
  $('signin-out').addEventListener('click', () => { signOut(); showState(); $('signin-token').focus(); });
  tokens.init();
  $('signin-tokens').addEventListener('click', () => { dlg.close(); tokens.open(); });
  $('signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const err = $('signin-error');
    $('signin-submit').disabled = true;
    const { who, error } = await signIn($('signin-token').value);
    $('signin-submit').disabled = false;
    if (error) {
      err.textContent = error;
      err.hidden = false;
      $('signin-token').setAttribute('aria-invalid', 'true');
      $('signin-token').focus();
      return;
    }
    $('signin-token').value = '';
    $('signin-token').removeAttribute('aria-invalid');
    dlg.close();
    if (waiting) { const w = waiting; waiting = null; w(who); }
  });
  // A token kept from before in this tab: still good?
  const kept = token();
  if (kept) {
    try {
      set(await check(kept));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setToken('');
      set(null);
    }
  }
}
