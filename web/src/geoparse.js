// geoparse.js: "paste a report". The reader pastes the text of a report; the server's geoparser
// finds the place mentions; the text is shown with each mention marked, and each found place can
// be confirmed (or swapped for a runner-up) into the event's places. With a link to the report,
// the server drafts the whole event (POST /api/reports): places with their roles, the time, the
// type and the supporting passage, which fill the form in one click; and when the report
// describes an event already on the map, it offers to add the report to that event instead.
// The section stays hidden unless the server offers POST /api/geoparse.

import { h } from './dom.js';
import { api, token, ApiError } from './api.js';
import { countryName } from './format.js';

const $ = (id) => document.getElementById(id);
let available = null;
let handlers = { addPlace: () => {}, fillSource: () => {}, fillDraft: () => {}, attached: () => {}, categoryLabel: (v) => v };
let last = null;

export function section() {
  return h('section', { class: 'report', id: 'ed-report', hidden: true, 'aria-labelledby': 'rp-title' },
    h('h3', { class: 'panel-h3', id: 'rp-title' }, 'Paste a report'),
    h('p', { class: 'hint' }, 'eventmap marks the places it finds in the text. Confirm each one to add it to the event below.'),
    h('div', { class: 'field' }, h('label', { for: 'rp-text' }, 'Text of the report'),
      h('textarea', { id: 'rp-text', rows: 6, dir: 'auto' })),
    h('div', { class: 'field-row' },
      h('div', { class: 'field' }, h('label', { for: 'rp-url' }, 'Link to the report'), h('input', { id: 'rp-url', type: 'url', placeholder: 'https://…' })),
      h('div', { class: 'field' }, h('label', { for: 'rp-lang' }, 'Language code'), h('input', { id: 'rp-lang', type: 'text', maxlength: 3, placeholder: 'en' }))),
    h('div', { class: 'field-row' },
      h('div', { class: 'field' }, h('label', { for: 'rp-publisher' }, 'Publisher'), h('input', { id: 'rp-publisher', type: 'text', dir: 'auto' })),
      h('div', { class: 'field' }, h('label', { for: 'rp-date' }, 'Published'), h('input', { id: 'rp-date', type: 'date' }))),
    h('p', { class: 'hint' }, 'With a link, eventmap also drafts the event (roles, time, type) and tells you if it is already on the map.'),
    h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn btn-quiet', id: 'rp-find' }, 'Find the places')),
    h('div', { class: 'report-result', id: 'rp-result', 'aria-live': 'polite' }));
}

export function init(hs) {
  handlers = hs;
  $('rp-find').addEventListener('click', find);
}

/**
 * Asks the server once whether it geoparses; shows the section if it does. The OpenAPI
 * description answers without a failed request (a 404 would be logged in the console); only
 * when it cannot be read is POST /api/geoparse itself tried, and a 404 then means "not here".
 */
export async function detect() {
  if (available === null) {
    try {
      const doc = await api('/api/openapi.json');
      available = !!(doc && doc.paths && doc.paths['/api/geoparse'] && doc.paths['/api/geoparse'].post);
    } catch {
      try {
        await api('/api/geoparse', { method: 'POST', body: { text: '' } });
        available = true;
      } catch (e) {
        available = e instanceof ApiError && e.status !== 0 && e.status !== 404 && e.status !== 405;
      }
    }
  }
  $('ed-report').hidden = !available;
  return available;
}

export function reset() {
  if (!$('rp-text')) return;
  for (const id of ['rp-text', 'rp-url', 'rp-publisher', 'rp-date']) $(id).value = '';
  $('rp-result').replaceChildren();
  last = null;
}

/** A place from the geoparser, whatever its shape (a Feature or a flat object). */
function flat(p) {
  if (!p) return null;
  if (p.properties) {
    const c = p.geometry && p.geometry.coordinates;
    return { ...p.properties, gazetteer_id: p.properties.gazetteer_id || p.id, lon: c ? c[0] : p.properties.lon, lat: c ? c[1] : p.properties.lat };
  }
  return p;
}

function mentionsOf(r) {
  const raw = Array.isArray(r) ? r : r.mentions || r.places || [];
  return raw.map((m) => ({
    start: m.start, end: m.end, text: m.text || m.mention || '',
    place: flat(m.place || m.resolved || m.best),
    confidence: m.confidence,
    demonym: !!m.demonym,
    candidates: (m.candidates || m.alternatives || m.runners_up || m.runner_ups || []).map(flat).filter(Boolean),
    role: m.role,
  })).filter((m) => Number.isInteger(m.start) && Number.isInteger(m.end));
}

const describe = (p) => [p.name, p.admin1, countryName(p.country)].filter(Boolean).join(', ');

function marked(text, mentions) {
  // Offsets are in Unicode code points, so split the text the same way.
  const cps = Array.from(text);
  const out = [];
  let at = 0;
  mentions.forEach((m, i) => {
    if (m.start < at) return;
    out.push(cps.slice(at, m.start).join(''));
    out.push(h('a', { class: `mention${m.demonym ? ' mention-demonym' : ''}`, href: `#rp-m-${i}`, dir: 'auto' }, cps.slice(m.start, m.end).join('')));
    at = m.end;
  });
  out.push(cps.slice(at).join(''));
  return h('div', { class: 'report-text', dir: 'auto' }, out);
}

function mentionRow(m, i) {
  const seen = new Set();
  const options = [m.place, ...m.candidates].filter((p) => p && !seen.has(p.gazetteer_id) && seen.add(p.gazetteer_id));
  const sel = h('select', { id: `rp-m-${i}-place`, 'aria-label': `Place for “${m.text}”` },
    options.map((p, k) => h('option', { value: k }, describe(p) + (p.kind ? ` (${p.kind})` : ''))));
  const role = h('select', { id: `rp-m-${i}-role`, 'aria-label': 'Role' },
    [['location', 'Where'], ['origin', 'From'], ['via', 'Via'], ['destination', 'To']].map(([v, l]) => h('option', { value: v, selected: v === (m.role || 'location') }, l)));
  const add = h('button', { type: 'button', class: 'btn btn-quiet btn-small' }, 'Add to the event');
  add.addEventListener('click', () => {
    const p = options[Number(sel.value)];
    if (!p) return;
    handlers.addPlace(p, role.value);
    add.textContent = 'Added';
    add.disabled = true;
  });
  const conf = Number.isFinite(m.confidence) ? ` · ${Math.round(m.confidence * 100)}% sure` : '';
  return h('li', { class: 'mention-row', id: `rp-m-${i}` },
    h('p', {}, h('strong', { dir: 'auto' }, `“${m.text || ''}”`), conf,
      m.demonym ? h('span', { class: 'muted' }, ' · a demonym: it names the country, not where the event happened') : null),
    options.length ? h('div', { class: 'field-row' }, sel, role, add) : h('p', { class: 'muted' }, 'Not found in the gazetteer.'));
}

const ROLE_WORDS = { origin: 'from', destination: 'to', via: 'via', location: 'at' };
const BASIS = {
  text: 'the date in the text',
  relative: 'counted back from the publication date',
  published_at: 'the publication date (the text gives none)',
  received: 'today (neither the text nor the form gives a date)',
};

/** The request body of POST /api/reports from the form. */
function reportBody(text, create) {
  const body = { url: $('rp-url').value.trim(), text, create };
  const lang = $('rp-lang').value.trim();
  const publisher = $('rp-publisher').value.trim();
  const date = $('rp-date').value;
  if (lang) body.language = lang;
  if (publisher) body.publisher = publisher;
  if (date) body.published_at = date;
  return body;
}

/** What the server read from the report, and what can be done with it: one card per event. */
function draftCard(out) {
  const drafts = out.drafts || [];
  if (!drafts.length) return h('p', { class: 'muted' }, 'No event could be drafted: the report names no place eventmap knows.');
  if (drafts.length === 1) return h('div', { class: 'report-draft', id: 'rp-draft' }, oneDraft(drafts[0], 0, true));
  // A round-up: each item is its own event; saving stores (or attaches) them all at once.
  const open = drafts.filter((d) => d.action === 'draft' || d.action === 'matches').length;
  const parts = [h('p', { class: 'report-roundup', id: 'rp-roundup' }, `This report tells ${drafts.length} events. Each is drafted below from its own passage.`)];
  drafts.forEach((d, i) => parts.push(h('div', { class: 'report-item' }, h('h4', { class: 'correct-title' }, `Event ${i + 1}`), ...oneDraft(d, i, false))));
  if (open) {
    const all = h('button', { type: 'button', class: 'btn btn-primary btn-small', id: 'rp-create-all' }, `Save the ${drafts.length} events`);
    const status = h('p', { class: 'muted', 'aria-live': 'polite' });
    all.addEventListener('click', () => store(all, status, `Save the ${drafts.length} events`));
    parts.push(h('div', { class: 'form-actions' }, all), status);
  }
  return h('div', { class: 'report-draft', id: 'rp-draft' }, parts);
}

/** One draft: what was read, a button to fill the form, and (alone) the way to store it. */
function oneDraft(d, i, alone) {
  const dr = d.draft;
  const suffix = i ? `-${i + 1}` : '';
  const places = dr.places.map((p) => `${ROLE_WORDS[p.role] || p.role} ${p.name}`).join(', ');
  const day = (dr.start || '').slice(0, 10);
  const use = h('button', { type: 'button', class: 'btn btn-quiet btn-small', id: `rp-use${suffix}` }, 'Fill the form with this draft');
  use.addEventListener('click', () => { handlers.fillDraft(d.event); use.textContent = 'Filled'; use.disabled = true; });
  const parts = [
    h('p', {}, h('strong', {}, handlers.categoryLabel(dr.category)), `: ${places}. `,
      `${day}, ${BASIS[dr.time_basis] || dr.time_basis}${dr.time_text ? ` (“${dr.time_text}”)` : ''}.`),
    alone ? null : h('p', { class: 'muted', dir: 'auto' }, dr.excerpt),
    h('div', { class: 'form-actions' }, use),
  ];
  if (alone && d.action === 'draft') {
    const create = h('button', { type: 'button', class: 'btn btn-primary btn-small', id: 'rp-create' }, 'Save as a new event');
    const status = h('p', { class: 'muted', 'aria-live': 'polite' });
    create.addEventListener('click', () => store(create, status, 'Save as a new event'));
    parts.push(h('div', { class: 'form-actions' }, create), status);
  }
  if (d.action === 'matches' && d.match) {
    const match = [h('p', {}, 'Already on the map: ', h('strong', { dir: 'auto' }, `“${d.match.title}”`), '.'),
      h('ul', { class: 'muted' }, d.match.reasons.map((r) => h('li', {}, r)))];
    if (alone) {
      const attach = h('button', { type: 'button', class: 'btn btn-primary btn-small', id: 'rp-attach' }, 'Add this report to that event');
      const status = h('p', { class: 'muted', 'aria-live': 'polite' });
      attach.addEventListener('click', () => store(attach, status, 'Add this report to that event'));
      match.push(h('div', { class: 'form-actions' }, attach), status);
    }
    parts.push(h('div', { class: 'report-match', id: `rp-match${suffix}` }, match));
  }
  return parts.filter(Boolean);
}

/** Sends the report again with "create": each draft attached to its match or stored as new. */
async function store(btn, status, label) {
  btn.disabled = true;
  btn.textContent = 'Saving…';
  try {
    const out = await api('/api/reports', { method: 'POST', body: reportBody(last.text, true) });
    status.textContent = out.drafts.map((d) => d.why).join(' · ');
    const attachedOnly = out.drafts.every((d) => d.action === 'attached' || d.action === 'already_attached');
    btn.textContent = attachedOnly ? 'Added' : 'Stored';
    const first = out.drafts.find((d) => d.event_id);
    if (first) handlers.attached(first.event_id);
  } catch (e) {
    status.textContent = `The report could not be saved: ${e.message}`;
    btn.disabled = false;
    btn.textContent = label;
  }
}

async function find() {
  const text = $('rp-text').value;
  const out = $('rp-result');
  if (!text.trim()) { out.replaceChildren(h('p', { class: 'field-error' }, 'Paste the text first.')); return; }
  out.replaceChildren(h('p', { class: 'muted' }, 'Looking for places…'));
  const body = { text };
  const lang = $('rp-lang').value.trim();
  if (lang) body.language = lang;
  const url = $('rp-url').value.trim();
  const drafting = !!(url && token());
  try {
    const r = drafting
      ? await api('/api/reports', { method: 'POST', body: reportBody(text, false) })
      : await api('/api/geoparse', { method: 'POST', body });
    last = { text, response: r };
    const roles = new Map();
    for (const p of (drafting ? r.drafts.flatMap((d) => d.draft.places) : [])) roles.set(p.gazetteer_id, p.role);
    const mentions = mentionsOf(r).map((m) => ({
      ...m,
      text: m.text || Array.from(text).slice(m.start, m.end).join(''),
      role: m.role || (m.place && roles.get(m.place.gazetteer_id)),
    }));
    out.replaceChildren(...[drafting ? draftCard(r) : null, marked(text, mentions),
      mentions.length ? h('ol', { class: 'mentions' }, mentions.map(mentionRow)) : h('p', { class: 'muted' }, 'No place names were found.')].filter(Boolean));
    if (url && !drafting) handlers.fillSource({ url, language: lang, excerpt: text.slice(0, 1000) });
  } catch (e) {
    out.replaceChildren(h('p', { class: 'field-error' }, `The places could not be found: ${e.message}`));
  }
}
