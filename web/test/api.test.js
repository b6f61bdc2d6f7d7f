// Tests web/src/api.js: query strings (qs, url), ApiError, and `api` against a stand-in fetch:
// which requests carry the editor's token, how bodies are sent, and how error answers,
// an unreachable server and a cancelled request come back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qs, url, ApiError, aborted, api, setToken, setPrivate } from '../src/api.js';

/** Replaces fetch with one answering `respond(url, init)`, and records the requests. */
function serve(respond) {
  const seen = [];
  globalThis.fetch = async (u, init) => {
    seen.push({ url: u, ...init });
    return respond(u, init);
  };
  return seen;
}

const json = (body, status = 200, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });

test('query strings leave out empty values and lists, join lists with commas and encode any script', () => {
  const q = qs({
    q: 'حلب', actor: 'Вагнер', category: ['protest', 'air strike'], status: [], place: null, end: undefined, radius_km: '', limit: 0, flag: false,
  });
  assert.equal(q, 'q=%D8%AD%D9%84%D8%A8&actor=%D0%92%D0%B0%D0%B3%D0%BD%D0%B5%D1%80&category=protest%2Cair+strike&limit=0&flag=false');
  assert.equal(new URLSearchParams(q).get('q'), 'حلب');
  assert.equal(qs(undefined), '');
  assert.equal(url('/api/events', { q: '', status: [] }), '/api/events');
  assert.equal(url('/api/events', { limit: 5, bbox: '1,2,3,4' }), '/api/events?limit=5&bbox=1%2C2%2C3%2C4');
});

test('an ApiError takes its message from the detail, else the title, else the status, and keeps the problem\'s lists', () => {
  const e = new ApiError(422, { title: 'Invalid', detail: 'Поле «title» обязательно', errors: [{ field: 'title' }], candidates: 'no' });
  assert.equal(e.message, 'Поле «title» обязательно');
  assert.equal(e.name, 'ApiError');
  assert.equal(e.status, 422);
  assert.deepEqual(e.errors, [{ field: 'title' }]);
  assert.deepEqual(e.candidates, []);
  assert.equal(new ApiError(404, { title: 'Not Found' }).message, 'Not Found');
  assert.equal(new ApiError(502, {}).message, 'The server answered 502');
  assert.ok(new ApiError(500, {}) instanceof Error);
  assert.equal(aborted(new DOMException('stop', 'AbortError')), true);
  assert.equal(!!aborted(e), false);
});

test('the editor\'s token goes with writes, and with reads only on a private instance', async () => {
  const seen = serve(() => json({ ok: true }));
  setToken('s3cret');
  await api('/api/events', { params: { limit: 1 } });
  await api('/api/events', { method: 'POST', body: { title: 'Обстрел' } });
  setPrivate(true);
  await api('/api/events');
  setPrivate(false);
  setToken('');
  await api('/api/events', { method: 'POST', body: {} });
  assert.equal(seen[0].url, '/api/events?limit=1');
  assert.equal(seen[0].headers.Authorization, undefined);
  assert.equal(seen[1].headers.Authorization, 'Bearer s3cret');
  assert.equal(seen[1].headers['Content-Type'], 'application/json');
  assert.equal(seen[1].body, '{"title":"Обстрел"}');
  assert.equal(seen[2].headers.Authorization, 'Bearer s3cret');
  assert.equal(seen[3].headers.Authorization, undefined);
});

test('answers come back as JSON, text or null, and failures as ApiError values', async () => {
  serve(() => json({ type: 'FeatureCollection', features: [] }, 200, 'application/geo+json'));
  assert.deepEqual(await api('/api/events'), { type: 'FeatureCollection', features: [] });
  serve(() => new Response('plain', { status: 200, headers: { 'Content-Type': 'text/plain' } }));
  assert.equal(await api('/x'), 'plain');
  serve(() => new Response(null, { status: 204 }));
  assert.equal(await api('/x', { method: 'DELETE' }), null);

  serve(() => json({ title: 'Invalid event', errors: [{ field: 'places[0]', message: 'не найдено' }] }, 422, 'application/problem+json'));
  const invalid = await api('/api/events', { method: 'POST', body: {} }).catch((e) => e);
  assert.ok(invalid instanceof ApiError);
  assert.equal(invalid.status, 422);
  assert.equal(invalid.message, 'Invalid event');
  assert.deepEqual(invalid.errors, [{ field: 'places[0]', message: 'не найдено' }]);

  serve(() => new Response('x'.repeat(400), { status: 502 }));
  const gateway = await api('/x').catch((e) => e);
  assert.equal(gateway.status, 502);
  assert.equal(gateway.message, 'x'.repeat(300));

  serve(() => { throw new TypeError('fetch failed'); });
  const offline = await api('/x').catch((e) => e);
  assert.equal(offline.status, 0);
  assert.equal(offline.title, 'No connection');

  serve(() => { throw new DOMException('The operation was aborted.', 'AbortError'); });
  const cancelled = await api('/x').catch((e) => e);
  assert.equal(aborted(cancelled), true);
  assert.equal(cancelled instanceof ApiError, false);
});
