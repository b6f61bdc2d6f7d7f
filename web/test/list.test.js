// Tests the list's count line (src/list.js): exact, estimated, and an estimate that only says the
// exact count passed the server's bound.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countText, EXACT_BOUND } from '../src/list.js';

test('an exact count is given as it is and an estimate as "about"', () => {
  assert.equal(countText({ matched: 7418, exact: true }), '7,418 events in view');
  assert.equal(countText({ matched: 412000, exact: false }), 'about 412,000 events in view');
});

test('an estimate at the bound says "more than", not "about 10,001"', () => {
  assert.equal(countText({ matched: EXACT_BOUND + 1, exact: false }), 'more than 10,000 events in view');
  // An exact 10,001 (counted with count=exact) is a count like any other.
  assert.equal(countText({ matched: EXACT_BOUND + 1, exact: true }), '10,001 events in view');
});
