// api.js: the one way the page talks to the server. Builds query strings, sends the editor's
// token when there is one, and turns application/problem+json answers into ApiError values
// that carry the field errors (and place candidates) for the forms.
import { t as tr } from './i18n.js';

const TOKEN_KEY = 'eventmap.token';
let readsNeedToken = false;
// Used when sessionStorage is unavailable.
let memoryToken = '';

/** The pasted token, kept for this browser tab only. */
export function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setToken(t) {
  try {
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage may be disabled; the token then lasts until the page reloads.
  }
  memoryToken = t;
}

/** In a private instance, reads need the token too. */
export function setPrivate(flag) {
  readsNeedToken = !!flag;
}

/** An error answer, with the problem's fields. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || tr('api.status', { status }));
    this.name = 'ApiError';
    this.status = status;
    this.type = problem.type || '';
    this.title = problem.title || '';
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.candidates = Array.isArray(problem.candidates) ? problem.candidates : [];
    this.problem = problem;
  }
}

/** `{a: 1, b: ['x', 'y'], c: ''}` → `a=1&b=x%2Cy` (empty values are left out). */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length) u.set(k, v.join(','));
    } else {
      u.set(k, String(v));
    }
  }
  return u.toString();
}

/** A URL for `path` with the query `params`. */
export function url(path, params) {
  const q = qs(params);
  return q ? `${path}?${q}` : path;
}

/**
 * Calls the API. Resolves with the parsed JSON (or text); rejects with ApiError for an error
 * answer or an unreachable server, and with an AbortError when `signal` aborts.
 */
export async function api(path, { method = 'GET', params, body, signal, headers = {}, auth = false } = {}) {
  const h = { Accept: 'application/geo+json, application/json, application/problem+json', ...headers };
  const t = token() || memoryToken;
  // Reads go without the token unless the instance is private or the read is for admins (`auth`).
  if (t && !h.Authorization && (method !== 'GET' || readsNeedToken || auth)) h.Authorization = `Bearer ${t}`;
  if (body !== undefined) h['Content-Type'] = headers['Content-Type'] || 'application/json';
  let r;
  try {
    r = await fetch(url(path, params), {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'same-origin',
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, { title: tr('api.offline.title'), detail: tr('api.offline') });
  }
  const type = r.headers.get('content-type') || '';
  if (!r.ok) {
    let problem = {};
    if (type.includes('json')) problem = await r.json().catch(() => ({}));
    else problem = { detail: (await r.text().catch(() => '')).slice(0, 300) };
    throw new ApiError(r.status, { title: r.statusText, ...problem });
  }
  if (r.status === 204) return null;
  return type.includes('json') ? r.json() : r.text();
}

/** The headers a read needs that the page does not make with `api` (the map's event tiles):
 *  the token in a private instance, none otherwise. */
export function readHeaders() {
  const t = token() || memoryToken;
  return t && readsNeedToken ? { Authorization: `Bearer ${t}` } : {};
}

/** Whether an error is an abort (a newer request replaced this one). */
export const aborted = (e) => e && e.name === 'AbortError';
