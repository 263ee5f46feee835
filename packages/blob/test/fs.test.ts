// Filesystem adapter specifics the contract cannot see: where files land, that
// a failed put leaves no temp file, and that temp files a crash left are removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { makeTempDir } from '@postfleet/harness';
import { createFsBlobStore } from '../src/index.ts';

test('[filesystem] a key maps to a file under the directory', async () => {
  const dir = await makeTempDir('postfleet-blobfs-');
  try {
    const store = createFsBlobStore(dir.path);
    await store.put('q/ab/cdef', Buffer.from('body'));
    assert.equal(await readFile(join(dir.path, 'q', 'ab', 'cdef'), 'utf8'), 'body');
    assert.deepEqual(await readdir(join(dir.path, '.tmp')), []);
  } finally {
    await dir.remove();
  }
});

test('[filesystem] a failed put leaves no temp file and keeps the old object', async () => {
  const dir = await makeTempDir('postfleet-blobfs-');
  try {
    const store = createFsBlobStore(dir.path);
    await store.put('k', Buffer.from('old'));
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1024));
        this.destroy(new Error('cut'));
      },
    });
    await assert.rejects(store.put('k', failing), /cut/);
    assert.deepEqual(await readdir(join(dir.path, '.tmp')), []);
    assert.equal(await readFile(join(dir.path, 'k'), 'utf8'), 'old');
  } finally {
    await dir.remove();
  }
});

test('[filesystem] temp files older than an hour are removed on first use', async () => {
  const dir = await makeTempDir('postfleet-blobfs-');
  try {
    await createFsBlobStore(dir.path).put('first', Buffer.from('x'));
    const tmp = join(dir.path, '.tmp');
    await writeFile(join(tmp, 'stale.part'), 'left by a crash');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(join(tmp, 'stale.part'), twoHoursAgo, twoHoursAgo);
    await writeFile(join(tmp, 'fresh.part'), 'a put in progress elsewhere');
    await createFsBlobStore(dir.path).put('second', Buffer.from('y'));
    assert.deepEqual(await readdir(tmp), ['fresh.part']);
  } finally {
    await dir.remove();
  }
});
