// Embedded blob adapter: the filesystem store (fs.ts) plus small objects kept
// in the embedded PostgreSQL (table blob_inline). A message body of a few KiB
// costs a file fsync and a directory fsync on its own; in the database it
// rides in the WAL flush that concurrent writers share (group commit), which is
// what lets one disk accept hundreds of messages a second durably. Objects
// larger than the inline limit stream to files as before, so memory stays
// bounded. A key lives in one place: writing it in one removes it from the other.
import { statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { groupCommit, lastPerKey, valuesList, type Migration, type Sql } from '@postfleet/sql';
import { checkKey } from './key.ts';
import { createFsBlobStore, fsBlobPath } from './fs.ts';
import type { BlobStat, BlobStore, ByteRange } from './types.ts';

/** Objects up to this size go to the database. */
export const DEFAULT_INLINE_LIMIT = 256 * 1024;

export const inlineBlobMigrations: Migration[] = [
  {
    id: 1,
    name: 'small blobs inline',
    sql: `CREATE TABLE blob_inline (key text PRIMARY KEY, data bytea NOT NULL)`,
  },
];

export interface InlineBlobOptions {
  /** The directory of the file store (fs.ts) that holds the large objects. */
  dir: string;
  sql: Sql;
  inlineLimit?: number;
}

type InlineWrite = { key: string; data: Uint8Array | null };

/** Reads body until it ends (small: the bytes) or passes limit (large: a stream of all of it). */
async function splitBySize(
  body: Readable | Uint8Array,
  limit: number,
): Promise<{ small: Uint8Array } | { large: Readable }> {
  if (body instanceof Uint8Array) {
    return body.length <= limit ? { small: body } : { large: Readable.from([body]) };
  }
  const head: Buffer[] = [];
  let size = 0;
  const it = (body as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  for (;;) {
    const next = await it.next();
    if (next.done) return { small: Buffer.concat(head) };
    const chunk =
      typeof next.value === 'string' ? Buffer.from(next.value) : Buffer.from(next.value);
    head.push(chunk);
    size += chunk.length;
    if (size > limit) {
      async function* rest(): AsyncGenerator<Buffer> {
        yield* head;
        for (;;) {
          const more = await it.next();
          if (more.done) return;
          yield typeof more.value === 'string' ? Buffer.from(more.value) : Buffer.from(more.value);
        }
      }
      return { large: Readable.from(rest()) };
    }
  }
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function createInlineBlobStore(opts: InlineBlobOptions): Promise<BlobStore> {
  const { sql } = opts;
  const files = createFsBlobStore(opts.dir);
  /** Without an exception per miss: most keys never were files. */
  const isFile = (key: string): boolean =>
    statSync(fsBlobPath(opts.dir, key), { throwIfNoEntry: false }) !== undefined;
  const limit = opts.inlineLimit ?? DEFAULT_INLINE_LIMIT;
  await sql.migrate('blob', inlineBlobMigrations);

  /** Each flush answers with the keys whose rows its deletes removed. */
  const writes = groupCommit<InlineWrite, Set<string>>(async (rows) => {
    // Per key the last write wins; upserts and deletes in one transaction, one flush.
    const last = lastPerKey(rows, (r) => r.key);
    const puts = last.filter((r) => r.data !== null);
    const deletes = last.filter((r) => r.data === null).map((r) => r.key);
    return sql.transaction(async (tx) => {
      const removed = new Set<string>();
      if (deletes.length > 0) {
        const r = await tx.query<{ key: string }>(
          'DELETE FROM blob_inline WHERE key = ANY($1) RETURNING key',
          [deletes],
        );
        for (const row of r.rows) removed.add(row.key);
      }
      if (puts.length > 0) {
        await tx.query(
          `INSERT INTO blob_inline (key, data) VALUES ${valuesList(puts.length, 2)}
           ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data`,
          puts.flatMap((r) => [r.key, r.data]),
        );
      }
      return removed;
    });
  });

  const inlineSize = async (key: string): Promise<number | null> => {
    const r = await sql.query<{ size: number }>(
      'SELECT octet_length(data) AS size FROM blob_inline WHERE key = $1',
      [key],
    );
    return r.rows[0]?.size ?? null;
  };

  const put = async (key: string, body: Readable | Uint8Array): Promise<BlobStat> => {
    checkKey(key);
    const split = await splitBySize(body, limit);
    if ('small' in split) {
      await writes.add({ key, data: split.small });
      // An earlier, larger version of the key is a file: it goes once the row is in.
      if (isFile(key)) await files.delete(key);
      return { size: split.small.length };
    }
    const stat = await files.put(key, split.large);
    if ((await inlineSize(key)) !== null) await writes.add({ key, data: null });
    return stat;
  };

  const get = async (key: string, range?: ByteRange): Promise<Readable> => {
    checkKey(key);
    const r = await sql.query<{ data: Buffer }>('SELECT data FROM blob_inline WHERE key = $1', [
      key,
    ]);
    const row = r.rows[0];
    if (!row) return files.get(key, range);
    const data = range ? row.data.subarray(range.start, (range.end ?? Infinity) + 1) : row.data;
    return Readable.from([data]);
  };

  const stat = async (key: string): Promise<BlobStat | null> => {
    checkKey(key);
    const size = await inlineSize(key);
    return size !== null ? { size } : files.stat(key);
  };

  async function* list(prefix: string): AsyncIterable<string> {
    const r = await sql.query<{ key: string }>(
      "SELECT key FROM blob_inline WHERE key LIKE $1 ESCAPE '\\'",
      [`${escapeLike(prefix)}%`],
    );
    const inline = new Set(r.rows.map((row) => row.key));
    yield* inline;
    for await (const key of files.list(prefix)) if (!inline.has(key)) yield key;
  }

  return {
    put,
    get,
    stat,
    exists: async (key) => (await stat(key)) !== null,
    delete: async (key) => {
      checkKey(key);
      const removed = await writes.add({ key, data: null });
      // A key that was a row is not also a file (a small put removes the file).
      if (!removed.has(key) || isFile(key)) await files.delete(key);
    },
    list,
    close: async () => {
      await writes.drain();
      await files.close();
    },
  };
}
