// Embedded KV buckets: every bucket is held in memory and written through to
// the bus_kv table (a deleted key keeps a NULL tombstone so revisions never go
// back); watchers are called in-process, in revision order.
import type { Sql } from '@postfleet/sql';
import type { KvChange, KvStore } from './types.ts';
import { subjectMatches } from './subject.ts';

interface Watcher {
  pattern: string;
  onChange: (change: KvChange) => void;
}

interface Bucket {
  entries: Map<string, { value: Uint8Array; revision: number }>;
  revision: number;
  watchers: Set<Watcher>;
  /** Writes are serialised so that revisions reach the table and watchers in order. */
  tail: Promise<unknown>;
}

function notify(watchers: Set<Watcher>, change: KvChange): void {
  for (const w of watchers) {
    if (!subjectMatches(w.pattern, change.key)) continue;
    try {
      w.onChange(change);
    } catch {
      // A watcher's failure does not stop the others.
    }
  }
}

async function loadBucket(sql: Sql, name: string): Promise<Bucket> {
  const rows = await sql.query<{
    key: string;
    value: Uint8Array | null;
    revision: string | number;
  }>('SELECT key, value, revision FROM bus_kv WHERE bucket = $1', [name]);
  const bucket: Bucket = {
    entries: new Map(),
    revision: 0,
    watchers: new Set(),
    tail: Promise.resolve(),
  };
  for (const r of rows.rows) {
    const revision = Number(r.revision);
    bucket.revision = Math.max(bucket.revision, revision);
    if (r.value) bucket.entries.set(r.key, { value: r.value, revision });
  }
  return bucket;
}

function serial<T>(bucket: Bucket, fn: () => Promise<T>): Promise<T> {
  const run = bucket.tail.then(fn, fn);
  bucket.tail = run.catch(() => undefined);
  return run;
}

function bucketStore(sql: Sql, name: string, bucket: Bucket): KvStore {
  const write = (key: string, value: Uint8Array | null, revision: number) =>
    sql.query(
      `INSERT INTO bus_kv (bucket, key, value, revision) VALUES ($1, $2, $3, $4)
       ON CONFLICT (bucket, key) DO UPDATE SET value = EXCLUDED.value, revision = EXCLUDED.revision`,
      [name, key, value, revision],
    );
  return {
    get: async (key) => {
      const e = bucket.entries.get(key);
      return e ? { key, value: e.value, revision: e.revision } : null;
    },
    put: (key, value) =>
      serial(bucket, async () => {
        const revision = bucket.revision + 1;
        const copy = value.slice();
        await write(key, copy, revision);
        bucket.revision = revision;
        bucket.entries.set(key, { value: copy, revision });
        notify(bucket.watchers, { key, value: copy, revision });
        return revision;
      }),
    delete: (key) =>
      serial(bucket, async () => {
        if (!bucket.entries.has(key)) return;
        const revision = bucket.revision + 1;
        await write(key, null, revision);
        bucket.revision = revision;
        bucket.entries.delete(key);
        notify(bucket.watchers, { key, value: null, revision });
      }),
    keys: async () => [...bucket.entries.keys()],
    watch: async (onChange, key) => {
      const watcher: Watcher = { pattern: key ?? '>', onChange };
      const initial = [...bucket.entries]
        .filter(([k]) => subjectMatches(watcher.pattern, k))
        .sort((a, b) => a[1].revision - b[1].revision);
      for (const [k, e] of initial) onChange({ key: k, value: e.value, revision: e.revision });
      bucket.watchers.add(watcher);
      return {
        stop: async () => {
          bucket.watchers.delete(watcher);
        },
      };
    },
  };
}

/** Returns kv(bucket) for one embedded bus; buckets are loaded once and cached. */
export function embeddedKv(sql: Sql): (bucket: string) => Promise<KvStore> {
  const buckets = new Map<string, Promise<KvStore>>();
  return (name) => {
    let store = buckets.get(name);
    if (!store) {
      store = loadBucket(sql, name).then((b) => bucketStore(sql, name, b));
      buckets.set(name, store);
      store.catch(() => buckets.delete(name));
    }
    return store;
  };
}
