// Embedded durable streams and consumers: messages and per-consumer delivery
// state live in memory and are written through to the bus_* tables (a publish
// is acknowledged once its row is committed; concurrent publishes and state
// changes share one commit each: groupCommit in @postfleet/sql), delivery is push-driven, and
// one timer per consumer fires the next nak-delay or ack-wait.
import type {
  BusHeaders,
  ConsumerSpec,
  PublishAck,
  PublishOptions,
  StreamHandler,
  StreamMessage,
  StreamSpec,
  Subscription,
} from './types.ts';
import { subjectMatches } from './subject.ts';
import { HANDLER_FAILED_NAK_MS } from './constants.ts';
import { groupCommit, lastPerKey, valuesList, type Sql, type SqlQueryable } from '@postfleet/sql';

const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
const DEFAULT_ACK_WAIT_MS = 30_000;
const DEFAULT_MAX_IN_FLIGHT = 16;

interface Instance {
  handler: StreamHandler;
  maxInFlight: number;
  held: number;
  running: Set<Promise<void>>;
}

interface Entry {
  seq: number;
  subject: string;
  data: Uint8Array;
  headers: BusHeaders;
  deliveries: number;
  /** Not delivered before this time (nak delay). */
  nextAt: number;
  /** The instance holding it now, until ack/nak/term or the ack-wait deadline. */
  holder: Instance | null;
  deadline: number;
  /** Bumped on every delivery, so a stale delivery's nak/working is ignored. */
  delivery: number;
}

interface Consumer {
  stream: Stream;
  name: string;
  spec: ConsumerSpec;
  entries: Map<number, Entry>;
  instances: Instance[];
  next: number;
  loading: boolean;
  timer: NodeJS.Timeout | null;
}

interface Stream {
  spec: StreamSpec;
  lastSeq: number;
  dedupe: Map<string, { seq: number; at: number }>;
  consumers: Map<string, Consumer>;
}

interface MessageRow {
  seq: string | number;
  subject: string;
  data: Uint8Array;
  headers: string;
  deliveries: number | null;
  next_at: string | number | null;
}

export interface EmbeddedStreams {
  ensureStream: (spec: StreamSpec) => Promise<void>;
  publish: (subject: string, data: Uint8Array, opts?: PublishOptions) => Promise<PublishAck>;
  consume: (spec: ConsumerSpec, handler: StreamHandler) => Promise<Subscription>;
  close: () => Promise<void>;
}

const windowOf = (spec: StreamSpec): number =>
  spec.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;

interface MessageInsert {
  stream: string;
  seq: number;
  subject: string;
  data: Uint8Array;
  headers: string;
  msgId: string | null;
  publishedAt: number;
}

interface StateUpsert {
  stream: string;
  consumer: string;
  seq: number;
  state: string;
  deliveries: number;
  nextAt: number;
}

export async function embeddedStreams(sql: Sql): Promise<EmbeddedStreams> {
  const streams = new Map<string, Stream>();
  const subs = new Set<Subscription>();
  let closed = false;
  let publishes = 0;

  const loadStream = async (spec: StreamSpec): Promise<Stream> => {
    const max = await sql.query<{ max: string | number | null }>(
      'SELECT max(seq) AS max FROM bus_message WHERE stream = $1',
      [spec.name],
    );
    const since = Date.now() - windowOf(spec);
    const ids = await sql.query<{
      msg_id: string;
      seq: string | number;
      published_at: string | number;
    }>(
      `SELECT msg_id, seq, published_at FROM bus_message
       WHERE stream = $1 AND msg_id IS NOT NULL AND published_at > $2`,
      [spec.name, since],
    );
    const dedupe = new Map<string, { seq: number; at: number }>();
    for (const r of ids.rows)
      dedupe.set(r.msg_id, { seq: Number(r.seq), at: Number(r.published_at) });
    return { spec, lastSeq: Number(max.rows[0]?.max ?? 0), dedupe, consumers: new Map() };
  };

  const saved = await sql.query<{
    name: string;
    subjects: string;
    duplicate_window_ms: number;
    retention: string;
  }>('SELECT name, subjects, duplicate_window_ms, retention FROM bus_stream');
  for (const r of saved.rows) {
    const spec: StreamSpec = {
      name: r.name,
      subjects: JSON.parse(r.subjects) as string[],
      duplicateWindowMs: r.duplicate_window_ms,
      retention: r.retention === 'workqueue' ? 'workqueue' : 'limits',
    };
    streams.set(r.name, await loadStream(spec));
  }

  const messageWrites = groupCommit<MessageInsert>(async (rows) => {
    const params = rows.flatMap((r) => [
      r.stream,
      r.seq,
      r.subject,
      r.data,
      r.headers,
      r.msgId,
      r.publishedAt,
    ]);
    await sql.query(
      `INSERT INTO bus_message (stream, seq, subject, data, headers, msg_id, published_at)
       VALUES ${valuesList(rows.length, 7)}`,
      params,
    );
  });

  const stateWrites = groupCommit<StateUpsert>(async (rows) => {
    // One row per key and batch (an upsert may not touch a row twice): the last wins.
    const unique = lastPerKey(rows, (r) => `${r.stream}\0${r.consumer}\0${r.seq}`);
    const kept = unique.filter((r) => r.state !== 'removed');
    const removedByStream = new Map<string, number[]>();
    for (const r of unique) {
      if (r.state !== 'removed') continue;
      const seqs = removedByStream.get(r.stream) ?? [];
      seqs.push(r.seq);
      removedByStream.set(r.stream, seqs);
    }
    const params = kept.flatMap((r) => [
      r.stream,
      r.consumer,
      r.seq,
      r.state,
      r.deliveries,
      r.nextAt,
    ]);
    const write = async (q: SqlQueryable): Promise<void> => {
      if (kept.length > 0)
        await q.query(
          `INSERT INTO bus_consumer_state (stream, consumer, seq, state, deliveries, next_at)
           VALUES ${valuesList(kept.length, 6)}
           ON CONFLICT (stream, consumer, seq) DO UPDATE
           SET state = EXCLUDED.state, deliveries = EXCLUDED.deliveries, next_at = EXCLUDED.next_at`,
          params,
        );
      // workqueue streams: a settled message leaves the stream (and its delivery state)
      for (const [stream, seqs] of removedByStream) {
        await q.query('DELETE FROM bus_consumer_state WHERE stream = $1 AND seq = ANY($2)', [
          stream,
          seqs,
        ]);
        await q.query('DELETE FROM bus_message WHERE stream = $1 AND seq = ANY($2)', [
          stream,
          seqs,
        ]);
      }
    };
    if (removedByStream.size === 0) await write(sql);
    else await sql.transaction(write);
  });

  /** limits retention with a maximal age: old messages and their delivery state go. */
  const dropExpired = async (stream: string, before: number): Promise<void> => {
    await sql
      .transaction(async (tx) => {
        const old = await tx.query<{ seq: string }>(
          'DELETE FROM bus_message WHERE stream = $1 AND published_at < $2 RETURNING seq',
          [stream, before],
        );
        if (old.rows.length > 0)
          await tx.query('DELETE FROM bus_consumer_state WHERE stream = $1 AND seq = ANY($2)', [
            stream,
            old.rows.map((r) => r.seq),
          ]);
      })
      .catch(() => undefined);
  };

  const saveState = (c: Consumer, e: Entry, state: string): Promise<void> =>
    stateWrites.add({
      stream: c.stream.spec.name,
      consumer: c.name,
      seq: e.seq,
      state,
      deliveries: e.deliveries,
      nextAt: e.nextAt,
    });

  const release = (e: Entry): void => {
    if (e.holder) e.holder.held -= 1;
    e.holder = null;
  };

  const exhausted = (c: Consumer, e: Entry): boolean => {
    const max = c.spec.maxDeliver ?? -1;
    return max > 0 && e.deliveries >= max;
  };

  /** Removes a message from the consumer for good: acked, termed, or out of deliveries. */
  const finish = async (
    c: Consumer,
    e: Entry,
    state: 'acked' | 'termed' | 'dead',
  ): Promise<void> => {
    if (c.entries.get(e.seq) !== e) return;
    c.entries.delete(e.seq);
    release(e);
    dispatch(c);
    await saveState(c, e, c.stream.spec.retention === 'workqueue' ? 'removed' : state);
  };

  const schedule = (c: Consumer): void => {
    if (c.timer) clearTimeout(c.timer);
    c.timer = null;
    if (closed) return;
    const now = Date.now();
    let soonest = Infinity;
    for (const e of c.entries.values()) {
      if (e.holder) soonest = Math.min(soonest, e.deadline);
      else if (e.nextAt > now) soonest = Math.min(soonest, e.nextAt);
    }
    if (soonest === Infinity) return;
    c.timer = setTimeout(() => onTimer(c), Math.max(0, soonest - now) + 1);
    c.timer.unref();
  };

  const onTimer = (c: Consumer): void => {
    c.timer = null;
    const now = Date.now();
    for (const e of [...c.entries.values()]) {
      if (!e.holder || e.deadline > now) continue;
      release(e);
      if (exhausted(c, e)) void finish(c, e, 'dead').catch(() => undefined);
    }
    dispatch(c);
  };

  const pickInstance = (c: Consumer): Instance | null => {
    for (let i = 0; i < c.instances.length; i++) {
      const inst = c.instances[(c.next + i) % c.instances.length]!;
      if (inst.held < inst.maxInFlight) {
        c.next = (c.next + i + 1) % c.instances.length;
        return inst;
      }
    }
    return null;
  };

  const dispatch = (c: Consumer): void => {
    if (closed || c.loading) return;
    const now = Date.now();
    for (const e of c.entries.values()) {
      if (e.holder || e.nextAt > now) continue;
      const inst = pickInstance(c);
      if (!inst) break;
      deliver(c, e, inst);
    }
    schedule(c);
  };

  const deliver = (c: Consumer, e: Entry, inst: Instance): void => {
    e.holder = inst;
    inst.held += 1;
    e.deliveries += 1;
    e.nextAt = 0;
    e.deadline = Date.now() + (c.spec.ackWaitMs ?? DEFAULT_ACK_WAIT_MS);
    e.delivery += 1;
    const delivery = e.delivery;
    const current = (): boolean => e.delivery === delivery && e.holder === inst;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      return true;
    };
    const msg: StreamMessage = {
      subject: e.subject,
      data: e.data,
      headers: { ...e.headers },
      seq: e.seq,
      deliveryCount: e.deliveries,
      ack: async () => {
        if (settle()) await finish(c, e, 'acked');
      },
      term: async () => {
        if (settle()) await finish(c, e, 'termed');
      },
      nak: async (delayMs?: number) => {
        if (!settle() || !current()) return;
        release(e);
        if (exhausted(c, e)) return finish(c, e, 'dead');
        e.nextAt = delayMs && delayMs > 0 ? Date.now() + delayMs : 0;
        dispatch(c);
        await saveState(c, e, 'pending');
      },
      working: async () => {
        if (settled || !current()) return;
        e.deadline = Date.now() + (c.spec.ackWaitMs ?? DEFAULT_ACK_WAIT_MS);
        schedule(c);
      },
    };
    const run = (async () => {
      // Record the delivery count first, so a restart counts this delivery.
      await saveState(c, e, 'pending');
      try {
        await inst.handler(msg);
      } catch {
        if (!settled) await msg.nak(HANDLER_FAILED_NAK_MS).catch(() => undefined);
      }
    })().catch(() => undefined);
    inst.running.add(run);
    void run.finally(() => inst.running.delete(run));
  };

  const loadConsumer = async (c: Consumer): Promise<void> => {
    const rows = await sql.query<MessageRow>(
      `SELECT m.seq, m.subject, m.data, m.headers, s.deliveries, s.next_at
       FROM bus_message m
       LEFT JOIN bus_consumer_state s ON s.stream = m.stream AND s.consumer = $2 AND s.seq = m.seq
       WHERE m.stream = $1 AND (s.state IS NULL OR s.state = 'pending')
       ORDER BY m.seq`,
      [c.stream.spec.name, c.name],
    );
    const merged = new Map(c.entries);
    for (const r of rows.rows) {
      const seq = Number(r.seq);
      if (merged.has(seq)) continue;
      if (c.spec.filterSubject && !subjectMatches(c.spec.filterSubject, r.subject)) continue;
      const e: Entry = {
        seq,
        subject: r.subject,
        data: r.data,
        headers: JSON.parse(r.headers) as BusHeaders,
        deliveries: r.deliveries ?? 0,
        nextAt: Number(r.next_at ?? 0),
        holder: null,
        deadline: 0,
        delivery: 0,
      };
      // Delivered as often as allowed before a restart: nobody holds it any more.
      if (exhausted(c, e)) continue;
      merged.set(seq, e);
    }
    c.entries = new Map([...merged].sort((a, b) => a[0] - b[0]));
  };

  const getConsumer = async (spec: ConsumerSpec): Promise<Consumer> => {
    const stream = streams.get(spec.stream);
    if (!stream) throw new Error(`bus: stream ${spec.stream} not found`);
    let c = stream.consumers.get(spec.name);
    if (c) {
      c.spec = spec;
      return c;
    }
    c = {
      stream,
      name: spec.name,
      spec,
      entries: new Map(),
      instances: [],
      next: 0,
      loading: true,
      timer: null,
    };
    // Registered before loading: a publish from now on lands in entries, earlier ones are in the table.
    stream.consumers.set(spec.name, c);
    try {
      await loadConsumer(c);
    } catch (err) {
      stream.consumers.delete(spec.name);
      throw err;
    }
    c.loading = false;
    return c;
  };

  return {
    ensureStream: async (spec) => {
      await sql.query(
        `INSERT INTO bus_stream (name, subjects, duplicate_window_ms, retention)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET subjects = EXCLUDED.subjects,
           duplicate_window_ms = EXCLUDED.duplicate_window_ms`,
        [spec.name, JSON.stringify(spec.subjects), windowOf(spec), spec.retention ?? 'limits'],
      );
      const existing = streams.get(spec.name);
      // retention is fixed when the stream is created, as on NATS
      if (existing) existing.spec = { ...spec, retention: existing.spec.retention };
      else streams.set(spec.name, await loadStream(spec));
    },

    publish: async (subject, data, opts) => {
      const stream = [...streams.values()].find((s) =>
        s.spec.subjects.some((p) => subjectMatches(p, subject)),
      );
      if (!stream) throw new Error(`bus: no stream captures subject ${subject}`);
      const now = Date.now();
      const name = stream.spec.name;
      const msgId = opts?.msgId;
      if (msgId) {
        const seen = stream.dedupe.get(msgId);
        if (seen && now - seen.at < windowOf(stream.spec)) {
          return { stream: name, seq: seen.seq, duplicate: true };
        }
      }
      if (++publishes % 1000 === 0) {
        for (const [id, d] of stream.dedupe) {
          if (now - d.at >= windowOf(stream.spec)) stream.dedupe.delete(id);
        }
        if (stream.spec.maxAgeMs) void dropExpired(stream.spec.name, now - stream.spec.maxAgeMs);
      }
      const seq = ++stream.lastSeq;
      if (msgId) stream.dedupe.set(msgId, { seq, at: now });
      const copy = data.slice();
      const headers = { ...opts?.headers };
      try {
        await messageWrites.add({
          stream: name,
          seq,
          subject,
          data: copy,
          headers: JSON.stringify(headers),
          msgId: msgId ?? null,
          publishedAt: now,
        });
      } catch (err) {
        if (msgId) stream.dedupe.delete(msgId);
        throw err;
      }
      for (const c of stream.consumers.values()) {
        if (c.spec.filterSubject && !subjectMatches(c.spec.filterSubject, subject)) continue;
        c.entries.set(seq, {
          seq,
          subject,
          data: copy,
          headers,
          deliveries: 0,
          nextAt: 0,
          holder: null,
          deadline: 0,
          delivery: 0,
        });
        dispatch(c);
      }
      return { stream: name, seq, duplicate: false };
    },

    consume: async (spec, handler) => {
      const c = await getConsumer(spec);
      const inst: Instance = {
        handler,
        maxInFlight: spec.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
        held: 0,
        running: new Set(),
      };
      c.instances.push(inst);
      dispatch(c);
      const sub: Subscription = {
        stop: async () => {
          subs.delete(sub);
          c.instances = c.instances.filter((i) => i !== inst);
          // What it still holds comes back to the others when its ack wait expires.
          await Promise.allSettled([...inst.running]);
        },
      };
      subs.add(sub);
      return sub;
    },

    close: async () => {
      await Promise.allSettled([...subs].map((s) => s.stop()));
      closed = true;
      await Promise.all([messageWrites.drain(), stateWrites.drain()]);
      for (const s of streams.values()) {
        for (const c of s.consumers.values()) if (c.timer) clearTimeout(c.timer);
      }
    },
  };
}
