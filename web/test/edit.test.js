// The edit form's pure parts: splitting an instant at its precision, and the merge patch of
// only what changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitInstant, snapshot, changes } from '../src/edit.js';

test('an instant keeps its time only at a precision finer than a day', () => {
  assert.deepEqual(splitInstant('2025-02-10T08:30:00Z', 'hour'), ['2025-02-10', '08:30']);
  assert.deepEqual(splitInstant('2025-02-10T08:30:15Z', 'exact'), ['2025-02-10', '08:30:15']);
  assert.deepEqual(splitInstant('2025-02-10T00:00:00Z', 'day'), ['2025-02-10', '']);
  assert.deepEqual(splitInstant(null, 'day'), ['', '']);
});

test('the patch holds only the fields that changed, a cleared one as null', () => {
  const before = snapshot({ title: 'Strike on Sarmin', start: '2025-02-10', description: 'Two killed', actors: ['SAA'], places: [{ name: 'Sarmin', role: 'location' }] });
  assert.deepEqual(changes(before, before), {});
  const after = snapshot({ title: 'Air strike on Sarmin', start: '2025-02-10', actors: ['SAA'], places: [{ name: 'Sarmin', role: 'location' }] });
  assert.deepEqual(changes(before, after), { title: 'Air strike on Sarmin', description: null });
  const moved = snapshot({ ...after, places: [{ name: 'Saraqib', role: 'location' }] });
  assert.deepEqual(Object.keys(changes(after, moved)), ['places']);
});
