// i18n.js: the page's language. It picks one (the URL's `lang=`, else the browser's languages,
// else English), loads that language's message catalogue (src/i18n/<code>.js), and gives the
// rest of the page `t` (a message) and `tn` (a message that depends on a count, through
// Intl.PluralRules). It also writes the page's static text (index.html's `data-i18n`
// attributes) and `<html lang dir>`. Dates and numbers are formatted by format.js with
// `locale()`; nothing else here touches the DOM.

import en from './i18n/en.js';

/** The languages of the interface, each named in itself (the switcher shows these names). */
export const LANGUAGES = { en: 'English', ar: 'العربية', ru: 'Русский', uk: 'Українська', tr: 'Türkçe' };
/** The locale Intl formats dates and numbers with, per language. */
const LOCALES = { en: 'en-GB', ar: 'ar', ru: 'ru', uk: 'uk', tr: 'tr' };
const RTL_LANGUAGES = new Set(['ar']);

/** The supported language for a tag ("ar-SY" → "ar"), or '' when there is none. */
export function supported(tag) {
  const code = String(tag || '').trim().toLowerCase().split(/[-_]/)[0];
  return Object.hasOwn(LANGUAGES, code) ? code : '';
}

/** The language to use: the URL's `lang=` if supported, else the first supported one of the
 *  browser's languages, else English. */
export function choose(urlLang, browserLanguages = []) {
  return supported(urlLang) || browserLanguages.map(supported).find(Boolean) || 'en';
}

const inBrowser = typeof window !== 'undefined' && typeof location !== 'undefined';
/** The `lang=` of the page's URL when it names a supported language ('' otherwise). */
export const urlLang = inBrowser ? supported(new URLSearchParams(location.search).get('lang')) : '';

let current = 'en';
let catalogue = en;
let rules = new Intl.PluralRules(LOCALES.en);
let numbers = new Intl.NumberFormat(LOCALES.en);

/** Switches to `code` with its catalogue (the page does this once, before anything is drawn;
 *  tests do it to check each language). */
export function use(code, messages) {
  current = supported(code) || 'en';
  catalogue = messages || (current === 'en' ? en : catalogue);
  rules = new Intl.PluralRules(LOCALES[current]);
  numbers = new Intl.NumberFormat(LOCALES[current]);
}

/** Loads the catalogue of `code` (a module per language, fetched only when needed). */
export async function load(code) {
  const c = supported(code) || 'en';
  const messages = c === 'en' ? en : (await import(`./i18n/${c}.js`)).default;
  use(c, messages);
  return c;
}

if (inBrowser) await load(choose(urlLang, navigator.languages || [navigator.language]));

export const lang = () => current;
export const locale = () => LOCALES[current];
export const dir = () => (RTL_LANGUAGES.has(current) ? 'rtl' : 'ltr');
export const isRtl = () => RTL_LANGUAGES.has(current);

function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (m, k) => (params[k] === undefined ? m : String(params[k])));
}

function lookup(key) {
  const v = catalogue[key] ?? en[key];
  if (v === undefined) {
    console.warn(`no message "${key}"`);
    return key;
  }
  return v;
}

/** The message `key`, with `{name}` replaced by `params.name`. */
export function t(key, params = {}) {
  const v = lookup(key);
  return fill(typeof v === 'string' ? v : v.other, params);
}

/** The message `key` for the count `n`: the catalogue has one text per plural category of the
 *  language (English one/other; Russian and Ukrainian one/few/many/other; Arabic zero, one,
 *  two, few, many, other); `{n}` is the count written in the language's digits. */
export function tn(key, n, params = {}) {
  const v = lookup(key);
  const text = typeof v === 'string' ? v : v[rules.select(n)] ?? v.other;
  return fill(text, { ...params, n: numbers.format(n) });
}

/** Writes the static text of the page: `data-i18n="key"` sets an element's text,
 *  `data-i18n-attr="placeholder:key aria-label:key"` its attributes; `<html lang dir>`. */
export function applyPage(root = document) {
  const html = document.documentElement;
  html.lang = current;
  html.dir = dir();
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.trim().split(/\s+/)) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
}

/** Whether the catalogues have a message `key` (for words the server may also supply). */
export const has = (key) => Object.hasOwn(en, key);
