// Long queue ids: well-formed, unique, sorted by arrival, and carrying their
// arrival time (used to age out orphaned blobs without a listing's mtime).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isQueueId, newQueueId, queueIdTime } from '../src/queue-id.ts';

test('ids are well-formed and unique across many draws', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const id = newQueueId();
    assert.ok(isQueueId(id), id);
    ids.add(id);
  }
  assert.equal(ids.size, 20_000);
});

test('ids sort by arrival second', () => {
  const a = newQueueId(Date.UTC(2026, 0, 1, 0, 0, 0));
  const b = newQueueId(Date.UTC(2026, 0, 1, 0, 0, 1));
  const c = newQueueId(Date.UTC(2027, 5, 1));
  assert.deepEqual([c, a, b].sort(), [a, b, c]);
});

test('queueIdTime recovers the arrival second; non-ids give null', () => {
  const t = Date.UTC(2026, 10, 28, 23, 50, 7, 123);
  assert.equal(queueIdTime(newQueueId(t)), Date.UTC(2026, 10, 28, 23, 50, 7));
  assert.equal(queueIdTime('not-a-queue-id'), null);
  assert.equal(queueIdTime('incoming/4jcQkF6D2Xzpxyv2'), null);
});
