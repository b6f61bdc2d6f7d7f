// Tests the message catalogues (src/i18n/*.js) against the code that uses them: every key the
// code or index.html names is in every catalogue, no catalogue has a key English lacks, plural
// messages have exactly the plural forms of their language, translations keep the
// placeholders; and no user-visible English is left in the code where it can be found
// mechanically (text set from a literal, an h() child, an aria-label, a placeholder). Also
// i18n.js itself: choosing the language, plurals in Arabic, Russian and Ukrainian, and the
// map labels in the reader's language.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as i18n from '../src/i18n.js';
import { labelNames } from '../src/basemap.js';

const web = fileURLToPath(new URL('..', import.meta.url));
const src = join(web, 'src');
const LANGS = Object.keys(i18n.LANGUAGES);
const catalogues = Object.fromEntries(await Promise.all(LANGS.map(async (l) => [l, (await import(`../src/i18n/${l}.js`)).default])));
const en = catalogues.en;

const code = readdirSync(src).filter((f) => f.endsWith('.js')).map((f) => ({ file: f, text: readFileSync(join(src, f), 'utf8') }));
const html = readFileSync(join(web, 'index.html'), 'utf8');

/** The keys the code names: literal ones, and the prefixes of those built from a template. */
function keysInCode() {
  const literal = new Map();
  const prefixes = new Map();
  const call = /\b(?:t|tn|tr)\(\s*(?:'([^']+)'|`([^`]+)`)/g;
  // t(cond ? 'a' : 'b'): every quoted key-like string on a line that asks for a message.
  const quoted = /'([a-z_]+(?:\.[a-z_0-9]+)+)'/g;
  for (const { file, text } of code) {
    for (const m of text.matchAll(call)) {
      if (m[1]) literal.set(m[1], file);
      else if (m[2].includes('${')) prefixes.set(m[2].slice(0, m[2].indexOf('${')), file);
      else literal.set(m[2], file);
    }
    for (const line of text.split('\n')) {
      if (!/\b(?:t|tn|tr)\(/.test(line)) continue;
      for (const q of line.matchAll(quoted)) if (!/\.js$/.test(q[1])) literal.set(q[1], file);
    }
  }
  for (const m of html.matchAll(/data-i18n="([^"]+)"/g)) literal.set(m[1], 'index.html');
  for (const m of html.matchAll(/data-i18n-attr="([^"]+)"/g)) {
    for (const pair of m[1].trim().split(/\s+/)) literal.set(pair.split(':')[1], 'index.html');
  }
  return { literal, prefixes };
}

test('every message key in the code and in index.html is in every catalogue', () => {
  const { literal, prefixes } = keysInCode();
  assert.ok(literal.size > 200, `only ${literal.size} keys found: is the scan broken?`);
  for (const lang of LANGS) {
    for (const [key, file] of literal) assert.ok(Object.hasOwn(catalogues[lang], key), `${file} uses "${key}", missing from ${lang}.js`);
    for (const [prefix, file] of prefixes) {
      assert.ok(Object.keys(catalogues[lang]).some((k) => k.startsWith(prefix)), `${file} builds keys "${prefix}…", none in ${lang}.js`);
    }
  }
});

test('no catalogue has a key English lacks, and English has no key the code does not use', () => {
  for (const lang of LANGS) {
    for (const key of Object.keys(catalogues[lang])) assert.ok(Object.hasOwn(en, key), `${lang}.js has "${key}", which en.js lacks`);
    for (const key of Object.keys(en)) assert.ok(Object.hasOwn(catalogues[lang], key), `${lang}.js lacks "${key}"`);
  }
  const { literal, prefixes } = keysInCode();
  for (const key of Object.keys(en)) {
    assert.ok(literal.has(key) || [...prefixes.keys()].some((p) => key.startsWith(p)), `en.js has "${key}", which no code uses`);
  }
});

test('plural messages have exactly the plural forms of their language, and plain ones stay plain', () => {
  for (const lang of LANGS) {
    const forms = new Intl.PluralRules(lang).resolvedOptions().pluralCategories.slice().sort();
    for (const [key, v] of Object.entries(catalogues[lang])) {
      if (typeof en[key] === 'object') {
        assert.equal(typeof v, 'object', `${lang}.js "${key}" must have plural forms`);
        assert.deepEqual(Object.keys(v).sort(), forms, `${lang}.js "${key}" has forms ${Object.keys(v)}, ${lang} needs ${forms}`);
      } else {
        assert.equal(typeof v, 'string', `${lang}.js "${key}" must be text`);
      }
    }
  }
});

test('translations keep the placeholders of the English message', () => {
  const names = (v) => [...new Set([...(typeof v === 'string' ? [v] : Object.values(v)).join(' ').matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();
  for (const lang of LANGS) {
    for (const [key, v] of Object.entries(catalogues[lang])) {
      if (!Object.hasOwn(en, key)) continue;
      const want = names(en[key]).filter((n) => n !== 'n' || typeof en[key] === 'string');
      const got = names(v).filter((n) => n !== 'n' || typeof en[key] === 'string');
      assert.deepEqual(got, want, `${lang}.js "${key}" has placeholders ${got}, English ${want}`);
      for (const text of typeof v === 'string' ? [v] : Object.values(v)) assert.ok(text.trim(), `${lang}.js "${key}" is empty`);
    }
  }
});

// ---- no English left in the code -----------------------------------------------------------------

/** Words a reader sees that are the same in every language: formats, the product's name. */
const SAME_EVERYWHERE = new Set(['GeoJSON', 'CSV', 'KML', 'NDJSON', 'eventmap', 'https://…', 'https://web.archive.org/…', 'en',
  'eventmap token create --role editor']);
const WORDS = /[A-Za-z]{2,}/;

/** User-visible literals the patterns find: [file, line, text]. */
function englishLiterals() {
  const patterns = [
    /\.textContent\s*=\s*(['`])((?:(?!\1).)*)\1/g, // el.textContent = 'Loading…'
    /\}\s*,\s*(['`])((?:(?!\1).)*)\1\s*\)/g, // h('p', {...}, 'Text')
    /'(?:aria-label|placeholder|title|alt)'\s*:\s*(['`])((?:(?!\1).)*)\1/g, // 'aria-label': 'Close'
    /\b(?:placeholder|title|alt)\s*:\s*(['`])((?:(?!\1).)*)\1/g, // placeholder: 'Type…'
    /\b(?:announce|confirm|prompt|setAttribute\('aria-label',)\s*\(?\s*(['`])((?:(?!\1).)*)\1/g, // announce('Saved')
    /\b(?:error|detail):\s*(['`])((?:(?!\1).)*)\1/g, // { error: 'Paste the token first.' }
  ];
  const found = [];
  for (const { file, text } of code) {
    if (file === 'i18n.js') continue;
    text.split('\n').forEach((line, i) => {
      if (/^\s*(\/\/|\*|\/\*\*)/.test(line)) return;
      for (const re of patterns) {
        for (const m of line.matchAll(re)) {
          const literal = m[2].replace(/\$\{[^}]*\}/g, '');
          // Words a person reads: a capital first, or more than one word.
          if (WORDS.test(literal) && !SAME_EVERYWHERE.has(m[2]) && /^[A-Z]|[a-z]\s+[a-z]/.test(literal.trim())) {
            found.push(`${file}:${i + 1}: ${m[2]}`);
          }
        }
      }
    });
  }
  return found;
}

test('no English text is set from a literal in the code', () => {
  assert.deepEqual(englishLiterals(), []);
});

test('the English-literal check finds the kinds of literal it looks for', () => {
  // The same scan on a sample of code with English in it.
  const sample = [
    "el.textContent = 'Loading events…';",
    "h('button', { type: 'button' }, 'Zoom to')",
    "h('p', { 'aria-label': 'Close the event' })",
    "announce(`Saved: ${title}`);",
  ];
  const saved = code.splice(0, code.length, { file: 'sample.js', text: sample.join('\n') });
  try {
    assert.equal(englishLiterals().length, sample.length, englishLiterals().join('\n'));
  } finally {
    code.splice(0, code.length, ...saved);
  }
});

test('no module that asks for messages hides `t` behind a parameter or a variable of that name', () => {
  // signIn(t) once made t('signin.empty') call the token: every sign-in failed.
  const shadow = /\bfunction\s*\w*\s*\(([^)]*)\)|\(([^()]*)\)\s*=>|\b(\w+)\s*=>|\b(?:const|let|var)\s+(\w+)\b|\bfor\s*\(\s*(?:const|let)\s+(\w+)/g;
  for (const { file, text } of code) {
    const imported = /import\s*\{([^}]*)\}\s*from\s*'\.\/i18n\.js'/.exec(text);
    if (!imported) continue;
    const names = imported[1].split(',').map((n) => n.trim().split(/\s+as\s+/).pop());
    text.split('\n').forEach((line, i) => {
      for (const m of line.matchAll(shadow)) {
        const declared = [m[1], m[2], m[3], m[4], m[5]].filter(Boolean).join(',').split(',')
          .map((p) => p.trim().replace(/=.*$/, '').replace(/[{}[\]\s.]/g, ''));
        for (const n of names) assert.ok(!declared.includes(n), `${file}:${i + 1} declares ${n}, the imported message function: ${line.trim()}`);
      }
    });
  }
});

test('every text and labelling attribute of index.html comes from the catalogue', () => {
  const body = html.slice(html.indexOf('<head>'), html.indexOf('<noscript>'));
  // Text between tags: the element that holds it must carry data-i18n.
  for (const m of body.matchAll(/<([a-z0-9]+)([^>]*)>([^<]*[A-Za-z]{2,}[^<]*)</g)) {
    const [, tag, attrs, text] = m;
    if (tag === 'code' || tag === 'script' || tag === 'style' || SAME_EVERYWHERE.has(text.trim())) continue;
    assert.ok(/data-i18n="/.test(attrs), `index.html: "${text.trim()}" in <${tag}> has no data-i18n`);
  }
  for (const m of body.matchAll(/<[a-z]+\s[^>]*>/g)) {
    const tag = m[0];
    for (const a of tag.matchAll(/\s(placeholder|aria-label|title|alt|content)="([^"]*[A-Za-z]{2,}[^"]*)"/g)) {
      if (a[1] === 'content' && !/name="description"/.test(tag)) continue;
      if (SAME_EVERYWHERE.has(a[2])) continue;
      assert.ok(new RegExp(`data-i18n-attr="[^"]*\\b${a[1]}:`).test(tag), `index.html: ${a[1]}="${a[2]}" has no data-i18n-attr`);
    }
  }
});

// ---- i18n.js ------------------------------------------------------------------------------------------

test('the language is the URL’s lang= if supported, else the first supported browser language, else English', () => {
  assert.equal(i18n.choose('ar', ['ru-RU']), 'ar');
  assert.equal(i18n.choose('xx', ['de-DE', 'uk-UA', 'ru']), 'uk');
  assert.equal(i18n.choose('', ['tr-TR']), 'tr');
  assert.equal(i18n.choose(null, ['de', 'fr']), 'en');
  assert.equal(i18n.choose('AR-sy', []), 'ar');
});

test('counts take the plural form of the language: Arabic has six, Russian and Ukrainian three', () => {
  try {
    i18n.use('en', en);
    assert.equal(i18n.tn('list.in_view', 1), '1 event in view');
    assert.equal(i18n.tn('list.in_view', 12000), '12,000 events in view');
    assert.equal(i18n.dir(), 'ltr');
    i18n.use('ru', catalogues.ru);
    const ru = [1, 2, 5, 21, 22, 25, 1.5].map((n) => i18n.tn('list.in_view', n));
    // one (1, 21), few (2, 22), many (5, 25); fractions (other) read like few.
    assert.equal(new Set(ru.map((s) => s.replace(/[\d\s,.]+/g, ' ').trim())).size, 3, ru.join(' | '));
    assert.equal(ru[0], ru[3].replace('21', '1'));
    i18n.use('uk', catalogues.uk);
    assert.notEqual(i18n.tn('list.in_view', 2).replace('2', ''), i18n.tn('list.in_view', 5).replace('5', ''));
    i18n.use('ar', catalogues.ar);
    const ar = [0, 1, 2, 3, 11, 100].map((n) => i18n.tn('list.in_view', n));
    assert.equal(new Set(ar.map((s) => s.replace(/[\d٠-٩\s]+/g, ' ').trim())).size, 6, ar.join(' | '));
    assert.equal(i18n.dir(), 'rtl');
    assert.equal(i18n.t('filters.title'), catalogues.ar['filters.title']);
  } finally {
    i18n.use('en', en);
  }
});

test('map labels read in the reader’s language where the gazetteer has the name in it', () => {
  const aleppo = { name: 'Aleppo', local_name: 'حلب', kind: 'settlement', country: 'SY' };
  const kyiv = { name: 'Kyiv', local_name: 'Київ', kind: 'settlement', country: 'UA' };
  const country = (c) => ({ SY: 'سوريا', UA: 'Украина' }[c]);
  assert.deepEqual(labelNames(aleppo, 'en', { country }), { local: 'حلب' });
  assert.deepEqual(labelNames(aleppo, 'ar', { country }), { 'name:ar': 'حلب', local: '' });
  assert.deepEqual(labelNames(kyiv, 'uk', { country }), { 'name:uk': 'Київ', local: '' });
  // A Russian reader gets no Russian name for Kyiv (the gazetteer has the Ukrainian one): the
  // label stays as in English, with the local name under it.
  assert.deepEqual(labelNames(kyiv, 'ru', { country }), { local: 'Київ' });
  assert.deepEqual(labelNames({ name: 'Syria', kind: 'country', country: 'SY' }, 'ar', { country }), { 'name:ar': 'سوريا', local: '' });
  // Without the RTL plugin an Arabic name cannot be drawn: the Latin one stays.
  const noRtl = { country, drawable: (s) => !/[\u0600-\u06FF]/.test(s) };
  assert.deepEqual(labelNames(aleppo, 'ar', noRtl), { local: '' });
});
