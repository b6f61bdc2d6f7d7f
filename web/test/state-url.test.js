// Tests web/src/state.js against a stand-in for the browser's location and history: the state
// read from the page's URL on load, `update` writing the URL (a new history entry for a choice,
// the same entry for panning), the subscribers it tells, going back (popstate) and `href`.
// The tests run in order and share the module's state, like one page being used.

import { test } from 'node:test';
import assert from 'node:assert/strict';

const entries = [];
let onPopstate = null;
const setUrl = (u) => {
  const i = u.indexOf('?');
  globalThis.location.pathname = i < 0 ? u : u.slice(0, i);
  globalThis.location.search = i < 0 ? '' : u.slice(i);
};
globalThis.location = { origin: 'https://map.example', pathname: '/', search: '?map=4.00/35.0000/36.0000&q=convoy' };
globalThis.window = {
  addEventListener(type, fn) {
    if (type === 'popstate') onPopstate = fn;
  },
  history: {
    pushState(_data, _title, u) { entries.push(['push', u]); setUrl(u); },
    replaceState(_data, _title, u) { entries.push(['replace', u]); setUrl(u); },
  },
};
// Imported only now, so that it finds the page's URL and history at import.
const state = await import('../src/state.js');

const calls = [];
const unsubscribe = state.subscribe((s, changed, meta) => calls.push({ changed: [...changed].sort(), source: meta.source }));
const enc = encodeURIComponent;

test('the state starts from the URL the page was opened with, and back/forward is listened for', () => {
  assert.deepEqual(state.get().view, { zoom: 4, lat: 35, lon: 36 });
  assert.equal(state.get().filters.q, 'convoy');
  assert.equal(typeof onPopstate, 'function');
});

test('a filter change is merged into the filters, adds a history entry and tells what changed', () => {
  state.update({ filters: { actor: 'Вагнер' } });
  assert.equal(state.get().filters.q, 'convoy');
  assert.equal(state.get().filters.actor, 'Вагнер');
  assert.deepEqual(entries.at(-1), ['push', `/?map=4.00/35.0000/36.0000&q=convoy&actor=${enc('Вагнер')}`]);
  assert.deepEqual(calls.at(-1), { changed: ['filters'], source: 'user' });
});

test('panning replaces the current history entry even when a push is asked for', () => {
  const before = entries.length;
  state.update({ view: { zoom: 6, lat: 34.5, lon: 36.75 } }, { history: 'push', source: 'map' });
  assert.equal(entries.length, before + 1);
  assert.deepEqual(entries.at(-1), ['replace', `/?map=6.00/34.5000/36.7500&q=convoy&actor=${enc('Вагнер')}`]);
  assert.deepEqual(calls.at(-1), { changed: ['view'], source: 'map' });
});

test('a time change keeps the other end, and a replace is honoured for choices too', () => {
  state.update({ time: { start: '2025-02-01' } });
  state.update({ time: { end: '2025-02-28' } }, { history: 'replace', source: 'timeline' });
  assert.deepEqual(state.get().time, { start: '2025-02-01', end: '2025-02-28' });
  assert.equal(entries.at(-2)[0], 'push');
  assert.equal(entries.at(-1)[0], 'replace');
  assert.match(entries.at(-1)[1], /&start=2025-02-01&end=2025-02-28&/);
  assert.deepEqual(calls.at(-1), { changed: ['time'], source: 'timeline' });
});

test('an update that changes nothing writes no history and calls no subscriber', () => {
  const [e, c] = [entries.length, calls.length];
  state.update({ filters: { actor: 'Вагнер' }, time: { start: '2025-02-01' } });
  state.update({});
  assert.equal(entries.length, e);
  assert.equal(calls.length, c);
});

test('going back restores the state from the URL and tells the subscribers it was history', () => {
  state.update({ selected: 'ev-1' });
  setUrl(`/?q=${enc('حلب')}&event=ev-9`);
  onPopstate();
  const s = state.get();
  assert.equal(s.view, null);
  assert.equal(s.filters.q, 'حلب');
  assert.equal(s.filters.actor, '');
  assert.deepEqual(s.time, { start: '', end: '' });
  assert.equal(s.selected, 'ev-9');
  assert.deepEqual(calls.at(-1), { changed: ['filters', 'selected', 'time', 'view'], source: 'history' });
});

test('clearing the selection with null leaves an empty id', () => {
  state.update({ selected: null });
  assert.equal(state.get().selected, '');
  assert.deepEqual(entries.at(-1), ['push', `/?q=${enc('حلب')}`]);
});

test('links carry the state\'s query, on this page or another path, and none for the empty state', () => {
  assert.equal(state.href(state.get(), '/embed'), `https://map.example/embed?q=${enc('حلب')}`);
  assert.equal(state.href(), `https://map.example/?q=${enc('حلب')}`);
  assert.equal(state.href(state.parse(''), '/embed'), 'https://map.example/embed');
});

test('a subscriber that unsubscribed is not called again', () => {
  unsubscribe();
  const c = calls.length;
  state.update({ filters: { q: 'другое' } });
  assert.equal(calls.length, c);
});
