// Blob benchmark: sequential 4 KiB puts and gets, then one streamed 64 MiB put
// and get, for the S3 adapter (on s3rver from the harness) and the filesystem
// adapter (fsync + rename per object), about 3 s per adapter.
import { Readable } from 'node:stream';
import { createBlobStore, type BlobStore } from '@postfleet/blob';
import { makeTempDir, startS3 } from '@postfleet/harness';

const PHASE_MS = 1000;
const small = Buffer.alloc(4096, 0x61);
const BIG = 64 * 1024 * 1024;

/** Runs op(i) one after another for PHASE_MS; operations per second. */
async function rate(op: (i: number) => Promise<void>): Promise<number> {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < PHASE_MS) await op(n++);
  return Math.round(n / ((performance.now() - start) / 1000));
}

async function drain(s: Readable): Promise<number> {
  let bytes = 0;
  for await (const c of s as AsyncIterable<Buffer>) bytes += c.length;
  return bytes;
}

/** MiB per second for fn moving BIG bytes. */
async function throughput(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return Math.round(BIG / 1048576 / ((performance.now() - start) / 1000));
}

async function bench(name: string, store: BlobStore): Promise<void> {
  for (let i = 0; i < 20; i++) await store.put(`warm/${i}`, small);
  let written = 0;
  console.log(
    `blob.put_4KiB_per_s[${name}] ${await rate(async (i) => {
      await store.put(`small/${i % 1000}/${i}`, small);
      written = i + 1;
    })}`,
  );
  console.log(
    `blob.get_4KiB_per_s[${name}] ${await rate(async (i) => {
      const n = i % written;
      await drain(await store.get(`small/${n % 1000}/${n}`));
    })}`,
  );
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  const body = Readable.from(
    (function* () {
      for (let sent = 0; sent < BIG; sent += chunk.length) yield chunk;
    })(),
  );
  console.log(
    `blob.put_stream_MiB_per_s[${name}] ${await throughput(async () => {
      await store.put('big/64m', body);
    })}`,
  );
  console.log(
    `blob.get_stream_MiB_per_s[${name}] ${await throughput(async () => {
      await drain(await store.get('big/64m'));
    })}`,
  );
}

const s3 = await startS3();
const dir = await makeTempDir('postfleet-bench-blob-');
try {
  const s3Store = await createBlobStore({ env: s3.env, dataDir: dir.path });
  await bench('s3', s3Store);
  await s3Store.close();
  await s3.destroy();

  const fsStore = await createBlobStore({ env: {}, dataDir: dir.path });
  await bench('fs', fsStore);
  await fsStore.close();
} finally {
  await s3.destroy();
  await dir.remove();
}
