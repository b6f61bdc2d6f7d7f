// dom.js: builds elements. Text always goes in as text nodes (never parsed as HTML), and
// links to the outside get a checked scheme and open safely in a new tab.

/** Creates an element: `h('p', {class: 'x'}, 'text', child)`. Attributes starting with `on`
 *  become listeners; `text` sets textContent; other values become attributes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with the same conventions as `h`. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'style') throw new Error('inline styles are not allowed (CSP); use a class');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false || c === '') continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Only http and https links are ever made clickable. */
export function safeUrl(url) {
  try {
    const u = new URL(String(url), location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** A link to another site: new tab, no opener, no referrer. Falls back to plain text. */
export function extLink(url, text, attrs = {}) {
  const href = safeUrl(url);
  if (!href) return h('span', attrs, text || String(url || ''));
  return h('a', { ...attrs, href, target: '_blank', rel: 'noopener noreferrer' }, text || href);
}

/** Tells screen readers something, politely. */
export function announce(message) {
  const el = document.getElementById('announce');
  if (!el) return;
  el.textContent = '';
  // A new text node after a tick makes repeated messages heard again.
  setTimeout(() => { el.textContent = message; }, 50);
}

/** Calls `fn` once activity stops for `ms` milliseconds. */
export function debounce(fn, ms) {
  let t;
  const d = (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
  d.cancel = () => clearTimeout(t);
  return d;
}

/** Whether the layout is the narrow (phone) one. */
export const narrow = () => window.matchMedia('(max-width: 760px)').matches;
