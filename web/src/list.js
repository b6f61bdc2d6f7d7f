// list.js: the events in view, newest first, page by page, in step with the map: it is redrawn
// whenever the map stops moving or new events arrive, and "Show more" loads the next page. Its
// count is of every match in view (the server's, "about N" when estimated). Pointing at an item highlights the event on the map;
// choosing it opens its panel. On a phone the list is a bottom sheet that folds to one line.

import { h, narrow } from './dom.js';
import { shortTime, statusLabel, number } from './format.js';
import { t, tn } from './i18n.js';
import { paintDots, colorOf } from './events.js';

let items = [];
let selected = '';
let handlers = { pick: () => {}, hover: () => {}, more: async () => false };

const $ = (id) => document.getElementById(id);

/** `onMore()` loads the next page (resolving to whether it did). */
export function init({ onPick, onHover, onMore }) {
  handlers = { pick: onPick, hover: onHover, more: onMore };
  $('list-more').addEventListener('click', async () => {
    const first = items.length;
    $('list-more').disabled = true;
    try {
      if (!(await handlers.more())) return;
    } finally {
      $('list-more').disabled = false;
    }
    // The first of the new events takes the focus, where the reader goes on reading.
    const li = $('list-items').children[first];
    if (li) li.querySelector('button').focus();
  });
  $('list-handle').addEventListener('click', () => setExpanded(!$('list').classList.contains('expanded')));
  const ol = $('list-items');
  ol.addEventListener('mouseover', (e) => {
    const b = e.target.closest('button[data-id]');
    handlers.hover(b ? b.dataset.id : null);
  });
  ol.addEventListener('mouseleave', () => handlers.hover(null));
  ol.addEventListener('focusin', (e) => {
    const b = e.target.closest('button[data-id]');
    if (b) handlers.hover(b.dataset.id);
  });
  ol.addEventListener('focusout', () => handlers.hover(null));
  ol.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-id]');
    if (!b) return;
    if (narrow()) setExpanded(false);
    handlers.pick(b.dataset.id);
  });
}

/** Folds or unfolds the bottom sheet (phone only; on a desk the list is always open). */
export function setExpanded(open) {
  $('list').classList.toggle('expanded', open);
  $('list-handle').setAttribute('aria-expanded', String(open));
}

function placesText(p) {
  const places = p.places || [];
  const name = (x) => x.name || x.gazetteer_id || '';
  const from = places.find((x) => x.role === 'origin');
  const to = places.find((x) => x.role === 'destination');
  if (from && to) return `${name(from)} → ${name(to)}`;
  return places.map(name).filter(Boolean).slice(0, 3).join(', ');
}

function item(f) {
  const p = f.properties;
  const id = String(f.id);
  return h('li', { class: 'item' },
    h('button', { type: 'button', class: 'item-btn', 'data-id': id, 'aria-current': id === selected ? 'true' : null },
      h('span', { class: 'dot', 'data-color': colorOf(p.category), 'aria-hidden': 'true' }),
      h('span', { class: 'item-main' },
        h('span', { class: 'item-title', dir: 'auto' }, p.title),
        h('span', { class: 'item-meta' },
          h('span', {}, shortTime(p)),
          h('span', { class: 'item-places', dir: 'auto' }, placesText(p)),
          h('span', { class: `badge status-${p.status}` }, statusLabel(p.status))))));
}

function draw(info) {
  const ol = $('list-items');
  ol.replaceChildren(...items.map(item));
  paintDots(ol);
  const left = Math.max(0, info.matched - items.length);
  $('list-more').hidden = !info.more;
  $('list-more').textContent = tn('list.more', Math.min(info.page, left || info.page));
  $('list-empty').hidden = items.length > 0;
}

/** Shows the loaded events in view. `info` is data.js's load state, with `page`, the size of
 *  a page. */
export function render(features, info) {
  const same = features.length === items.length && features.every((f, i) => f === items[i]);
  items = features;
  if (!same) draw(info);
  else $('list-more').hidden = !info.more;
  status(info);
}

/** Up to this many matches the server counts exactly (`plan::EXACT_BOUND`, docs/API.md). */
export const EXACT_BOUND = 10000;

/**
 * The count of every match in view: "about N" when the server estimated it, "more than 10,000"
 * when its estimate fell below what it had already counted (the estimate then only says that
 * the exact count passed the bound: long movements whose boxes cross a small view, say).
 */
export function countText(info) {
  if (info.exact === false && info.matched <= EXACT_BOUND + 1) return tn('list.in_view_more', EXACT_BOUND);
  return info.exact === false
    ? tn('list.in_view_about', info.matched)
    : tn('list.in_view', info.matched);
}

/** Updates the count line (also while loading or after an error). */
export function status(info) {
  let text = countText(info);
  if (info.loading) text = t('list.loading');
  else if (info.error) text = t('list.error', { message: info.error });
  $('list-status').textContent = text;
  $('list-handle-text').textContent = info.loading ? t('list.loading') : countText(info);
}

/** Marks the selected event in the list. */
export function setSelected(id) {
  selected = id || '';
  for (const b of $('list-items').querySelectorAll('button[data-id]')) {
    if (b.dataset.id === selected) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}
