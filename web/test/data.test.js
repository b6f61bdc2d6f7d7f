// Tests web/src/data.js without a network: the API parameters of a state's filters, the viewport
// as a box (across the antimeridian too), whether a feature lies in a box, and the loaded events
// kept by id (put, get, all, inView). The map is a stand-in that only reports its bounds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterParams, viewWindow, inBox, inView, put, get, all, on } from '../src/data.js';

/** A stand-in for a MapLibre map whose view has these bounds. */
const mapWithBounds = (west, south, east, north) => ({
  getBounds: () => ({ getWest: () => west, getSouth: () => south, getEast: () => east, getNorth: () => north }),
});

const point = (lon, lat) => ({ geometry: { type: 'Point', coordinates: [lon, lat] } });

const stateWith = (filters, time = { start: '', end: '' }) => ({
  view: null,
  filters: { q: '', categories: [], statuses: [], actor: '', place: '', radius: 25, ...filters },
  time,
  selected: '',
});

test('the filters become the API parameters, with the time window unless it is left out', () => {
  const s = stateWith(
    { q: 'قصف', categories: ['protest', 'airstrike'], statuses: ['verified'], actor: 'Вагнер', place: 'Homs', radius: 50 },
    { start: '2025-02-01', end: '2025-02-28' },
  );
  assert.deepEqual(filterParams(s), {
    q: 'قصف', category: ['protest', 'airstrike'], status: ['verified'], actor: 'Вагнер', place: 'Homs', radius_km: 50,
    start: '2025-02-01', end: '2025-02-28',
  });
  const untimed = filterParams(s, { time: false });
  assert.equal('start' in untimed || 'end' in untimed, false);
  assert.equal(untimed.q, 'قصف');
});

test('the radius is sent only with a place and when it differs from the default', () => {
  assert.equal(filterParams(stateWith({ place: '', radius: 50 })).radius_km, '');
  assert.equal(filterParams(stateWith({ place: 'Homs', radius: 25 })).radius_km, '');
  assert.equal(filterParams(stateWith({ place: 'Homs', radius: 100 })).radius_km, 100);
});

test('the viewport is a box in -180..180, west beyond east across the antimeridian, the world when wider', () => {
  assert.deepEqual(viewWindow(mapWithBounds(30, 20, 40, 30)), [30, 20, 40, 30]);
  assert.deepEqual(viewWindow(mapWithBounds(170, -10, 190, 10)), [170, -10, -170, 10]);
  assert.deepEqual(viewWindow(mapWithBounds(-200, -10, -170, 10)), [160, -10, -170, 10]);
  assert.deepEqual(viewWindow(mapWithBounds(-250, -95, 150, 100)), [-180, -90, 180, 90]);
});

test('a point is in a box with its edges, and across the antimeridian on either side', () => {
  const box = [30, 20, 40, 30];
  assert.equal(inBox(point(35, 25), box), true);
  assert.equal(inBox(point(40, 20), box), true);
  assert.equal(inBox(point(41, 25), box), false);
  assert.equal(inBox(point(35, 31), box), false);
  const across = [170, -10, -170, 10];
  assert.equal(inBox(point(175, 0), across), true);
  assert.equal(inBox(point(-175, 0), across), true);
  assert.equal(inBox(point(0, 0), across), false);
  assert.equal(inBox(point(175, 20), across), false);
});

test('a shape is in a box when any of its coordinates is, and a feature without geometry never is', () => {
  const box = [30, 30, 40, 40];
  const f = (geometry) => ({ geometry });
  assert.equal(inBox(f({ type: 'LineString', coordinates: [[0, 0], [35, 35]] }), box), true);
  // Only coordinates count: a line crossing the box between two vertices outside it does not.
  assert.equal(inBox(f({ type: 'LineString', coordinates: [[0, 0], [50, 50]] }), box), false);
  assert.equal(inBox(f({ type: 'MultiPoint', coordinates: [[0, 0], [31, 39]] }), box), true);
  assert.equal(inBox(f({ type: 'Polygon', coordinates: [[[0, 0], [36, 0], [36, 36], [0, 0]]] }), box), true);
  const far = [[[0, 0], [1, 0], [1, 1], [0, 0]]];
  const near = [[[32, 32], [33, 32], [33, 33], [32, 32]]];
  assert.equal(inBox(f({ type: 'MultiPolygon', coordinates: [far, near] }), box), true);
  assert.equal(inBox(f({ type: 'MultiPolygon', coordinates: [far] }), box), false);
  assert.equal(inBox(f({ type: 'GeometryCollection', geometries: [point(0, 0).geometry, point(35, 35).geometry] }), box), true);
  assert.equal(inBox(f({ type: 'GeometryCollection', geometries: [point(0, 0).geometry] }), box), false);
  assert.equal(inBox(f(null), box), false);
  assert.equal(inBox(f({ type: 'Circle', coordinates: [35, 35] }), box), false);
});

test('an event put after an edit replaces the one with its id in place, a new one goes first, and listeners hear of it', () => {
  const heard = [];
  on((kind) => heard.push(kind));
  const aleppo = { id: 7, geometry: point(37.16, 36.2).geometry, properties: { title: 'حلب' } };
  const kyiv = { id: 'ev-2', geometry: point(30.52, 50.45).geometry, properties: { title: 'Київ' } };
  put(aleppo);
  put(kyiv);
  assert.deepEqual(all().map((f) => f.id), ['ev-2', 7]);
  const edited = { ...aleppo, properties: { title: 'حلب (تصحيح)' } };
  put(edited);
  assert.deepEqual(all().map((f) => f.id), ['ev-2', 7]);
  assert.equal(get('7'), edited);
  assert.equal(all()[1], edited);
  assert.deepEqual(heard, ['data', 'data', 'data']);
  // The events in view are those of the viewport, in the loaded order.
  assert.deepEqual(inView(mapWithBounds(20, 30, 40, 55)).map((f) => f.id), ['ev-2', 7]);
  assert.deepEqual(inView(mapWithBounds(35, 30, 40, 40)).map((f) => f.id), [7]);
});
