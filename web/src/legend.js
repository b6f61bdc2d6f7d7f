// legend.js: what the colours and symbols on the map mean. The types of event in view are
// listed with their counts along the top of the map, headed "On the map": the events of the
// dots and bubbles whose centre lies in view (tiles.tally), a movement at its destination; the
// list counts the events that reach into the view, so the two are labelled apart. The symbols
// fold away under "Symbols", with a line saying what the counts count.

import { h, narrow } from './dom.js';
import { number } from './format.js';
import { paintDots } from './events.js';
import { t, tn } from './i18n.js';

let categories = [];

export function init(cats) {
  categories = cats;
  document.getElementById('legend-more').open = false;
  if (narrow()) document.getElementById('legend').classList.add('compact');
}

/** Lists the categories of the events in view, most frequent first, from their counts (a Map
 *  of category to count). */
export function update(counts) {
  const shown = categories.filter((c) => counts.has(c.value)).sort((a, b) => counts.get(b.value) - counts.get(a.value));
  const ul = document.getElementById('legend-cats');
  ul.replaceChildren(...shown.map((c) => h('li', { class: 'legend-cat' },
    h('span', { class: 'dot', 'data-color': c.color, 'aria-hidden': 'true' }),
    h('span', { class: 'legend-label' }, c.label),
    h('span', { class: 'legend-count', 'aria-label': tn('legend.count', counts.get(c.value)) }, number(counts.get(c.value))))));
  if (shown.length) ul.prepend(h('li', { class: 'legend-head' }, t('legend.head')));
  else ul.append(h('li', { class: 'legend-cat legend-none' }, t('legend.none')));
  paintDots(ul);
}
