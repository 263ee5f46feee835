// Group commit: writers that arrive while a flush runs share the next one, in
// order; a failed flush fails only its own writers; and on the embedded bus,
// concurrent publishes really share PostgreSQL commits (counted by the server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTemporarySql } from '@postfleet/sql';
import { createEmbeddedBus } from '../src/index.ts';
import { groupCommit } from '@postfleet/sql';

test('groupCommit: concurrent adds share flushes, keep order, and all resolve', async () => {
  const batches: number[][] = [];
  const gc = groupCommit<number>(async (items) => {
    batches.push(items);
    await new Promise((r) => setTimeout(r, 5));
  });
  await Promise.all(Array.from({ length: 100 }, (_, i) => gc.add(i)));
  assert.deepEqual(
    batches.flat(),
    Array.from({ length: 100 }, (_, i) => i),
    'order kept',
  );
  assert.ok(batches.length <= 3, `100 concurrent adds in ${batches.length} flushes`);
});

test('groupCommit: a failed flush rejects its own writers only', async () => {
  let calls = 0;
  const gc = groupCommit<string>(async () => {
    calls += 1;
    if (calls === 1) throw new Error('disk full');
  });
  const first = gc.add('a');
  const second = gc.add('b'); // waits for the next flush
  await assert.rejects(first, /disk full/);
  await second;
  assert.equal(calls, 2);
});

test('groupCommit: batches are capped', async () => {
  const sizes: number[] = [];
  const gc = groupCommit<number>(async (items) => {
    sizes.push(items.length);
  }, 10);
  gc.add(-1).catch(() => undefined);
  await Promise.all(Array.from({ length: 35 }, (_, i) => gc.add(i)));
  assert.ok(
    sizes.every((n) => n <= 10),
    `sizes ${sizes.join(',')}`,
  );
});

test('embedded bus: 200 concurrent publishes take far fewer than 200 commits', async () => {
  const sql = await createTemporarySql();
  try {
    const bus = await createEmbeddedBus(sql);
    await bus.ensureStream({ name: 'JOBS', subjects: ['jobs.>'] });
    const commits = async (): Promise<number> => {
      const r = await sql.query<{ n: number }>(
        'SELECT xact_commit::int8 AS n FROM pg_stat_database WHERE datname = current_database()',
      );
      return Number(r.rows[0]?.n);
    };
    // Statistics reach pg_stat_database when a backend reports them (at most
    // once a second while busy, and at idle): read them in a fresh snapshot.
    await sql.query('SELECT pg_stat_force_next_flush()');
    await sql.query('SELECT pg_stat_clear_snapshot()');
    const before = await commits();
    const acks = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        bus.publish(`jobs.new.${i}`, new Uint8Array([i % 256]), { msgId: `m${i}` }),
      ),
    );
    assert.equal(new Set(acks.map((a) => a.seq)).size, 200, 'each publish has its own seq');
    await new Promise((r) => setTimeout(r, 1200));
    await sql.query('SELECT pg_stat_clear_snapshot()');
    const used = (await commits()) - before;
    const stored = await sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM bus_message WHERE stream = 'JOBS'",
    );
    assert.equal(stored.rows[0]?.n, 200, 'every publish is stored');
    assert.ok(used < 60, `200 publishes used ${used} commits`);
    await bus.close();
  } finally {
    await sql.close();
  }
});
