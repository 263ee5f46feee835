// Embedded KV buckets: every bucket is held in memory and written through to
// the bus_kv table (a deleted key keeps a NULL tombstone so revisions never go
// back); watchers are called in-process, in revision order. Revisions are given
// out when a write is asked for; concurrent writes share one commit
// (groupCommit in @postfleet/sql) and become visible, in revision order, once it is done.
import type { KvChange, KvStore } from './types.ts';
import { subjectMatches } from './subject.ts';
import { groupCommit, lastPerKey, valuesList, type GroupCommit, type Sql } from '@postfleet/sql';

interface Watcher {
  pattern: string;
  onChange: (change: KvChange) => void;
}

interface Bucket {
  /** What is committed: what get, keys and watch see. */
  entries: Map<string, { value: Uint8Array; revision: number }>;
  /** The last revision given out (committed or not). */
  revision: number;
  /** Keys as the writes given out so far leave them: present, or null once deleted. */
  assigned: Map<string, Uint8Array | null>;
  watchers: Set<Watcher>;
}

interface KvRow {
  key: string;
  value: Uint8Array | null;
  revision: number;
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
    assigned: new Map(),
    watchers: new Set(),
  };
  for (const r of rows.rows) {
    const revision = Number(r.revision);
    bucket.revision = Math.max(bucket.revision, revision);
    if (r.value) bucket.entries.set(r.key, { value: r.value, revision });
  }
  return bucket;
}

function bucketWrites(sql: Sql, name: string): GroupCommit<KvRow> {
  return groupCommit<KvRow>(async (rows) => {
    // One row per key and statement (an upsert may not touch a row twice): the newest.
    const latest = lastPerKey(rows, (r) => r.key);
    await sql.query(
      `INSERT INTO bus_kv (bucket, key, value, revision) VALUES ${valuesList(latest.length, 4)}
       ON CONFLICT (bucket, key) DO UPDATE SET value = EXCLUDED.value, revision = EXCLUDED.revision`,
      latest.flatMap((r) => [name, r.key, r.value, r.revision]),
    );
  });
}

function bucketStore(sql: Sql, name: string, bucket: Bucket): KvStore {
  const writes = bucketWrites(sql, name);
  /** Gives out the next revision, commits it with whatever else is waiting, then applies it. */
  const write = async (key: string, value: Uint8Array | null): Promise<number> => {
    const revision = ++bucket.revision;
    bucket.assigned.set(key, value);
    try {
      await writes.add({ key, value, revision });
    } catch (err) {
      bucket.assigned.delete(key);
      throw err;
    }
    if (bucket.assigned.get(key) === value) bucket.assigned.delete(key);
    if (value) bucket.entries.set(key, { value, revision });
    else bucket.entries.delete(key);
    notify(bucket.watchers, { key, value, revision });
    return revision;
  };
  return {
    get: async (key) => {
      const e = bucket.entries.get(key);
      return e ? { key, value: e.value, revision: e.revision } : null;
    },
    put: (key, value) => write(key, value.slice()),
    delete: async (key) => {
      const pending = bucket.assigned.get(key);
      const exists = pending === undefined ? bucket.entries.has(key) : pending !== null;
      if (!exists) return;
      await write(key, null);
    },
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
