// Tests web/src/format.js: event times at their precision (always in UTC), short list dates,
// bookkeeping stamps, time-window labels, precision and status wording, country and language
// names, numbers and plurals.

import { test } from 'node:test';
import assert from 'node:assert/strict';

// A time zone far from UTC, set before format.js builds its formatters: a date or time that
// slipped into local time would show the next day here.
process.env.TZ = 'Pacific/Auckland';
const f = await import('../src/format.js');

// ICU versions differ in the spaces around a range's dash (none, plain or thin) and in the
// kind of space they use; compare with one plain form.
const plain = (s) => s.replace(/\s*–\s*/g, '–').replace(/\s/g, ' ');

const DAY = 86400e3;

test('precision words name every place precision with its radius and every time precision, and admit an unknown one', () => {
  assert.equal(f.precisionWords('settlement'), 'somewhere in the town or city (within about 5 km)');
  assert.equal(f.precisionWords('exact'), 'the exact spot (within about 10 m)');
  const radius = (m) => (m < 1000 ? `${m} m` : `${m / 1000} km`);
  for (const [p, metres] of Object.entries(f.PRECISION_M)) {
    assert.ok(f.precisionWords(p).includes(`within about ${radius(metres)}`), p);
  }
  assert.equal(f.precisionWords('street'), 'precision not stated');
  assert.equal(f.precisionWords(undefined), 'precision not stated');
  // Times: how closely they are known, and nothing for an unknown precision.
  assert.equal(f.timePrecisionWords('hour'), 'to the hour');
  assert.equal(f.timePrecisionWords('week'), 'to the week');
  assert.equal(f.timePrecisionWords('decade'), '');
});

test('a time is uncertain only when its span is wider than one unit of its precision', () => {
  const ev = (start, end, time_precision) => ({ start, end, time_precision });
  // A whole day known to the day is certain; two days are not.
  assert.equal(f.isUncertain(ev('2025-02-09T00:00:00Z', '2025-02-09T23:59:59Z', 'day')), false);
  assert.equal(f.isUncertain(ev('2025-02-09T00:00:00Z', '2025-02-10T23:59:59Z', 'day')), true);
  // February fits in one month; February to April does not.
  assert.equal(f.isUncertain(ev('2025-02-01T00:00:00Z', '2025-03-01T00:00:00Z', 'month')), false);
  assert.equal(f.isUncertain(ev('2025-02-01T00:00:00Z', '2025-04-01T00:00:00Z', 'month')), true);
  // An unknown precision counts as to the minute: ten minutes are uncertain.
  assert.equal(f.isUncertain(ev('2025-02-09T14:00:00Z', '2025-02-09T14:10:00Z', 'fortnight')), true);
  // Without both ends, or with an unreadable end, nothing is uncertain.
  assert.equal(f.isUncertain({ start: '2025-02-09T00:00:00Z', time_precision: 'day' }), false);
  assert.equal(f.isUncertain({ end: '2025-02-19T00:00:00Z', time_precision: 'day' }), false);
  assert.equal(f.isUncertain({ start: '2025-02-09T00:00:00Z', end: 'soon', time_precision: 'day' }), false);
});

test('an event known to the day reads as its UTC date, whatever the local time zone', () => {
  assert.equal(f.eventTime({ start: '2025-02-09T00:00:00Z', time_precision: 'day' }), '9 February 2025');
  // 23:30 at UTC-5 is 04:30 UTC the next day (and 17:30 on the 10th in Auckland).
  assert.equal(f.eventTime({ start: '2025-02-09T23:30:00-05:00', time_precision: 'day' }), '10 February 2025');
  // Without a precision, the day is shown and the hour left out.
  assert.equal(f.eventTime({ start: '2025-02-09T14:00:00Z' }), '9 February 2025');
});

test('an uncertain span of days reads as a range, across months too', () => {
  const ev = (start, end) => f.eventTime({ start, end, time_precision: 'day' });
  assert.equal(plain(ev('2025-02-09T00:00:00Z', '2025-02-10T23:59:59Z')), '9–10 February 2025');
  assert.equal(plain(ev('2025-01-30T00:00:00Z', '2025-02-02T23:59:59Z')), '30 January–2 February 2025');
});

test('an event known to the hour or minute shows its UTC time and says UTC', () => {
  // The separator between date and time is ", " or " at " depending on the ICU version.
  assert.match(plain(f.eventTime({ start: '2025-02-09T14:00:00Z', time_precision: 'hour' })), /^9 February 2025(,| at) 14:00 UTC$/);
  assert.match(plain(f.eventTime({ start: '2025-02-09T17:05:00+03:00', time_precision: 'exact' })), /^9 February 2025(,| at) 14:05 UTC$/);
  const range = f.eventTime({ start: '2025-02-09T14:05:00Z', end: '2025-02-09T16:00:00Z', time_precision: 'exact' });
  assert.match(plain(range), /^9 February 2025(,| at) 14:05–16:00 UTC$/);
});

test('weeks, months and years read at their own precision, with uncertain spans as ranges', () => {
  const ev = (start, end, time_precision) => plain(f.eventTime({ start, end, time_precision }));
  assert.equal(ev('2025-02-10T00:00:00Z', '2025-02-17T00:00:00Z', 'week'), 'week of 10 February 2025');
  assert.equal(ev('2025-02-10T00:00:00Z', '2025-02-24T00:00:00Z', 'week'), '10–24 February 2025 (week)');
  assert.equal(ev('2025-02-01T00:00:00Z', undefined, 'month'), 'February 2025');
  assert.equal(ev('2025-02-01T00:00:00Z', '2025-04-30T00:00:00Z', 'month'), 'February–April 2025');
  assert.equal(ev('2025-01-01T00:00:00Z', '2025-12-31T23:59:59Z', 'year'), '2025');
  assert.equal(ev('2024-01-01T00:00:00Z', '2025-12-31T00:00:00Z', 'year'), '2024–2025');
});

test('an event whose start cannot be read has no time text', () => {
  assert.equal(f.eventTime({ start: 'الأسبوع الماضي', time_precision: 'day' }), '');
  assert.equal(f.eventTime({ time_precision: 'day' }), '');
  assert.equal(f.shortTime({ start: 'на прошлой неделе' }), '');
});

test('list dates are short, with ranges for uncertain spans and months or years when that is all that is known', () => {
  assert.equal(f.shortTime({ start: '2025-02-09T10:00:00Z', time_precision: 'exact' }), '9 Feb 2025');
  assert.equal(plain(f.shortTime({ start: '2025-02-28T00:00:00Z', end: '2025-03-03T00:00:00Z', time_precision: 'day' })), '28 Feb–3 Mar 2025');
  assert.equal(f.shortTime({ start: '2025-02-01T00:00:00Z', time_precision: 'month' }), 'February 2025');
  assert.equal(f.shortTime({ start: '2025-01-01T00:00:00Z', end: '2025-12-31T00:00:00Z', time_precision: 'year' }), '2025');
});

test('stamps and publication days are in UTC, and text that is not a time is kept as it was', () => {
  assert.match(plain(f.stamp('2025-03-12T17:05:00+03:00')), /^12 Mar 2025(,| at) 14:05 UTC$/);
  assert.equal(f.stamp('أمس'), 'أمس');
  assert.equal(f.stamp(undefined), '');
  assert.equal(f.day('2025-02-09T23:30:00Z'), '9 February 2025');
  assert.equal(f.day('2025-02-09'), '9 February 2025');
  assert.equal(f.day('вчера'), 'вчера');
});

test('time-window labels give days, or hours when asked, and share what the ends have in common', () => {
  assert.equal(plain(f.windowLabel(Date.UTC(2025, 1, 1), Date.UTC(2025, 1, 12), false)), '1–12 Feb 2025');
  assert.equal(plain(f.windowLabel(Date.UTC(2024, 11, 30), Date.UTC(2025, 0, 2), false)), '30 Dec 2024–2 Jan 2025');
  assert.match(plain(f.windowLabel(Date.UTC(2025, 1, 1, 6), Date.UTC(2025, 1, 1, 18), true)), /^1 Feb 2025(,| at) 06:00–18:00$/);
  // The timeline passes an end 1 ms before midnight for a single day.
  assert.equal(plain(f.windowLabel(Date.UTC(2025, 1, 1), Date.UTC(2025, 1, 2) - 1, false)), '1 Feb 2025');
  assert.equal(plain(f.windowLabel(Date.UTC(2025, 1, 1), Date.UTC(2025, 1, 1) + 3 * DAY - 1, false)), '1–3 Feb 2025');
});

test('statuses, country codes and language codes read as English words, and anything unknown as itself', () => {
  assert.equal(f.statusLabel('corroborated'), 'Corroborated');
  assert.equal(f.statusLabel('retracted'), 'Retracted');
  assert.equal(f.statusLabel('подтверждено'), 'подтверждено');
  assert.equal(f.statusLabel(''), '');
  assert.equal(f.statusLabel(undefined), '');
  assert.equal(f.countryName('sy'), 'Syria');
  assert.equal(f.countryName('UA'), 'Ukraine');
  assert.equal(f.countryName('Сирия'), 'Сирия');
  assert.equal(f.countryName(''), '');
  assert.equal(f.languageName('ru'), 'Russian');
  assert.equal(f.languageName('ar'), 'Arabic');
  assert.equal(f.languageName('العربية'), 'العربية');
  assert.equal(f.languageName(null), '');
});

test('numbers are grouped in thousands (counts with words are i18n.js tn, tested in i18n.test.js)', () => {
  assert.equal(f.number(1234567.5), '1,234,567.5');
});
