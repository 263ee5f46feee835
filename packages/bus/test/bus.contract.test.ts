// Contract suite for the bus port: the same tests run against the NATS adapter
// (a real nats-server from the harness) and the embedded adapter (its tables in
// an embedded PostgreSQL in a temp dir), so the embedded default cannot drift from production behaviour.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createEmbeddedSql } from '@postfleet/sql';
import type { Sql } from '@postfleet/sql';
import { makeTempDir, startNats, type NatsHandle, type TempDir } from '@postfleet/harness';
import { createEmbeddedBus, createNatsBus, BusRequestError } from '../src/index.ts';
import type { Bus, KvChange, StreamMessage } from '../src/index.ts';

interface Backend {
  label: string;
  setup(): Promise<void>;
  open(): Promise<Bus>;
  teardown(): Promise<void>;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null): string => (b ? new TextDecoder().decode(b) : '<null>');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function rejectsWith(p: Promise<unknown>, reason: BusRequestError['reason']): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof BusRequestError, `expected BusRequestError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    return true;
  });
}

let counter = 0;
/** A fresh stream per test, so tests on one backend do not see each other's messages. */
async function freshStream(bus: Bus): Promise<{ stream: string; subject: (s: string) => string }> {
  counter += 1;
  const stream = `T${counter}_${Date.now()}`;
  const prefix = `t${counter}x${Date.now()}`;
  await bus.ensureStream({ name: stream, subjects: [`${prefix}.>`] });
  return { stream, subject: (s) => `${prefix}.${s}` };
}

function natsBackend(): Backend & { nats: () => NatsHandle } {
  let nats: NatsHandle | null = null;
  return {
    label: 'nats-server',
    nats: () => {
      if (!nats) throw new Error('nats not started');
      return nats;
    },
    setup: async () => {
      nats = await startNats();
    },
    open: () => {
      if (!nats) throw new Error('nats not started');
      return createNatsBus(nats.url);
    },
    teardown: async () => {
      await nats?.destroy();
    },
  };
}

function embeddedBackend(): Backend & { dir: () => string } {
  let dir: TempDir | null = null;
  let sql: Sql | null = null;
  return {
    label: 'embedded postgres',
    dir: () => {
      if (!dir) throw new Error('no dir');
      return dir.path;
    },
    setup: async () => {
      dir = await makeTempDir('postfleet-bus-');
      sql = await createEmbeddedSql({ dir: join(dir.path, 'postgres') });
    },
    open: () => {
      if (!sql) throw new Error('sql not open');
      return createEmbeddedBus(sql);
    },
    teardown: async () => {
      await sql?.close();
      await dir?.remove();
    },
  };
}

function contract(backend: Backend): void {
  describe(`bus contract [${backend.label}]`, () => {
    let bus: Bus;
    before(async () => {
      await backend.setup();
      bus = await backend.open();
    });
    after(async () => {
      await bus.close();
      await backend.teardown();
    });

    test(`publish, consume, ack: each message once with headers [${backend.label}]`, async () => {
      const { stream, subject } = await freshStream(bus);
      for (let i = 0; i < 3; i++) {
        const ack = await bus.publish(subject(`m${i}`), enc(`body ${i}`), {
          headers: { 'x-queue-id': `q${i}` },
        });
        assert.equal(ack.stream, stream);
        assert.equal(ack.duplicate, false);
        assert.equal(ack.seq, i + 1);
      }
      const got: StreamMessage[] = [];
      const sub = await bus.consume({ stream, name: 'c', ackWaitMs: 500 }, async (m) => {
        got.push(m);
        await m.ack();
      });
      await waitFor('3 messages', () => got.length >= 3);
      await sleep(1200); // beyond ackWait: acked messages must not come back
      await sub.stop();
      assert.deepEqual(
        got.map((m) => [m.subject, dec(m.data), m.headers['x-queue-id'], m.seq, m.deliveryCount]),
        [0, 1, 2].map((i) => [subject(`m${i}`), `body ${i}`, `q${i}`, i + 1, 1]),
      );
    });

    test(`ensureStream is idempotent and updates subjects [${backend.label}]`, async () => {
      counter += 1;
      const name = `UPD${counter}_${Date.now()}`;
      const p = `upd${counter}x${Date.now()}`;
      await bus.ensureStream({ name, subjects: [`${p}.a.>`] });
      await bus.ensureStream({ name, subjects: [`${p}.a.>`] });
      await assert.rejects(bus.publish(`${p}.b.1`, enc('no stream yet')));
      await bus.ensureStream({ name, subjects: [`${p}.a.>`, `${p}.b.>`] });
      const a = await bus.publish(`${p}.a.1`, enc('a'));
      const b = await bus.publish(`${p}.b.1`, enc('b'));
      assert.deepEqual([a.stream, b.stream, b.seq], [name, name, a.seq + 1]);
    });

    test(`filterSubject limits a consumer to matching subjects [${backend.label}]`, async () => {
      const { stream, subject } = await freshStream(bus);
      await bus.publish(subject('a.1'), enc('a'));
      await bus.publish(subject('b.1'), enc('b'));
      const got: string[] = [];
      const sub = await bus.consume(
        { stream, name: 'only-b', filterSubject: subject('b.>') },
        async (m) => {
          got.push(m.subject);
          await m.ack();
        },
      );
      await waitFor('b', () => got.length >= 1);
      await sleep(300);
      await sub.stop();
      assert.deepEqual(got, [subject('b.1')]);
    });

    test(`redelivery to another instance after a consumer dies without ack [${backend.label}]`, async () => {
      const { stream, subject } = await freshStream(bus);
      const spec = { stream, name: 'worker', ackWaitMs: 1000 };
      let firstAt = 0;
      const first = await bus.consume(spec, async () => {
        firstAt = Date.now();
        // dies: never acks
      });
      await bus.publish(subject('job'), enc('job'));
      await waitFor('first delivery', () => firstAt > 0);
      await first.stop();
      const got: StreamMessage[] = [];
      const second = await bus.consume(spec, async (m) => {
        got.push(m);
        await m.ack();
      });
      await waitFor('redelivery', () => got.length >= 1, 10_000);
      const after = Date.now() - firstAt;
      await second.stop();
      assert.equal(got.length, 1);
      assert.equal(dec(got[0]!.data), 'job');
      assert.equal(got[0]!.deliveryCount, 2);
      assert.ok(after >= 900, `redelivered ${after} ms after first delivery, ackWait is 1000`);
    });

    test(`nak with delay: redelivered not before the delay [${backend.label}]`, async () => {
      const { stream, subject } = await freshStream(bus);
      const times: number[] = [];
      const counts: number[] = [];
      const sub = await bus.consume({ stream, name: 'nakker', ackWaitMs: 10_000 }, async (m) => {
        times.push(Date.now());
        counts.push(m.deliveryCount);
        if (m.deliveryCount === 1) await m.nak(1500);
        else await m.ack();
      });
      await bus.publish(subject('x'), enc('x'));
      await waitFor('redelivery after nak', () => times.length >= 2, 10_000);
      await sub.stop();
      const gap = times[1]! - times[0]!;
      assert.deepEqual(counts, [1, 2]);
      assert.ok(gap >= 1400, `redelivered after ${gap} ms, nak delay was 1500`);
      assert.ok(gap < 8000, `redelivered only after ${gap} ms`);
    });

    test(`nak without delay redelivers promptly [${backend.label}]`, async () => {
      const { stream, subject } = await freshStream(bus);
      const counts: number[] = [];
      const sub = await bus.consume({ stream, name: 'n0', ackWaitMs: 30_000 }, async (m) => {
        counts.push(m.deliveryCount);
        if (m.deliveryCount === 1) await m.nak();
        else await m.ack();
      });
      await bus.publish(subject('x'), enc('x'));
      await waitFor('redelivery', () => counts.length >= 2, 5000);
      await sub.stop();
      assert.deepEqual(counts, [1, 2]);
    });

    test(`term: never delivered again [${backend.label}]`, async () => {
      const { stream, subject } = await freshStream(bus);
      let n = 0;
      const sub = await bus.consume({ stream, name: 'termer', ackWaitMs: 500 }, async (m) => {
        n += 1;
        await m.term();
      });
      await bus.publish(subject('x'), enc('x'));
      await waitFor('delivery', () => n >= 1);
      await sleep(1500);
      await sub.stop();
      assert.equal(n, 1);
    });

    test(`maxDeliver stops redelivery [${backend.label}]`, async () => {
      const { stream, subject } = await freshStream(bus);
      const counts: number[] = [];
      const sub = await bus.consume(
        { stream, name: 'limited', ackWaitMs: 500, maxDeliver: 2 },
        async (m) => {
          counts.push(m.deliveryCount);
          await m.nak();
        },
      );
      await bus.publish(subject('x'), enc('x'));
      await waitFor('two deliveries', () => counts.length >= 2);
      await sleep(1500);
      await sub.stop();
      assert.deepEqual(counts, [1, 2]);
    });

    test(`working() extends the ack wait [${backend.label}]`, async () => {
      const { stream, subject } = await freshStream(bus);
      let n = 0;
      let done = false;
      const sub = await bus.consume({ stream, name: 'slow', ackWaitMs: 800 }, async (m) => {
        n += 1;
        for (let i = 0; i < 5; i++) {
          await sleep(400);
          await m.working();
        }
        await m.ack();
        done = true;
      });
      await bus.publish(subject('x'), enc('x'));
      await waitFor('slow handler done', () => done);
      await sleep(300);
      await sub.stop();
      assert.equal(n, 1, 'a message kept alive with working() is not redelivered');
    });

    test(`dedupe: republished msgId is acked as duplicate and consumed once [${backend.label}]`, async () => {
      const { stream, subject } = await freshStream(bus);
      const a = await bus.publish(subject('x'), enc('one'), { msgId: 'id-1' });
      const b = await bus.publish(subject('x'), enc('two'), { msgId: 'id-1' });
      const c = await bus.publish(subject('x'), enc('three'), { msgId: 'id-2' });
      assert.equal(a.duplicate, false);
      assert.equal(b.duplicate, true);
      assert.equal(b.seq, a.seq);
      assert.equal(c.duplicate, false);
      assert.equal(c.seq, a.seq + 1);
      const got: string[] = [];
      const sub = await bus.consume({ stream, name: 'd' }, async (m) => {
        got.push(dec(m.data));
        await m.ack();
      });
      await waitFor('two messages', () => got.length >= 2);
      await sleep(300);
      await sub.stop();
      assert.deepEqual(got, ['one', 'three']);
    });

    test(`two instances of one durable consumer share the work [${backend.label}]`, async () => {
      const { stream, subject } = await freshStream(bus);
      const spec = { stream, name: 'shared', maxInFlight: 2 };
      const seen = new Map<number, string[]>();
      const instance = (id: string) => async (m: StreamMessage) => {
        seen.set(m.seq, [...(seen.get(m.seq) ?? []), id]);
        await sleep(30);
        await m.ack();
      };
      const a = await bus.consume(spec, instance('a'));
      const b = await bus.consume(spec, instance('b'));
      for (let i = 0; i < 20; i++) await bus.publish(subject(`m${i}`), enc(String(i)));
      await waitFor('20 messages', () => seen.size >= 20);
      await sleep(300);
      await a.stop();
      await b.stop();
      const all = [...seen.values()];
      assert.equal(seen.size, 20);
      assert.ok(
        all.every((ids) => ids.length === 1),
        'each message went to exactly one instance',
      );
      const byA = all.filter((ids) => ids[0] === 'a').length;
      assert.ok(byA > 0 && byA < 20, `instance a handled ${byA} of 20`);
    });

    test(`a handler that throws gets its message again [${backend.label}]`, async () => {
      const { stream, subject } = await freshStream(bus);
      const counts: number[] = [];
      const sub = await bus.consume({ stream, name: 'thrower' }, async (m) => {
        counts.push(m.deliveryCount);
        if (m.deliveryCount === 1) throw new Error('transient');
        await m.ack();
      });
      await bus.publish(subject('x'), enc('x'));
      await waitFor('retry', () => counts.length >= 2, 10_000);
      await sub.stop();
      assert.deepEqual(counts, [1, 2]);
    });

    test(`request/reply with a queue group, headers and round trip [${backend.label}]`, async () => {
      const served = { a: 0, b: 0 };
      const responder =
        (id: 'a' | 'b') => async (m: { data: Uint8Array; headers: Record<string, string> }) => {
          served[id] += 1;
          return enc(`${id}:${dec(m.data)}:${m.headers['x-trace'] ?? ''}`);
        };
      const ra = await bus.reply('rr.echo', responder('a'), 'echo');
      const rb = await bus.reply('rr.echo', responder('b'), 'echo');
      const answers: string[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await bus.request('rr.echo', enc(`q${i}`), {
          timeoutMs: 5000,
          headers: { 'x-trace': 't1' },
        });
        answers.push(dec(r));
      }
      await ra.stop();
      await rb.stop();
      assert.equal(served.a + served.b, 30, 'each request served once');
      assert.ok(served.a > 0 && served.b > 0, `queue group shared: a=${served.a} b=${served.b}`);
      assert.match(answers[7]!, /^[ab]:q7:t1$/);
    });

    test(`request errors: no-responders, timeout, remote [${backend.label}]`, async () => {
      await rejectsWith(bus.request('rr.nobody', enc('x'), { timeoutMs: 2000 }), 'no-responders');

      const slow = await bus.reply('rr.slow', async () => {
        await sleep(1500);
        return enc('late');
      });
      const t0 = Date.now();
      await rejectsWith(bus.request('rr.slow', enc('x'), { timeoutMs: 300 }), 'timeout');
      assert.ok(Date.now() - t0 < 1400, 'timeout fires at timeoutMs, not when the handler ends');
      await slow.stop();

      const broken = await bus.reply('rr.broken', async () => {
        throw new Error('boom: mailbox unavailable');
      });
      await assert.rejects(
        bus.request('rr.broken', enc('x'), { timeoutMs: 2000 }),
        (err: unknown) => {
          assert.ok(err instanceof BusRequestError);
          assert.equal(err.reason, 'remote');
          assert.match(err.message, /boom: mailbox unavailable/);
          return true;
        },
      );
      await broken.stop();
      await rejectsWith(bus.request('rr.broken', enc('x'), { timeoutMs: 2000 }), 'no-responders');
    });

    test(`events reach every matching subscriber, none is fine [${backend.label}]`, async () => {
      await bus.emit('ev.nobody', enc('lost'));
      const a: string[] = [];
      const b: string[] = [];
      const sa = await bus.on('ev.mailbox.>', (m) =>
        a.push(`${m.subject}=${dec(m.data)}/${m.headers.k}`),
      );
      const sb = await bus.on('ev.mailbox.*', (m) => b.push(m.subject));
      await bus.emit('ev.mailbox.u1', enc('1'), { k: 'v' });
      await bus.emit('ev.other', enc('2'));
      await bus.emit('ev.mailbox.u2.inbox', enc('3'));
      await waitFor('events', () => a.length >= 2 && b.length >= 1);
      await sleep(200);
      await sa.stop();
      await sb.stop();
      await bus.emit('ev.mailbox.u3', enc('4'));
      await sleep(200);
      assert.deepEqual(a, ['ev.mailbox.u1=1/v', 'ev.mailbox.u2.inbox=3/undefined']);
      assert.deepEqual(b, ['ev.mailbox.u1']);
    });

    test(`kv put, get, delete, keys [${backend.label}]`, async () => {
      const kv = await bus.kv(`kvbasic${counter++}`);
      assert.equal(await kv.get('missing'), null);
      const r1 = await kv.put('cfg.main', enc('v1'));
      const r2 = await kv.put('cfg.main', enc('v2'));
      const r3 = await kv.put('cfg.other', enc('o'));
      assert.ok(r2 > r1 && r3 > r2, 'revisions increase');
      const e = await kv.get('cfg.main');
      assert.equal(dec(e?.value ?? null), 'v2');
      assert.equal(e?.revision, r2);
      assert.deepEqual((await kv.keys()).sort(), ['cfg.main', 'cfg.other']);
      await kv.delete('cfg.main');
      assert.equal(await kv.get('cfg.main'), null);
      assert.deepEqual(await kv.keys(), ['cfg.other']);
      const again = await bus.kv(`kvbasic${counter - 1}`);
      assert.equal(dec((await again.get('cfg.other'))?.value ?? null), 'o');
    });

    test(`kv watch: initial values, then updates and deletes, prefix filter [${backend.label}]`, async () => {
      const kv = await bus.kv(`kvwatch${counter++}`);
      await kv.put('cfg.a', enc('a1'));
      await kv.put('cfg.gone', enc('x'));
      await kv.delete('cfg.gone');
      await kv.put('other', enc('o1'));
      const seen: KvChange[] = [];
      const all: KvChange[] = [];
      const w = await kv.watch((c) => seen.push(c), 'cfg.>');
      const wall = await kv.watch((c) => all.push(c));
      await waitFor('initial values', () => seen.length >= 1 && all.length >= 2);
      await kv.put('cfg.b', enc('b1'));
      await kv.put('other', enc('o2'));
      await kv.put('cfg.a', enc('a2'));
      await kv.delete('cfg.b');
      await waitFor('updates', () => seen.length >= 4 && all.length >= 6);
      await sleep(200);
      await w.stop();
      await wall.stop();
      await kv.put('cfg.a', enc('a3'));
      await sleep(200);
      const fmt = (c: KvChange): string => `${c.key}=${dec(c.value)}`;
      assert.deepEqual(seen.map(fmt), ['cfg.a=a1', 'cfg.b=b1', 'cfg.a=a2', 'cfg.b=<null>']);
      assert.deepEqual(all.slice(0, 2).map(fmt).sort(), ['cfg.a=a1', 'other=o1']);
      assert.deepEqual(all.slice(2).map(fmt), ['cfg.b=b1', 'other=o2', 'cfg.a=a2', 'cfg.b=<null>']);
      const revs = seen.map((c) => c.revision);
      assert.deepEqual(
        revs,
        [...revs].sort((x, y) => x - y),
        'revisions ascend',
      );
    });
  });
}

const nats = natsBackend();
contract(nats);
const embedded = embeddedBackend();
contract(embedded);

describe('bus durability [nats-server]', () => {
  test('messages published survive a nats-server stop and start [nats-server]', async () => {
    const server = await startNats();
    try {
      const bus = await createNatsBus(server.url);
      await bus.ensureStream({ name: 'JOBS', subjects: ['jobs.>'] });
      for (let i = 0; i < 3; i++) await bus.publish(`jobs.new.${i}`, enc(`m${i}`));
      await bus.close();
      await server.stop();
      await server.start();
      const again = await createNatsBus(server.url);
      const got: string[] = [];
      const sub = await again.consume({ stream: 'JOBS', name: 'worker' }, async (m) => {
        got.push(dec(m.data));
        await m.ack();
      });
      await waitFor('3 messages after restart', () => got.length >= 3);
      await sub.stop();
      await again.close();
      assert.deepEqual(got, ['m0', 'm1', 'm2']);
    } finally {
      await server.destroy();
    }
  });
});

describe('bus outage [nats-server]', () => {
  test('a running consumer and publisher carry on after a nats-server restart [nats-server]', async () => {
    const server = await startNats();
    try {
      const bus = await createNatsBus(server.url);
      await bus.ensureStream({ name: 'OUTAGE', subjects: ['outage.>'] });
      const got: string[] = [];
      const sub = await bus.consume({ stream: 'OUTAGE', name: 'c' }, async (m) => {
        got.push(dec(m.data));
        await m.ack();
      });
      await bus.publish('outage.1', enc('before'));
      await waitFor('before', () => got.length >= 1);
      await server.stop();
      await assert.rejects(
        bus.publish('outage.2', enc('during')),
        'no PubAck while the server is down',
      );
      await server.start();
      // The client reconnects by itself; a publish succeeds again within seconds.
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          await bus.publish('outage.3', enc('after'), { msgId: 'after' });
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(200);
        }
      }
      await waitFor('after', () => got.includes('after'), 20_000);
      await sub.stop();
      await bus.close();
      assert.equal(got.filter((g) => g === 'after').length, 1);
    } finally {
      await server.destroy();
    }
  });
});

describe('bus durability [embedded postgres]', () => {
  test('acked stays acked, unacked is redelivered, KV and dedupe survive close and reopen [embedded postgres]', async () => {
    const dir = await makeTempDir('postfleet-bus-reopen-');
    try {
      let sql = await createEmbeddedSql({ dir: join(dir.path, 'postgres') });
      let bus = await createEmbeddedBus(sql);
      await bus.ensureStream({ name: 'JOBS', subjects: ['jobs.>'] });
      await bus.publish('jobs.new.a', enc('acked'), { msgId: 'A' });
      await bus.publish('jobs.new.b', enc('unacked'), { msgId: 'B' });
      await (await bus.kv('config')).put('main.cf', enc('myhostname=mx'));
      const first: string[] = [];
      const sub = await bus.consume({ stream: 'JOBS', name: 'worker' }, async (m) => {
        first.push(dec(m.data));
        if (dec(m.data) === 'acked') await m.ack();
      });
      await waitFor('both delivered', () => first.length >= 2);
      await sub.stop();
      await bus.close();
      await sql.close();

      sql = await createEmbeddedSql({ dir: join(dir.path, 'postgres') });
      bus = await createEmbeddedBus(sql);
      const dup = await bus.publish('jobs.new.a', enc('acked again'), { msgId: 'A' });
      assert.equal(dup.duplicate, true, 'dedupe window survives a restart');
      const next = await bus.publish('jobs.new.c', enc('new'));
      assert.equal(next.seq, 3, 'sequence continues after restart');
      const second: StreamMessage[] = [];
      const sub2 = await bus.consume({ stream: 'JOBS', name: 'worker' }, async (m) => {
        second.push(m);
        await m.ack();
      });
      await waitFor('redelivery after restart', () => second.length >= 2);
      await sleep(300);
      await sub2.stop();
      assert.deepEqual(
        second.map((m) => [dec(m.data), m.deliveryCount]),
        [
          ['unacked', 2],
          ['new', 1],
        ],
      );
      assert.equal(
        dec((await (await bus.kv('config')).get('main.cf'))?.value ?? null),
        'myhostname=mx',
      );
      await bus.close();
      await sql.close();
    } finally {
      await dir.remove();
    }
  });
});
