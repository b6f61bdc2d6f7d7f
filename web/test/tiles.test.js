// Tests web/src/tiles.js: the event tiles' URL for a set of filters, where a click on a cell
// zooms to, and the counts by category of the drawn cells and events.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { tileUrl, cellZoom, tally, total, EVENTS_ZOOM } from '../src/tiles.js';

test('the tile URL carries the filters and keeps the placeholders for MapLibre', () => {
  assert.equal(tileUrl({}, 'http://x'), 'http://x/api/events/tiles/{z}/{x}/{y}.mvt');
  const u = tileUrl({ q: 'convoy', category: ['protest', 'arrest'], status: [], start: '2025-01-01', end: '', place: '' });
  assert.equal(u, '/api/events/tiles/{z}/{x}/{y}.mvt?q=convoy&category=protest%2Carrest&start=2025-01-01');
});

test('a click on a few events zooms to where they are drawn one by one, on many two steps closer', () => {
  assert.equal(cellZoom(1, 2), EVENTS_ZOOM);
  assert.equal(cellZoom(50, 8.5), EVENTS_ZOOM);
  assert.equal(cellZoom(50, 9.5), 10.5);
  assert.equal(cellZoom(51, 3), 5);
  // Never beyond the events' zoom from below it: there the cells give way to the events.
  assert.equal(cellZoom(5000, 9), EVENTS_ZOOM);
  // A tile too full for its events counts them by cell at a closer zoom: a click goes closer still.
  assert.equal(cellZoom(5000, 11), 13);
  assert.equal(cellZoom(3, 12), 13);
});

const cell = (lon, lat, counts) => ({
  geometry: { type: 'Point', coordinates: [lon, lat] },
  properties: { count: Object.values(counts).reduce((a, b) => a + b, 0), ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [`count:${k}`, v])) },
});
const event = (id, category, at = [0, 0]) => ({ geometry: { type: 'Point', coordinates: at }, properties: { id, category } });

test('the tally adds the cells by category and an event once, however often each is drawn', () => {
  const a = cell(36.5, 35.1, { protest: 3, arrest: 1 });
  const b = cell(-120, 40, { protest: 2 });
  // The same cell in another copy of the world, and the same event from two tiles.
  const aAgain = cell(36.5 + 360, 35.1, { protest: 3, arrest: 1 });
  const counts = tally([a, b, aAgain, event('e1', 'shelling'), event('e1', 'shelling'), event('e2', 'arrest')]);
  assert.deepEqual(Object.fromEntries(counts), { protest: 5, arrest: 2, shelling: 1 });
  assert.equal(total(counts), 8);
  assert.equal(total(tally([])), 0);
});

test('the tally counts only the dots inside the view: a bubble reaching in from beyond is left out', () => {
  const inView = cell(10, 10, { protest: 4 });
  const beyond = cell(31, 10, { protest: 900 });
  // A movement's dot (its destination) beyond the view, another's inside.
  const gone = event('m1', 'arrest', [40, 10]);
  const here = event('m2', 'arrest', [20, 12]);
  const inside = ([lon]) => lon >= 0 && lon < 30;
  const counts = tally([inView, beyond, gone, here, cell(10 + 360, 10, { protest: 4 })], inside);
  assert.deepEqual(Object.fromEntries(counts), { protest: 4, arrest: 1 });
  // A copy of the world beyond the view does not hide the copy inside it.
  const wrapped = tally([cell(-350, 10, { shelling: 2 }), cell(10, 10, { shelling: 2 })], inside);
  assert.deepEqual(Object.fromEntries(wrapped), { shelling: 2 });
});
