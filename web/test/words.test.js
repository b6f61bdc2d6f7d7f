import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldError, pathWords } from '../src/words.js';

test('a technical address error reads in plain words under the field label', () => {
  const e = fieldError('sources[0].url', 'is not a URL: relative URL without a base', 'Link (http or https)');
  assert.equal(e.label, 'Link');
  assert.match(e.message, /not a web address/);
  assert.doesNotMatch(e.message, /relative URL|sources\[0\]/);
  const s = fieldError('sources[0].archived_url', 'must be an http or https URL (got scheme `ftp`)', 'Archived copy');
  assert.equal(s.label, 'Archived copy');
  assert.match(s.message, /web address/);
});

test('other messages are kept, and paths without a label get words', () => {
  assert.deepEqual(fieldError('title', 'is required', 'Headline (required)'), { label: 'Headline', message: 'is required' });
  assert.equal(pathWords('places[1].name'), 'Place 2 (name)');
  assert.equal(pathWords('properties.time_precision'), 'Time precision');
  assert.equal(pathWords(''), 'The event');
});
