// words.js: the API's field errors in the form's words. The API names fields by their path
// (`sources[0].url`) and says what is wrong in a programmer's terms ("is not a URL: relative URL
// without a base"); a journalist filling the form reads the field's label and plain words.

import { t, has } from './i18n.js';

/** What the API said about a web address, in plain words; null if it is not about one. */
function addressWords(message) {
  if (/is not a URL|must be an http or https URL/i.test(message)) {
    return t('words.address');
  }
  return null;
}

/**
 * One field error for the form: `label` is the text of the field's label (without a trailing
 * "(required)" or other note in brackets), or a word for the path when the form has no such
 * field; `message` is in plain words where the API's is technical.
 */
export function fieldError(path, message, label) {
  const shownLabel = (label || '').replace(/\s*\([^)]*\)\s*$/, '').trim() || pathWords(path);
  const plain = addressWords(String(message || '')) || String(message || '');
  return { label: shownLabel, message: plain };
}

/** A word for an API field path the form shows no label for: `places[1].name` → "Place 2". */
export function pathWords(path) {
  const p = String(path || '').replace(/^properties\./, '');
  const m = /^(places|sources)\[(\d+)\](?:\.(\w+))?/.exec(p);
  if (m) {
    const what = t(m[1] === 'places' ? 'words.place' : 'words.source', { n: Number(m[2]) + 1 });
    return m[3] ? t('words.part', { what, part: m[3].replace(/_/g, ' ') }) : what;
  }
  if (!p) return t('words.event');
  if (has(`field.${p}`)) return t(`field.${p}`);
  return p.charAt(0).toUpperCase() + p.slice(1).replace(/_/g, ' ');
}
