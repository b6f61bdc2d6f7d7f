// Tests right-to-left handling: basemap.js's RTL pattern (which place names need the RTL text
// plugin) and rtl.js's rtlSupport, which reads the page's Content-Security-Policy to decide
// whether the plugin (WebAssembly) may load. The server and MapLibre are stand-ins.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RTL } from '../src/basemap.js';

test('Arabic, Persian, Urdu, Hebrew and Syriac names are right-to-left, also inside Latin text', () => {
  for (const name of ['دمشق', 'حلب', 'تهران', 'کراچی', 'ירושלים', 'ܐܘܪܗܝ', 'ﷲ', 'Aleppo (حلب)']) {
    assert.equal(RTL.test(name), true, name);
  }
});

test('Cyrillic, Greek, Armenian, Latin, Chinese names and digits are not right-to-left', () => {
  for (const name of ['Москва', 'Київ', 'Αθήνα', 'Երևան', 'Şanlıurfa', '北京', '2025', '']) {
    assert.equal(RTL.test(name), false, name);
  }
});

let fresh = 0;
/**
 * rtlSupport as a page with this Content-Security-Policy (null: none, an Error: the server
 * cannot be reached) and this plugin status would see it. Each call loads rtl.js anew, since it
 * keeps its answer for the page's life.
 */
async function withPage(csp, status = 'unavailable') {
  const requests = [];
  const plugins = [];
  globalThis.location = { origin: 'https://map.example', pathname: '/embed' };
  globalThis.fetch = async (url, init) => {
    requests.push([url, init.method]);
    if (csp instanceof Error) throw csp;
    return { headers: new Headers(csp === null ? {} : { 'Content-Security-Policy': csp }) };
  };
  globalThis.window = {
    maplibregl: {
      getRTLTextPluginStatus: () => status,
      setRTLTextPlugin: (url, lazy) => { plugins.push([url, lazy]); return Promise.resolve(); },
    },
  };
  fresh += 1;
  const { rtlSupport } = await import(`../src/rtl.js?page=${fresh}`);
  return { rtlSupport, requests, plugins };
}

test('without a policy the plugin is loaded lazily from this server, and the answer is asked for once', async () => {
  const page = await withPage(null);
  const first = page.rtlSupport();
  assert.equal(await first, true);
  assert.equal(page.rtlSupport(), first);
  assert.deepEqual(page.requests, [['/embed', 'HEAD']]);
  assert.deepEqual(page.plugins, [['https://map.example/assets/vendor/mapbox-gl-rtl-text.js', true]]);
});

test('a script policy (script-src, else default-src) without wasm-unsafe-eval or unsafe-eval keeps the plugin out', async () => {
  const page = await withPage("default-src 'self'; script-src 'self'; object-src 'none'");
  assert.equal(await page.rtlSupport(), false);
  assert.deepEqual(page.plugins, []);
  // script-src decides when present, else default-src; a policy without either allows it.
  assert.equal(await (await withPage("default-src 'self' 'wasm-unsafe-eval'")).rtlSupport(), true);
  assert.equal(await (await withPage("script-src 'self' 'unsafe-eval'; default-src 'self'")).rtlSupport(), true);
  assert.equal(await (await withPage("default-src 'wasm-unsafe-eval'; script-src 'self'")).rtlSupport(), false);
  assert.equal(await (await withPage("img-src 'self'; style-src 'self'")).rtlSupport(), true);
});

test('an unreachable server means no plugin, and a plugin already there is not loaded again', async () => {
  const offline = await withPage(new TypeError('fetch failed'));
  assert.equal(await offline.rtlSupport(), false);
  assert.deepEqual(offline.plugins, []);
  const loaded = await withPage(null, 'loaded');
  assert.equal(await loaded.rtlSupport(), true);
  assert.deepEqual(loaded.plugins, []);
});
