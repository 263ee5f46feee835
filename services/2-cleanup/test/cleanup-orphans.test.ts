// The raw-blob sweeper on a real filesystem blob store: only incoming/ blobs
// whose queue id is older than the limit go; fresh ones, non-queue-id keys and
// queued messages (queue/) stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createFsBlobStore } from '@postfleet/blob';
import { makeTempDir } from '@postfleet/harness';
import { newQueueId, queueBlobKey, RAW_BLOB_PREFIX, rawBlobKey } from '@postfleet/queue-record';
import { sweepOrphanedRawBlobs } from '../src/cleanup-orphans.ts';

test('old raw blobs are removed, everything else is kept', async () => {
  const dir = await makeTempDir();
  const blob = createFsBlobStore(dir.path);
  try {
    const now = Date.UTC(2026, 10, 28, 12, 0, 0);
    const old = rawBlobKey(newQueueId(now - 7 * 3600_000));
    const fresh = rawBlobKey(newQueueId(now - 60_000));
    const queued = queueBlobKey(newQueueId(now - 7 * 3600_000));
    const odd = `${RAW_BLOB_PREFIX}placeholder`;
    for (const k of [old, fresh, queued, odd]) await blob.put(k, Buffer.from('x'));
    const removed = await sweepOrphanedRawBlobs(blob, pino({ level: 'silent' }), {
      now: () => now,
    });
    assert.deepEqual(removed, [old]);
    assert.equal(await blob.exists(old), false);
    for (const k of [fresh, queued, odd]) assert.equal(await blob.exists(k), true, k);
  } finally {
    await blob.close();
    await dir.remove();
  }
});
