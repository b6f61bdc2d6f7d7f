// Tests web/src/searches.js without a page: the filters a saved search gets from the page state
// (the API's parameters, lists joined by commas, empty ones left out) and the line that
// describes a saved search's filters.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchFilters, describe } from '../src/searches.js';

const stateWith = (filters, time = { start: '', end: '' }) => ({
  view: { lon: 36, lat: 35, zoom: 7 },
  filters: { q: '', categories: [], statuses: [], actor: '', place: '', radius: 25, ...filters },
  time,
  selected: 'abc',
});

test('a saved search keeps the filters and dates but not the view or the chosen event', () => {
  const s = stateWith({ categories: ['protest', 'strike'], place: 'sy:aleppo', radius: 40 }, { start: '2025-02-01', end: '' });
  assert.deepEqual(searchFilters(s), { category: 'protest,strike', place: 'sy:aleppo', radius_km: '40', start: '2025-02-01' });
});

test('a page without filters saves an empty set of filters', () => {
  assert.deepEqual(searchFilters(stateWith({})), {});
});

test('the default radius is left to the server', () => {
  assert.deepEqual(searchFilters(stateWith({ place: 'sy:aleppo', radius: 25 })), { place: 'sy:aleppo' });
});

test('filters read as words, lists with spaces', () => {
  assert.equal(describe({ q: 'convoy*', category: 'protest,strike' }), 'words: convoy* · category: protest, strike');
  assert.equal(describe({ status: ['verified', 'reported'] }), 'status: verified, reported');
  assert.equal(describe({}), 'every event, no filters');
});
