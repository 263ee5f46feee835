// The embedded blob store's split (inline.ts): small objects in PostgreSQL, large
// ones in files, and a key that changes size moves between them without leaving
// the old version visible, also across a reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { makeTempDir } from '@postfleet/harness';
import { createTemporarySql } from '@postfleet/sql';
import { createInlineBlobStore } from '../src/index.ts';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

test('inline blobs: small in the database, large in files, and a key moves between them', async () => {
  const dir = await makeTempDir('postfleet-inline-');
  const sql = await createTemporarySql();
  const filePath = join(dir.path, 'objects', 'A1');
  try {
    let store = await createInlineBlobStore({ dir: dir.path, sql, inlineLimit: 1024 });
    await store.put('objects/A1', Buffer.from('small'));
    assert.equal(existsSync(filePath), false, 'a small object is not a file');
    const rows = await sql.query('SELECT key FROM blob_inline');
    assert.deepEqual(rows.rows, [{ key: 'objects/A1' }]);

    const large = 'L'.repeat(5000);
    await store.put('objects/A1', Buffer.from(large));
    assert.equal(existsSync(filePath), true, 'a large object is a file');
    assert.equal((await sql.query('SELECT key FROM blob_inline')).rowCount, 0, 'its row is gone');
    assert.equal(await text(await store.get('objects/A1')), large);
    assert.equal(await text(await store.get('objects/A1', { start: 4998 })), 'LL');

    await store.put('objects/A1', Buffer.from('small again'));
    assert.equal(existsSync(filePath), false, 'the large version is removed');
    await store.close();

    store = await createInlineBlobStore({ dir: dir.path, sql, inlineLimit: 1024 });
    assert.equal(await text(await store.get('objects/A1', { start: 6, end: 10 })), 'again');
    assert.deepEqual((await store.stat('objects/A1'))?.size, 11);
    const keys: string[] = [];
    for await (const k of store.list('objects/')) keys.push(k);
    assert.deepEqual(keys, ['objects/A1']);
    await store.delete('objects/A1');
    assert.equal(await store.exists('objects/A1'), false);
    await store.put('objects/B2', Buffer.from(large));
    await store.delete('objects/B2');
    assert.equal(
      existsSync(join(dir.path, 'objects', 'B2')),
      false,
      'a large delete removes the file',
    );
    await store.close();
  } finally {
    await sql.close();
    await dir.remove();
  }
});
