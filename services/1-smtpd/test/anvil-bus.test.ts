// The bus-backed anvil: two smtpd replicas on one real embedded bus see each other's
// connection counts, connection rates and message rates once synchronised, forget a
// replica that stopped or died, and never wait for the bus on connect.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEmbeddedBus, type Bus } from '@postfleet/bus';
import { createTemporarySql, type Sql } from '@postfleet/sql';
import { ANVIL_BUCKET, createAnvil, createBusAnvil } from '../src/anvil-bus.ts';

let bus: Bus;
let sql: Sql;
before(async () => {
  sql = await createTemporarySql();
  bus = await createEmbeddedBus(sql);
});
after(async () => {
  await bus?.close();
  await sql?.close();
});

/** Until the watch has delivered what the other replica published. */
async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail('the other replica never saw the counters');
    await sleep(20);
  }
}

test('counts, connection rate and message rate hold across replicas', async () => {
  const kv = await bus.kv(ANVIL_BUCKET);
  const a = await createBusAnvil(kv, { syncMs: 60_000 });
  const b = await createBusAnvil(kv, { syncMs: 60_000 });
  let probes = 0;
  try {
    assert.deepEqual(await a.connect('192.0.2.1'), { count: 1, rate: 1 });
    assert.deepEqual(await a.connect('192.0.2.1'), { count: 2, rate: 2 });
    assert.equal(await a.message('192.0.2.1'), 1);
    // before a sync, b knows only its own: the documented overshoot
    assert.deepEqual(await b.connect('192.0.2.1'), { count: 1, rate: 1 });
    await a.sync();
    await eventually(async () => (await peek(b)).count === 4);
    // every probe was a connection start too: a's 2, b's 1, the probes, this one
    assert.deepEqual(await b.connect('192.0.2.1'), { count: 4, rate: 4 + probes });
    assert.equal(await b.message('192.0.2.1'), 2);
    // other clients are unaffected
    assert.deepEqual(await b.connect('2001:db8::1'), { count: 1, rate: 1 });
    await a.disconnect('192.0.2.1');
    await a.disconnect('192.0.2.1');
    await a.sync();
    await eventually(async () => (await peek(b)).count === 3);
  } finally {
    await a.stop();
    await b.stop();
  }

  /** b's view of 192.0.2.1 plus one probe connection, which is taken back at once. */
  async function peek(anvil: typeof b): Promise<{ count: number }> {
    probes++;
    const counts = await anvil.connect('192.0.2.1');
    await anvil.disconnect('192.0.2.1');
    return counts;
  }
});

test("a stopped replica's keys are deleted; a dead one's are ignored after staleMs", async () => {
  const kv = await bus.kv(ANVIL_BUCKET);
  let t = Date.now();
  const now = () => t;
  const a = await createBusAnvil(kv, { syncMs: 60_000, staleMs: 10_000, now });
  const b = await createBusAnvil(kv, { syncMs: 60_000, staleMs: 10_000, now });
  const dead = await createBusAnvil(kv, { syncMs: 60_000, staleMs: 10_000, now });
  try {
    await a.connect('198.51.100.1');
    await dead.connect('198.51.100.1');
    await a.sync();
    await dead.sync();
    await eventually(async () => {
      const c = await b.connect('198.51.100.1');
      await b.disconnect('198.51.100.1');
      return c.count === 3;
    });
    await a.stop();
    await eventually(async () => {
      const c = await b.connect('198.51.100.1');
      await b.disconnect('198.51.100.1');
      return c.count === 2;
    });
    // "dead" never writes again (its timer would, so the clock jumps past staleMs instead)
    t += 11_000;
    const c = await b.connect('198.51.100.1');
    assert.equal(c.count, 1);
  } finally {
    await b.stop();
    await dead.stop();
  }
  assert.deepEqual(
    (await kv.keys()).filter((k) => k.startsWith('a.')),
    [],
  );
});

test('without a bus the factory gives the in-memory anvil', async () => {
  const local = await createAnvil(undefined);
  assert.deepEqual(await local.connect('192.0.2.1'), { count: 1, rate: 1 });
  await local.stop();
  const shared = await createAnvil(bus, { syncMs: 60_000 });
  assert.deepEqual(await shared.connect('192.0.2.50'), { count: 1, rate: 1 });
  await shared.stop();
});
