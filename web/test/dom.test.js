// Tests the DOM-free helpers of web/src/dom.js: which links may be made clickable (safeUrl,
// against a stand-in page location) and debounce.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { safeUrl, debounce } from '../src/dom.js';

globalThis.location = { href: 'https://map.example/embed?q=x' };

test('only http and https links are made clickable, relative ones against the page', () => {
  assert.equal(safeUrl('https://example.org/a?b=1#c'), 'https://example.org/a?b=1#c');
  assert.equal(safeUrl('HTTP://Example.ORG'), 'http://example.org/');
  assert.equal(safeUrl('/api/events/ev-1'), 'https://map.example/api/events/ev-1');
  assert.equal(safeUrl('https://ar.wikipedia.org/wiki/حلب'), 'https://ar.wikipedia.org/wiki/%D8%AD%D9%84%D8%A8');
  assert.equal(safeUrl('https://пример.рф/новости'), 'https://xn--e1afmkfd.xn--p1ai/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8');
  const refused = [
    'javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,<b>x</b>', 'mailto:desk@example.org', 'ftp://example.org/', 'http://[::1',
  ];
  for (const bad of refused) {
    assert.equal(safeUrl(bad), null, bad);
  }
});

test('a debounced function runs once, with the last arguments, after the calls stop, and not at all when cancelled', async () => {
  const calls = [];
  const d = debounce((...args) => calls.push(args), 20);
  d('a');
  d('b', 1);
  assert.deepEqual(calls, []);
  await sleep(80);
  assert.deepEqual(calls, [['b', 1]]);
  d('c');
  d.cancel();
  await sleep(80);
  assert.deepEqual(calls, [['b', 1]]);
});
