// Contract tests for the blob port: one suite, run against the S3 adapter (on
// s3rver from the harness) and the filesystem adapter, so both behave alike.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { makeTempDir, startS3 } from '@postfleet/harness';
import { createTemporarySql } from '@postfleet/sql';
import {
  BlobNotFoundError,
  createBlobStore,
  createFsBlobStore,
  createS3BlobStore,
  type BlobStore,
} from '../src/index.ts';

interface Backend {
  store: BlobStore;
  /** Take the backend away and bring it back (S3 only). */
  outage?: { stop(): Promise<void>; start(): Promise<void> };
  cleanup(): Promise<void>;
}

const adapters: { name: string; open(): Promise<Backend> }[] = [
  {
    name: 's3rver',
    open: async () => {
      const s3 = await startS3();
      const store = await createBlobStore({ env: s3.env, dataDir: '/nonexistent' });
      return { store, outage: s3, cleanup: () => s3.destroy() };
    },
  },
  {
    name: 'filesystem',
    open: async () => {
      const dir = await makeTempDir('postfleet-blob-');
      const store = await createBlobStore({ env: {}, dataDir: dir.path });
      return { store, cleanup: () => dir.remove() };
    },
  },
  {
    // npm start's store: small objects in the embedded PostgreSQL, large ones in files.
    name: 'filesystem + inline',
    open: async () => {
      const dir = await makeTempDir('postfleet-blob-');
      const sql = await createTemporarySql();
      const store = await createBlobStore({ env: {}, dataDir: dir.path, inlineSql: sql });
      return {
        store,
        cleanup: async () => {
          await sql.close();
          await dir.remove();
        },
      };
    },
  },
];

const MiB = 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of it) keys.push(k);
  return keys.sort();
}

/** A stream of `total` pseudo-random bytes in 64 KiB chunks, hashed as it is produced. */
function generated(total: number, failAfter?: number) {
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) {
        this.destroy(new Error('source failed midway'));
        return;
      }
      if (sent >= total) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(64 * 1024, total - sent));
      hash.update(chunk);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

// A real collector run lets the samples below see live memory, not garbage.
setFlagsFromString('--expose-gc');
setFlagsFromString('--no-concurrent-array-buffer-sweeping');
const gc = runInNewContext('gc') as () => void;

interface Growth {
  /** Peak growth of live heap + array buffers, sampled after a collection. */
  live: number;
  rss: number;
}

/** Samples memory while fn runs; returns the largest growth over the starting values. */
async function peakGrowth(fn: () => Promise<void>): Promise<Growth> {
  const live = (): number => {
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = { live: live(), rss: process.memoryUsage().rss };
  const peak = { ...base };
  const sample = (): void => {
    peak.live = Math.max(peak.live, live());
    peak.rss = Math.max(peak.rss, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 50);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  sample();
  return { live: peak.live - base.live, rss: peak.rss - base.rss };
}

const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;

for (const adapter of adapters) {
  describe(`blob contract [${adapter.name}]`, () => {
    let backend: Backend;
    let store: BlobStore;
    before(async () => {
      backend = await adapter.open();
      store = backend.store;
    });
    after(async () => {
      await store.close();
      await backend.cleanup();
    });

    test(`[${adapter.name}] put and get a Buffer`, async () => {
      const body = Buffer.from('Subject: hi\r\n\r\nhello\r\n');
      assert.deepEqual(await store.put('rt/buffer', body), { size: body.length });
      assert.deepEqual(await readAll(await store.get('rt/buffer')), body);
    });

    test(`[${adapter.name}] put a stream, get it back; put overwrites`, async () => {
      const parts = [Buffer.from('one '), Buffer.from('two '), Buffer.from('three')];
      assert.deepEqual(await store.put('rt/stream', Readable.from(parts)), { size: 13 });
      assert.equal((await readAll(await store.get('rt/stream'))).toString(), 'one two three');
      await store.put('rt/stream', Buffer.from('replaced'));
      assert.equal((await readAll(await store.get('rt/stream'))).toString(), 'replaced');
    });

    test(`[${adapter.name}] empty object`, async () => {
      assert.deepEqual(await store.put('rt/empty', Readable.from([])), { size: 0 });
      assert.deepEqual(await store.stat('rt/empty'), { size: 0 });
      assert.equal((await readAll(await store.get('rt/empty'))).length, 0);
    });

    test(`[${adapter.name}] ranged reads: start-end, start only, last byte, first byte`, async () => {
      await store.put('range/x', Buffer.from('0123456789'));
      const read = async (start: number, end?: number) =>
        (await readAll(await store.get('range/x', { start, end }))).toString();
      assert.equal(await read(2, 5), '2345');
      assert.equal(await read(7), '789');
      assert.equal(await read(9, 9), '9');
      assert.equal(await read(9), '9');
      assert.equal(await read(0, 0), '0');
      assert.equal(await read(0), '0123456789');
    });

    test(`[${adapter.name}] stat, exists, delete (absent is fine)`, async () => {
      await store.put('del/a', Buffer.from('abc'));
      assert.deepEqual(await store.stat('del/a'), { size: 3 });
      assert.equal(await store.exists('del/a'), true);
      await store.delete('del/a');
      assert.equal(await store.stat('del/a'), null);
      assert.equal(await store.exists('del/a'), false);
      await store.delete('del/a');
      await store.delete('del/never-was');
    });

    test(`[${adapter.name}] get of an absent key rejects with BlobNotFoundError`, async () => {
      await assert.rejects(store.get('absent/key'), (err: unknown) => {
        assert.ok(err instanceof BlobNotFoundError);
        assert.equal(err.key, 'absent/key');
        return true;
      });
      await assert.rejects(store.get('absent/key', { start: 1, end: 2 }), BlobNotFoundError);
    });

    test(`[${adapter.name}] list by prefix`, async () => {
      for (const k of ['ls/a/1', 'ls/a/2', 'ls/ab/3', 'ls/b/4', 'lsx'])
        await store.put(k, Buffer.from(k));
      assert.deepEqual(await collect(store.list('ls/a/')), ['ls/a/1', 'ls/a/2']);
      assert.deepEqual(await collect(store.list('ls/a')), ['ls/a/1', 'ls/a/2', 'ls/ab/3']);
      assert.deepEqual(await collect(store.list('ls/')), ['ls/a/1', 'ls/a/2', 'ls/ab/3', 'ls/b/4']);
      assert.deepEqual(await collect(store.list('nothing/')), []);
      const all = await collect(store.list(''));
      assert.ok(all.includes('lsx') && all.includes('ls/b/4'));
    });

    test(`[${adapter.name}] a put whose source fails midway leaves no object`, async () => {
      for (const [key, failAfter] of [
        ['fail/small', 64 * 1024],
        ['fail/multipart', 12 * MiB],
      ] as const) {
        const src = generated(20 * MiB, failAfter);
        await assert.rejects(store.put(key, src.stream), /source failed midway/);
        assert.equal(await store.stat(key), null);
        await assert.rejects(store.get(key), BlobNotFoundError);
      }
      assert.deepEqual(await collect(store.list('fail/')), []);
    });

    test(`[${adapter.name}] bodies at S3 part boundaries come back whole`, async () => {
      for (const size of [8 * MiB - 1, 8 * MiB, 8 * MiB + 1, 16 * MiB]) {
        const src = generated(size);
        assert.deepEqual(await store.put(`edge/${size}`, src.stream), { size });
        assert.deepEqual(await store.stat(`edge/${size}`), { size });
        const back = createHash('sha256');
        for await (const c of (await store.get(`edge/${size}`)) as AsyncIterable<Buffer>)
          back.update(c);
        assert.equal(back.digest('hex'), src.digest(), `body of ${size} bytes`);
        const tail = await readAll(await store.get(`edge/${size}`, { start: size - 2 }));
        assert.equal(tail.length, 2);
      }
    });

    test(`[${adapter.name}] 50 MiB streamed put and get with bounded memory`, async () => {
      const size = 50 * MiB;
      const src = generated(size);
      const putGrowth = await peakGrowth(async () => {
        assert.deepEqual(await store.put('big/50m', src.stream), { size });
      });
      assert.deepEqual(await store.stat('big/50m'), { size });
      const back = createHash('sha256');
      let got = 0;
      const getGrowth = await peakGrowth(async () => {
        for await (const c of (await store.get('big/50m')) as AsyncIterable<Buffer>) {
          back.update(c);
          got += c.length;
        }
      });
      assert.equal(got, size);
      assert.equal(back.digest('hex'), src.digest());
      const report = `put grew live memory by ${mib(putGrowth.live)} (rss ${mib(putGrowth.rss)}), get by ${mib(getGrowth.live)} (rss ${mib(getGrowth.rss)})`;
      console.log(`[${adapter.name}] 50 MiB: ${report}`);
      // Buffering the body would cost at least its 50 MiB; an S3 part is 8 MiB.
      assert.ok(putGrowth.live < 20 * MiB && getGrowth.live < 20 * MiB, report);
    });

    test(`[${adapter.name}] keys that could escape a directory are refused`, async () => {
      for (const k of ['../x', '/abs', 'a/../../b', 'a//b', 'a/./b', '', '.tmp/x', 'a\\b']) {
        await assert.rejects(store.put(k, Buffer.from('x')), /invalid blob key/);
        await assert.rejects(store.get(k), /invalid blob key/);
      }
    });

    test(`[${adapter.name}] calls fail while the server is down and work once it is back`, async (t) => {
      const outage = backend.outage;
      if (!outage) {
        t.skip('the filesystem adapter has no server to lose');
        return;
      }
      await store.put('outage/before', Buffer.from('kept'));
      await outage.stop();
      try {
        await assert.rejects(store.put('outage/during', Buffer.from('x')));
        await assert.rejects(store.stat('outage/before'));
      } finally {
        await outage.start();
      }
      assert.equal((await readAll(await store.get('outage/before'))).toString(), 'kept');
      await store.put('outage/after', Buffer.from('ok'));
      assert.deepEqual(await collect(store.list('outage/')), ['outage/after', 'outage/before']);
    });
  });
}

test('blob factory picks the adapter from the environment', async () => {
  const { blobKind } = await import('../src/index.ts');
  assert.equal(blobKind({}), 'fs');
  assert.equal(blobKind({ S3_ENDPOINT: 'http://127.0.0.1:9000' }), 's3');
  assert.equal(typeof createFsBlobStore, 'function');
  assert.equal(typeof createS3BlobStore, 'function');
});
