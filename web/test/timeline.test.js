// Tests the pure parts of web/src/timeline.js: the state's time window in milliseconds
// (windowMs) and back (windowStrings), UTC calendar arithmetic (floor, add) and the histogram's
// bucket for a span of dates (pickBucket).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowMs, windowStrings, floor, add, pickBucket } from '../src/timeline.js';

const DAY = 86400e3;
const at = (s) => Date.parse(s);
const withTime = (start, end) => ({ time: { start, end } });

test('the time window is null when open, and a date range runs from midnight to the midnight after its last day', () => {
  assert.equal(windowMs(withTime('', '')), null);
  assert.deepEqual(windowMs(withTime('2025-02-01', '2025-02-28')), [at('2025-02-01T00:00:00Z'), at('2025-03-01T00:00:00Z')]);
  assert.deepEqual(windowMs(withTime('2025-02-10T14:00:00+03:00', '')), [at('2025-02-10T11:00:00Z'), null]);
  assert.deepEqual(windowMs(withTime('', '2025-02-10T14:00:00Z')), [null, at('2025-02-10T14:00:00Z')]);
});

test('a window of whole days is written as dates with the last day included, any other as UTC instants', () => {
  assert.deepEqual(windowStrings(at('2025-02-01T00:00:00Z'), at('2025-03-01T00:00:00Z')), { start: '2025-02-01', end: '2025-02-28' });
  assert.deepEqual(windowStrings(at('2025-02-10T00:00:00Z'), at('2025-02-11T00:00:00Z')), { start: '2025-02-10', end: '2025-02-10' });
  const instants = (start, end) => assert.deepEqual(windowStrings(at(start), at(end)), { start, end });
  instants('2025-02-10T06:00:00Z', '2025-02-10T18:30:00Z');
  instants('2025-02-10T06:00:00.250Z', '2025-02-11T00:00:00Z');
});

test('a window written as strings reads back as the same milliseconds', () => {
  for (const [a, b] of [
    [at('2024-12-30T00:00:00Z'), at('2025-01-06T00:00:00Z')],
    [at('2024-02-29T00:00:00Z'), at('2024-03-01T00:00:00Z')],
    [at('2025-02-10T06:00:00Z'), at('2025-02-10T07:00:00Z')],
  ]) {
    const s = windowStrings(a, b);
    assert.deepEqual(windowMs(withTime(s.start, s.end)), [a, b], JSON.stringify(s));
  }
});

test('a time is floored to the start of its UTC hour, day, Monday week, month or year', () => {
  const t = at('2025-02-12T15:30:45Z'); // a Wednesday
  assert.equal(floor(t, 'hour'), at('2025-02-12T15:00:00Z'));
  assert.equal(floor(t, 'day'), at('2025-02-12T00:00:00Z'));
  assert.equal(floor(t, 'week'), at('2025-02-10T00:00:00Z'));
  assert.equal(floor(at('2025-02-16T23:59:00Z'), 'week'), at('2025-02-10T00:00:00Z')); // a Sunday
  assert.equal(floor(at('2025-02-10T00:00:00Z'), 'week'), at('2025-02-10T00:00:00Z')); // a Monday
  assert.equal(floor(at('2025-01-01T12:00:00Z'), 'week'), at('2024-12-30T00:00:00Z'));
  assert.equal(floor(t, 'month'), at('2025-02-01T00:00:00Z'));
  assert.equal(floor(t, 'year'), at('2025-01-01T00:00:00Z'));
});

test('adding calendar units follows the calendar, keeps the hour and goes back with a negative count', () => {
  assert.equal(add(at('2025-02-28T00:00:00Z'), 'day'), at('2025-03-01T00:00:00Z'));
  assert.equal(add(at('2024-02-28T00:00:00Z'), 'day'), at('2024-02-29T00:00:00Z'));
  assert.equal(add(at('2025-02-10T06:00:00Z'), 'week', 2), at('2025-02-24T06:00:00Z'));
  assert.equal(add(at('2025-01-15T06:00:00Z'), 'month'), at('2025-02-15T06:00:00Z'));
  assert.equal(add(at('2025-11-01T00:00:00Z'), 'month', 3), at('2026-02-01T00:00:00Z'));
  assert.equal(add(at('2025-03-01T00:00:00Z'), 'month', -1), at('2025-02-01T00:00:00Z'));
  assert.equal(add(at('2025-02-10T00:00:00Z'), 'year'), at('2026-02-10T00:00:00Z'));
  assert.equal(add(at('2025-02-10T23:00:00Z'), 'hour', 2), at('2025-02-11T01:00:00Z'));
  assert.equal(add(at('2025-01-01T00:00:00Z'), 'day', -1), at('2024-12-31T00:00:00Z'));
});

test('a month or year added to a late day of the month lands in the month reached, on its last day at most', () => {
  assert.equal(add(at('2025-01-31T00:00:00Z'), 'month'), at('2025-02-28T00:00:00Z'));
  assert.equal(add(at('2024-01-30T06:00:00Z'), 'month'), at('2024-02-29T06:00:00Z'));
  assert.equal(add(at('2025-05-31T00:00:00Z'), 'month'), at('2025-06-30T00:00:00Z'));
  assert.equal(add(at('2025-03-31T00:00:00Z'), 'month', -1), at('2025-02-28T00:00:00Z'));
  assert.equal(add(at('2025-12-31T00:00:00Z'), 'month', 2), at('2026-02-28T00:00:00Z'));
  assert.equal(add(at('2024-02-29T00:00:00Z'), 'year'), at('2025-02-28T00:00:00Z'));
  assert.equal(add(at('2024-02-29T00:00:00Z'), 'year', 4), at('2028-02-29T00:00:00Z'));
});

test('the histogram counts by day up to 400 days, then by week, month and year', () => {
  const t0 = at('2020-01-01T00:00:00Z');
  assert.equal(pickBucket(t0, t0 + DAY), 'day');
  assert.equal(pickBucket(t0, t0 + 400 * DAY), 'day');
  assert.equal(pickBucket(t0, t0 + 401 * DAY), 'week');
  assert.equal(pickBucket(t0, t0 + 4 * 365 * DAY), 'week');
  assert.equal(pickBucket(t0, t0 + 4 * 365 * DAY + DAY), 'month');
  assert.equal(pickBucket(t0, t0 + 40 * 365 * DAY), 'month');
  assert.equal(pickBucket(t0, t0 + 41 * 365 * DAY), 'year');
});
