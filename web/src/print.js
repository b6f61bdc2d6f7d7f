// print.js: a printed page of the view. Before printing, the map is drawn as an image (a WebGL
// canvas prints blank) and put on a print-only sheet with the events in view and their
// sources; the print stylesheet shows that sheet alone, on A4 or Letter.

import { h } from './dom.js';
import * as image from './image.js';
import * as fmt from './format.js';
import { t, tn } from './i18n.js';

const $ = (id) => document.getElementById(id);
let imageUrl = '';

function eventItem(f) {
  const p = f.properties;
  const places = (p.places || []).map((x) => x.name).filter(Boolean).join(' → ');
  return h('li', { class: 'print-event' },
    h('p', { class: 'print-event-title', dir: 'auto' }, p.title),
    h('p', { class: 'print-event-meta' }, [fmt.eventTime(p), places, fmt.statusLabel(p.status)].filter(Boolean).join(' · ')),
    (p.sources || []).length
      ? h('ul', { class: 'print-sources' }, p.sources.map((s) => h('li', { dir: 'auto' },
        [s.publisher, s.title].filter(Boolean).join(': ') || s.url, h('br'), h('span', { class: 'print-url' }, s.url))))
      : null);
}

/** Fills the print sheet: the map image (with its title, key, scale and credits) and the
 *  events in view, newest first. */
export async function prepare(map, parts, events) {
  const { blob, width, height } = await image.render(map, parts);
  if (imageUrl) URL.revokeObjectURL(imageUrl);
  imageUrl = URL.createObjectURL(blob);
  $('print-sheet').replaceChildren(
    h('img', { class: 'print-map', src: imageUrl, width, height, alt: t('print.alt', { title: parts.title, dates: parts.dates }) }),
    h('h2', { class: 'print-list-title' }, tn('list.in_view', events.length)),
    h('ol', { class: 'print-events' }, events.map(eventItem)));
}
