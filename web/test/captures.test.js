// Tests web/src/captures.js: a capture's words, always in UTC, for each state.

import { test } from 'node:test';
import assert from 'node:assert/strict';

process.env.TZ = 'Pacific/Auckland';
const { captureText, captureTime } = await import('../src/captures.js');

test('a capture reads as its UTC time and the start of its hash, and other states say why', () => {
  const sha = '3f2a9c1b5e7d8f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718';
  assert.equal(captureText({ state: 'captured', captured_at: '2025-02-11T08:02:00Z', sha256: sha, origin: 'eventmap' }),
    'Captured 11 Feb 2025 08:02 UTC · SHA-256 3f2a…');
  assert.equal(captureText({ state: 'captured', captured_at: '2025-02-11T23:59:00Z', sha256: sha, origin: 'auto-archiver' }),
    'Captured 11 Feb 2025 23:59 UTC · SHA-256 3f2a… · by auto-archiver');
  assert.equal(captureText({ state: 'refused', reason: 'localhost is a loopback address' }), 'Capture refused: localhost is a loopback address');
  assert.equal(captureText({ state: 'failed', reason: 'the server answered 404' }), 'Capture failed: the server answered 404');
  assert.equal(captureText({ state: 'queued' }), 'Capture queued');
  assert.equal(captureTime('not a time'), '');
});
