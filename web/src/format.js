// format.js: how values read to a person: dates at their precision, place precision in words,
// statuses, roles, countries and numbers. Pure functions, no DOM.

const LOCALE = 'en-GB';
const UTC = { timeZone: 'UTC' };

/** Precision radius of a place in metres (the API's contract). */
export const PRECISION_M = { exact: 10, near: 1000, settlement: 5000, district: 25000, region: 100000, country: 500000 };

const PRECISION_WORDS = {
  exact: 'the exact spot (within about 10 m)',
  near: 'near the named place (within about 1 km)',
  settlement: 'somewhere in the town or city (within about 5 km)',
  district: 'somewhere in the district (within about 25 km)',
  region: 'somewhere in the region (within about 100 km)',
  country: 'somewhere in the country (within about 500 km)',
};

/** "somewhere in the town or city (within about 5 km)" */
export function precisionWords(p) {
  return PRECISION_WORDS[p] || 'precision not stated';
}

/** Length of one unit of a time precision, in milliseconds. */
export const TIME_UNIT_MS = {
  exact: 60e3, hour: 3600e3, day: 86400e3, week: 7 * 86400e3, month: 31 * 86400e3, year: 366 * 86400e3,
};

const TIME_WORDS = {
  exact: 'to the minute', hour: 'to the hour', day: 'to the day', week: 'to the week', month: 'to the month', year: 'to the year',
};

export function timePrecisionWords(p) {
  return TIME_WORDS[p] || '';
}

/** Whether the event's [start, end] is wider than one unit of its precision: we only know it
 *  happened somewhere in that span. */
export function isUncertain(props) {
  if (!props.start || !props.end) return false;
  const span = Date.parse(props.end) - Date.parse(props.start);
  return span > (TIME_UNIT_MS[props.time_precision] || TIME_UNIT_MS.exact) + 1000;
}

const fmt = {
  year: new Intl.DateTimeFormat(LOCALE, { ...UTC, year: 'numeric' }),
  month: new Intl.DateTimeFormat(LOCALE, { ...UTC, year: 'numeric', month: 'long' }),
  day: new Intl.DateTimeFormat(LOCALE, { ...UTC, year: 'numeric', month: 'long', day: 'numeric' }),
  dayShort: new Intl.DateTimeFormat(LOCALE, { ...UTC, year: 'numeric', month: 'short', day: 'numeric' }),
  hour: new Intl.DateTimeFormat(LOCALE, { ...UTC, year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
  stamp: new Intl.DateTimeFormat(LOCALE, { ...UTC, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
};

function formatterFor(precision) {
  switch (precision) {
    case 'year': return fmt.year;
    case 'month': return fmt.month;
    case 'exact': case 'hour': return fmt.hour;
    default: return fmt.day;
  }
}

/** The event's time as a reader would write it: "9–10 February 2025", "February 2025",
 *  "9 February 2025, 14:00 UTC". */
export function eventTime(props) {
  const p = props.time_precision || 'day';
  const f = formatterFor(p);
  const start = new Date(props.start);
  if (Number.isNaN(start.getTime())) return '';
  const utc = p === 'exact' || p === 'hour' ? ' UTC' : '';
  let end = props.end ? new Date(props.end) : null;
  if (end && !Number.isNaN(end.getTime()) && isUncertain(props)) {
    const text = f.formatRange(start, end);
    return p === 'week' ? `${text} (week)` + utc : text + utc;
  }
  if (p === 'week') return `week of ${fmt.day.format(start)}`;
  return f.format(start) + utc;
}

/** Short date for lists: "9 Feb 2025" or "9–10 Feb 2025". */
export function shortTime(props) {
  const start = new Date(props.start);
  if (Number.isNaN(start.getTime())) return '';
  const p = props.time_precision;
  if (p === 'year') return fmt.year.format(start);
  if (p === 'month') return fmt.month.format(start);
  if (props.end && isUncertain(props)) return fmt.dayShort.formatRange(start, new Date(props.end));
  return fmt.dayShort.format(start);
}

/** "12 Mar 2025, 14:05 UTC" for bookkeeping times. */
export function stamp(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso || '') : `${fmt.stamp.format(d)} UTC`;
}

/** "9 February 2025" for a publication date (which may be a date-time). */
export function day(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso || '') : fmt.day.format(d);
}

/** Time-window label: "1 Feb 2025 – 12 Feb 2025". */
export function windowLabel(startMs, endMs, withHours) {
  const f = withHours ? fmt.stamp : fmt.dayShort;
  return f.formatRange(new Date(startMs), new Date(endMs));
}

export const STATUS = {
  reported: { label: 'Reported', about: 'Reported by a source; not yet corroborated.' },
  corroborated: { label: 'Corroborated', about: 'Reported by two or more independent sources.' },
  verified: { label: 'Verified', about: 'Checked and confirmed by the team.' },
  disputed: { label: 'Disputed', about: 'Sources disagree, or the report has been challenged.' },
  retracted: { label: 'Retracted', about: 'The source withdrew the report; kept for the record.' },
};

export function statusLabel(s) {
  return (STATUS[s] && STATUS[s].label) || String(s || '');
}

export const ROLE_WORDS = { location: 'Where', origin: 'From', destination: 'To', via: 'Via' };

let regionNames;
/** "Syria" for "SY" (the code itself when the browser has no name for it). */
export function countryName(code) {
  if (!code) return '';
  try {
    regionNames = regionNames || new Intl.DisplayNames([LOCALE], { type: 'region' });
    return regionNames.of(String(code).toUpperCase()) || code;
  } catch {
    return code;
  }
}

let languageNames;
/** "Russian" for "ru". */
export function languageName(code) {
  if (!code) return '';
  try {
    languageNames = languageNames || new Intl.DisplayNames([LOCALE], { type: 'language' });
    return languageNames.of(code) || code;
  } catch {
    return code;
  }
}

const nf = new Intl.NumberFormat(LOCALE);
export const number = (n) => nf.format(n);

/** "1 event" / "12 events" */
export function plural(n, one, many = `${one}s`) {
  return `${number(n)} ${n === 1 ? one : many}`;
}
