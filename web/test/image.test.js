import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundDistance, distanceLabel, metres, scaleFor } from '../src/image.js';

test('a scale bar takes a round distance no longer than it may be', () => {
  assert.equal(roundDistance(1234), 1000);
  assert.equal(roundDistance(3400), 2000);
  assert.equal(roundDistance(73000), 50000);
  assert.equal(roundDistance(0), 0);
  assert.equal(distanceLabel(500), '500 m');
  assert.equal(distanceLabel(20000), '20 km');
});

test('a degree of latitude is about 111 km, and the image is print-sized', () => {
  const m = metres([36, 35], [36, 36]);
  assert.ok(Math.abs(m - 111195) < 100, `${m}`);
  assert.equal(scaleFor(1280), 2);
  assert.equal(scaleFor(390), 5);
});
