// Tests the geometry helpers of the map modules: the point an event is marked at
// (events.js anchorOf), a precision circle as a polygon (events.js circle) and the bounds of a
// set of features (map.js boundsOf).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anchorOf, circle } from '../src/events.js';
import { boundsOf } from '../src/map.js';

const place = (role, lon, lat, name) => ({ role, lon, lat, name });

test('an event is marked at its location, else its destination, else its first place with coordinates', () => {
  const ev = (places, geometry = null) => ({ properties: { places }, geometry });
  assert.deepEqual(anchorOf(ev([place('origin', 36.3, 33.5, 'دمشق'), place('location', 37.2, 36.2, 'حلب')])), [37.2, 36.2]);
  assert.deepEqual(anchorOf(ev([place('origin', 30.5, 50.4, 'Київ'), place('destination', 36.2, 50.0, 'Харків')])), [36.2, 50.0]);
  // A location without coordinates is passed over.
  assert.deepEqual(anchorOf(ev([place('location', null, null, 'Москва'), place('via', 37.6, 55.7, 'Москва')])), [37.6, 55.7]);
});

test('without places, the anchor is the first coordinate of the geometry, and there is none without either', () => {
  const ev = (geometry) => ({ properties: {}, geometry });
  assert.deepEqual(anchorOf(ev({ type: 'Point', coordinates: [36.7, 34.7] })), [36.7, 34.7]);
  assert.deepEqual(anchorOf(ev({ type: 'LineString', coordinates: [[1, 2], [3, 4]] })), [1, 2]);
  assert.deepEqual(anchorOf(ev({ type: 'MultiPolygon', coordinates: [[[[5, 6], [7, 8], [5, 8], [5, 6]]]] })), [5, 6]);
  assert.deepEqual(anchorOf(ev({ type: 'GeometryCollection', geometries: [{ type: 'LineString', coordinates: [[9, 10], [11, 12]] }] })), [9, 10]);
  assert.equal(anchorOf(ev({ type: 'GeometryCollection', geometries: [] })), null);
  assert.equal(anchorOf({ properties: { places: [] }, geometry: null }), null);
});

test('a circle of one degree of arc around 0,0 has its vertices one degree north, east, south and west', () => {
  const oneDegree = (2 * Math.PI * 6371008.8) / 360; // about 111.2 km
  const c = circle([0, 0], oneDegree, 4);
  assert.equal(c.type, 'Polygon');
  const ring = c.coordinates[0];
  const expected = [[0, 1], [1, 0], [0, -1], [-1, 0], [0, 1]];
  assert.equal(ring.length, 5);
  ring.forEach(([lon, lat], i) => {
    assert.ok(Math.abs(lon - expected[i][0]) < 1e-9 && Math.abs(lat - expected[i][1]) < 1e-9, `vertex ${i}: ${lon},${lat}`);
  });
});

test('a circle far north is as wide in metres as it is tall, so twice as wide in degrees at 60°', () => {
  const ring = circle([30, 60], 5000).coordinates[0];
  assert.equal(ring.length, 65);
  // The ring is closed: its last vertex is its first.
  ring[0].forEach((x, i) => assert.ok(Math.abs(x - ring[64][i]) < 1e-9));
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  const width = Math.max(...lons) - Math.min(...lons);
  const height = Math.max(...lats) - Math.min(...lats);
  // 10 km of latitude is about 0.0899°; of longitude at 60° (cos = 0.5), twice that.
  assert.ok(Math.abs(height - 0.0899) < 0.0005, `height ${height}`);
  assert.ok(Math.abs(width / height - 2) < 0.01, `width ${width}`);
});

test('the bounds of features cover every coordinate, skip features without geometry, and are null for none', () => {
  const features = [
    { geometry: { type: 'Point', coordinates: [36.3, 33.5] } },
    { geometry: null },
    { geometry: { type: 'LineString', coordinates: [[30.5, 50.4], [37.6, 55.7]] } },
    { geometry: { type: 'GeometryCollection', geometries: [{ type: 'Polygon', coordinates: [[[35, 31], [35.5, 31], [35, 32], [35, 31]]] }] } },
  ];
  assert.deepEqual(boundsOf(features), [[30.5, 31], [37.6, 55.7]]);
  assert.equal(boundsOf([]), null);
  assert.equal(boundsOf([{ geometry: null }]), null);
});
