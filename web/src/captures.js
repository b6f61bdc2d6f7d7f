// captures.js: a source's captures under it in the event panel, each as
// "Captured 11 Feb 2025 08:02 UTC · SHA-256 3f2a… · View · WARC". The captures of all of an
// event's sources come in one request, GET /api/events/{id}/captures (grouped by source id).
// The captured page opens on its own (served in a sandbox); nothing of it enters this page.

import { h, extLink } from './dom.js';
import { api } from './api.js';
import { t, locale } from './i18n.js';

/** "11 Feb 2025 08:02 UTC" from an RFC 3339 time (the day in the page's language); '' when
 *  there is none. */
export function captureTime(iso) {
  const d = new Date(String(iso || ''));
  if (!iso || Number.isNaN(d.getTime())) return '';
  const day = new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
  const two = (n) => String(n).padStart(2, '0');
  return `${day} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
}

/** The words of one capture, without its links. */
export function captureText(c) {
  switch (c.state) {
    case 'captured': {
      const parts = [t('capture.captured', { time: captureTime(c.captured_at) })];
      if (c.sha256) parts.push(`SHA-256 ${String(c.sha256).slice(0, 4)}…`);
      if (c.origin && c.origin !== 'eventmap') parts.push(t('capture.by', { origin: c.origin }));
      return parts.join(' · ');
    }
    case 'queued': return t('capture.queued');
    case 'refused': return t('capture.refused', { reason: c.reason || t('capture.no_reason') });
    default: return t('capture.failed', { reason: c.reason || t('capture.no_reason') });
  }
}

function item(c) {
  const links = [];
  if (c.view) links.push(' · ', extLink(c.view, t('capture.view')));
  if (c.warc) links.push(' · ', extLink(c.warc, 'WARC'));
  if (!c.view && c.archive_url) links.push(' · ', extLink(c.archive_url, t('panel.archived')));
  return h('li', { class: 'source-capture', title: c.sha256 ? `SHA-256 ${c.sha256}` : null }, captureText(c), ...links);
}

/** The captures of event `eventId`'s sources, fetched once: returns `listFor(sourceId)`, which
 *  makes the (empty) list of one source; all the lists made before the answer comes are filled
 *  from it (a list stays empty when its source has no capture or the request fails). */
export function eventCaptures(eventId) {
  const lists = [];
  const listFor = (id) => {
    const list = h('ul', { class: 'source-captures' });
    if (id) lists.push([String(id), list]);
    return list;
  };
  if (eventId) {
    api(`/api/events/${encodeURIComponent(eventId)}/captures`)
      .then((r) => {
        const by = (r && r.sources) || {};
        for (const [id, list] of lists) list.replaceChildren(...(by[id] || []).map(item));
      })
      .catch(() => { for (const [, list] of lists) list.replaceChildren(); });
  }
  return listFor;
}
