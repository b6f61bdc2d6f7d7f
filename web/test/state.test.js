// Tests web/src/state.js without a browser: reading the view, filters, time window and selected
// event from a query string (parse), writing them back (serialize), their round trips, and the
// count of active filters.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, serialize, activeFilterCount, DEFAULT_RADIUS } from '../src/state.js';

/** The state of a page opened without a query string. */
const empty = () => ({
  view: null,
  filters: { q: '', categories: [], statuses: [], actor: '', place: '', radius: 25 },
  time: { start: '', end: '' },
  selected: '',
});

/** A query string with each value encoded as a browser would. */
const query = (params) => `?${new URLSearchParams(params)}`;

test('an empty or foreign query string gives the empty state, which serializes to nothing', () => {
  assert.deepEqual(parse(''), empty());
  assert.deepEqual(parse('?utm_source=newsletter&lang=ar'), empty());
  assert.equal(DEFAULT_RADIUS, 25);
  assert.equal(serialize(empty()), '');
});

test('the map view is read as zoom, latitude and longitude, the longitude wrapped into ±180', () => {
  assert.deepEqual(parse('?map=5.5/35.1234/36.5').view, { zoom: 5.5, lat: 35.1234, lon: 36.5 });
  assert.deepEqual(parse('?map=0/-90/0').view, { zoom: 0, lat: -90, lon: 0 });
  // A longitude beyond ±180 is wrapped back onto the map.
  assert.equal(parse('?map=4/10/190').view.lon, -170);
  assert.equal(parse('?map=4/10/-190').view.lon, 170);
  assert.equal(parse('?map=4/10/400').view.lon, 40);
});

test('a map view out of range or not made of three numbers is ignored', () => {
  for (const map of ['23/0/0', '-1/0/0', '4/91/0', '4/-90.5/0', '4/10', '4/10/20/30', 'a/b/c', 'Infinity/0/0', '4/NaN/3']) {
    assert.equal(parse(query({ map })).view, null, map);
  }
});

test('a map view with an empty or blank part is ignored rather than read as zero', () => {
  for (const map of ['//', '4//30', '4/35/', '/35/30', ' /35/30']) assert.equal(parse(query({ map })).view, null, map);
});

test('categories and statuses are comma lists with blanks dropped', () => {
  const s = parse('?category=protest,%20airstrike,,&status=reported');
  assert.deepEqual(s.filters.categories, ['protest', 'airstrike']);
  assert.deepEqual(s.filters.statuses, ['reported']);
  assert.deepEqual(parse('?category=,,').filters.categories, []);
});

test('search text, actor and place in Arabic or Russian are read as written, cut to 500, 200 and 200 characters', () => {
  const s = parse(query({ q: 'قصف على حلب', actor: 'Группа «Вагнер»', place: 'Дамаск' }));
  assert.equal(s.filters.q, 'قصف على حلب');
  assert.equal(s.filters.actor, 'Группа «Вагнер»');
  assert.equal(s.filters.place, 'Дамаск');
  const long = parse(query({ q: 'ж'.repeat(600), actor: 'ب'.repeat(250), place: 'x'.repeat(201) }));
  assert.equal(long.filters.q, 'ж'.repeat(500));
  assert.equal(long.filters.actor, 'ب'.repeat(200));
  assert.equal(long.filters.place.length, 200);
});

test('a radius is kept only when above 0 and at most 1000 km', () => {
  const radius = (r) => parse(query({ place: 'Homs', radius_km: r })).filters.radius;
  assert.equal(radius('50'), 50);
  assert.equal(radius('2.5'), 2.5);
  assert.equal(radius('1000'), 1000);
  for (const bad of ['0', '-5', '1001', 'ten', '']) assert.equal(radius(bad), 25, bad);
});

test('time bounds are kept as dates or instants, and anything else is dropped', () => {
  const time = (start, end) => parse(query({ start, end })).time;
  assert.deepEqual(time('2025-02-10', '2025-02-10T14:00:00Z'), { start: '2025-02-10', end: '2025-02-10T14:00:00Z' });
  assert.deepEqual(time('2025-02-10T14:00:00.5+03:00', ''), { start: '2025-02-10T14:00:00.5+03:00', end: '' });
  for (const bad of ['yesterday', 'вчера', '2025-2-1', '10/02/2025', '2025-02-10 14:00:00Z', 'javascript:alert(1)']) {
    assert.deepEqual(time(bad, bad), { start: '', end: '' }, bad);
  }
});

test('time bounds the API would refuse are dropped: impossible dates and times, no seconds, no UTC offset', () => {
  const time = (start, end) => parse(query({ start, end })).time;
  const refused = [
    '2025-02-30', '2025-02-29', '2025-13-01', '2025-00-10', '2025-04-31', '2025-02-10T24:00:00Z', '2025-02-10T14:60:00Z',
    '2025-02-10T14:00Z', '2025-02-10T14:00:00', '2025-02-10T14:00:00+25:00',
  ];
  for (const bad of refused) assert.deepEqual(time(bad, bad), { start: '', end: '' }, bad);
  // A leap day is a real date; fractions of a second and any offset up to ±23:59 are allowed.
  assert.deepEqual(time('2024-02-29', '2024-12-31T23:59:59.999-14:00'), { start: '2024-02-29', end: '2024-12-31T23:59:59.999-14:00' });
});

test('a selected event id is kept only when made of letters, digits and hyphens, up to 64', () => {
  const sel = (event) => parse(query({ event })).selected;
  assert.equal(sel('01JKX7-abc'), '01JKX7-abc');
  assert.equal(sel('a'.repeat(64)), 'a'.repeat(64));
  for (const bad of ['a'.repeat(65), '../admin', 'حدث', '1 2', '<b>']) assert.equal(sel(bad), '', bad);
});

test('a state serializes in a stable order, with readable slashes and commas', () => {
  const s = {
    view: { zoom: 5, lat: 35.5, lon: 36.25 },
    filters: { q: 'convoy', categories: ['protest', 'airstrike'], statuses: ['reported'], actor: 'Army', place: 'Homs', radius: 50 },
    time: { start: '2025-02-01', end: '2025-02-28' },
    selected: 'ev1',
  };
  assert.equal(serialize(s),
    'map=5.00/35.5000/36.2500&start=2025-02-01&end=2025-02-28&q=convoy&category=protest,airstrike'
    + '&status=reported&actor=Army&place=Homs&radius_km=50&event=ev1');
});

test('the radius is written only with a place, and only when it is not the default', () => {
  const s = empty();
  s.filters.radius = 50;
  assert.equal(serialize(s), '');
  s.filters.place = 'Homs';
  assert.equal(serialize(s), 'place=Homs&radius_km=50');
  s.filters.radius = 25;
  assert.equal(serialize(s), 'place=Homs');
});

test('parse, serialize and parse again give the same state, with Arabic, Russian and URL syntax in the text', () => {
  const first = parse(query({
    map: '7.25/33.5138/36.2765',
    q: 'حلب، إدلب & حماة / 50%',
    category: 'protest,airstrike',
    status: 'reported,verified',
    actor: 'Группа «Вагнер»',
    place: 'Дамаск',
    radius_km: '10',
    start: '2025-02-10T14:00:00+03:00',
    end: '2025-02-28',
    event: 'ev-42',
  }));
  assert.equal(first.filters.q, 'حلب، إدلب & حماة / 50%');
  assert.deepEqual(parse(serialize(first)), first);
});

test('serializing what was parsed from a serialized state changes nothing, rounding included', () => {
  const once = serialize(parse('?map=5.123456/35.123456789/-36.987654321&q=a+b&junk=1'));
  assert.equal(once, 'map=5.12/35.1235/-36.9877&q=a+b');
  assert.equal(serialize(parse(once)), once);
});

test('each kind of filter counts once, and the time window once for either end', () => {
  assert.equal(activeFilterCount(empty()), 0);
  const s = empty();
  s.filters = { q: 'x', categories: ['a', 'b'], statuses: ['reported'], actor: 'y', place: 'z', radius: 50 };
  s.time = { start: '2025-02-01', end: '2025-02-28' };
  assert.equal(activeFilterCount(s), 6);
  const onlyEnd = empty();
  onlyEnd.time.end = '2025-02-28';
  assert.equal(activeFilterCount(onlyEnd), 1);
  const onlyRadius = empty();
  onlyRadius.filters.radius = 100;
  assert.equal(activeFilterCount(onlyRadius), 0);
});
