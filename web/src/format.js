// format.js: how values read to a person: dates at their precision, place precision in words,
// statuses, roles, countries and numbers, in the page's language (i18n.js). Pure functions, no DOM.
import { t, has, locale } from './i18n.js';

const LOCALE = locale();
const UTC = { timeZone: 'UTC' };

/** Precision radius of a place in metres (the API's contract). */
export const PRECISION_M = { exact: 10, near: 1000, settlement: 5000, district: 25000, region: 100000, country: 500000 };

/** "somewhere in the town or city (within about 5 km)" */
export function precisionWords(p) {
  return Object.hasOwn(PRECISION_M, p) ? t(`precision.${p}`) : t('precision.none');
}

/** "Town or city (5 km)": a place precision as the editor's choice names it. */
export function precisionName(p) {
  const m = PRECISION_M[p];
  return t(`precision.name.${p}`, { size: m >= 1000 ? t('unit.km', { n: number(m / 1000) }) : t('unit.m', { n: number(m) }) });
}

/** Length of one unit of a time precision, in milliseconds. */
export const TIME_UNIT_MS = {
  exact: 60e3, hour: 3600e3, day: 86400e3, week: 7 * 86400e3, month: 31 * 86400e3, year: 366 * 86400e3,
};

export function timePrecisionWords(p) {
  return Object.hasOwn(TIME_UNIT_MS, p) ? t(`time.${p}`) : '';
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
  const utc = (text) => (p === 'exact' || p === 'hour' ? t('time.utc', { time: text }) : text);
  let end = props.end ? new Date(props.end) : null;
  if (end && !Number.isNaN(end.getTime()) && isUncertain(props)) {
    const text = f.formatRange(start, end);
    return utc(p === 'week' ? t('time.week_span', { span: text }) : text);
  }
  if (p === 'week') return t('time.week_of', { day: fmt.day.format(start) });
  return utc(f.format(start));
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
  return Number.isNaN(d.getTime()) ? String(iso || '') : t('time.utc', { time: fmt.stamp.format(d) });
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

const STATUSES = ['reported', 'corroborated', 'verified', 'disputed', 'retracted'];
/** Each status with its label and what it means, in the page's language. */
export const STATUS = Object.fromEntries(STATUSES.map((s) => [s, { label: t(`status.${s}`), about: t(`status.${s}.about`) }]));

export function statusLabel(s) {
  return (STATUS[s] && STATUS[s].label) || String(s || '');
}

export const ROLE_WORDS = Object.fromEntries(['location', 'origin', 'destination', 'via'].map((r) => [r, t(`role.${r}`)]));

const KINDS = ['country', 'region', 'district', 'settlement', 'site', 'natural', 'area', 'continent'];
/** "town or city" for the gazetteer's kind `settlement` (the kind itself when unknown). */
export function kindName(kind) {
  return KINDS.includes(kind) ? t(`kind.${kind}`) : String(kind || '');
}

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

/** A category's label: the catalogue's word for one of the standard categories, else the
 *  label the server gives (a team's own vocabulary is in the team's words already). */
export function categoryName(c) {
  return has(`category.${c.value}`) ? t(`category.${c.value}`) : c.label;
}
