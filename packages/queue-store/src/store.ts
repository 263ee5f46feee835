// Statements on the queue tables: qmgr adds messages (group-committed: many
// messages per commit), delivery leases a job's recipients, applies the results
// of an attempt only to recipients still waiting (so a repeated job cannot
// record or deliver twice), and settles the message's queue; the queue tools list
// and change it. Functions that take `q` run inside the caller's transaction.
import { groupCommit, valuesList, type Sql, type SqlQueryable } from '@postfleet/sql';
import { QUEUE_MIGRATIONS } from './schema.ts';
import { messageFromRow, recipientFromRow, type MessageRow, type RecipientRow } from './rows.ts';
import type {
  NewQueueEntry,
  RecipientOutcome,
  StoredMessage,
  StoredQueueName,
  StoredRecipient,
} from './types.ts';

const WAITING = `status IN ('pending', 'deferred')`;

export interface ClaimOptions {
  /** How long the lease holds if its holder dies mid-delivery. */
  leaseMs: number;
  /** Only recipients whose next attempt is due by then. */
  dueBy: Date;
  /** Cluster-wide per-destination concurrency: at most max jobs leased for transport + nexthop. */
  limit?: { transport: string; nexthop: string; max: number };
}

export interface QueueStore {
  readonly sql: Sql;
  /** Store a message taken off the incoming stream; one already stored stays as it is. */
  add(entry: NewQueueEntry): Promise<void>;
  message(queueId: string, q?: SqlQueryable): Promise<StoredMessage | null>;
  recipients(queueId: string, job?: number, q?: SqlQueryable): Promise<StoredRecipient[]>;
  /** Lease the job's due, unleased waiting recipients; 'busy' when the destination is at its limit. */
  claim(queueId: string, job: number, opts: ClaimOptions): Promise<StoredRecipient[] | 'busy'>;
  /** Give a job's leases back without a result (shutdown, hold). */
  release(queueId: string, job: number): Promise<void>;
  /** Apply outcomes to the recipients still waiting; returns the indexes it changed. */
  applyOutcomes(q: SqlQueryable, queueId: string, outcomes: RecipientOutcome[]): Promise<number[]>;
  /**
   * After outcomes: the message goes to deferred when nothing is left to try now, to active
   * when something is; returns how many recipients still wait and every recipient row.
   */
  settle(
    q: SqlQueryable,
    queueId: string,
  ): Promise<{ waiting: number; recipients: StoredRecipient[] }>;
  /** Remove messages (and their recipients) from the queue. */
  remove(q: SqlQueryable, queueIds: string[]): Promise<void>;
  setQueue(
    q: SqlQueryable,
    queueIds: string[],
    queueName: StoredQueueName,
    reason?: string | null,
  ): Promise<void>;
  markDelayWarned(q: SqlQueryable, queueId: string): Promise<void>;
  /** Give waiting recipients new routes (postsuper -r); they become due now. */
  reroute(
    q: SqlQueryable,
    queueId: string,
    routes: { index: number; transport: string; nexthop: string; job: number }[],
  ): Promise<void>;
  /** Make waiting recipients due now (flush); returns the jobs that have any. */
  makeDue(
    q: SqlQueryable,
    filter: { queueId?: string; nexthop?: string },
  ): Promise<{ queueId: string; transport: string; job: number }[]>;
  /** Messages (optionally of one queue) in arrival order, with their recipients. */
  list(
    queueName?: StoredQueueName,
  ): Promise<{ message: StoredMessage; recipients: StoredRecipient[] }[]>;
  ids(filter: { queueName?: StoredQueueName }): Promise<string[]>;
  drain(): Promise<void>;
}

export async function openQueueStore(sql: Sql): Promise<QueueStore> {
  await sql.migrate('queue', QUEUE_MIGRATIONS);

  const adds = groupCommit<NewQueueEntry>(async (entries) => {
    const messageParams = entries.flatMap((e) => [
      e.record.queueId,
      e.queueName,
      e.record.sender,
      e.record.size,
      e.record.arrivalTime,
      JSON.stringify(e.record),
      e.reason ?? null,
    ]);
    const rcpts = entries.flatMap((e) =>
      e.recipients.map((r) => [
        e.record.queueId,
        r.index,
        r.address,
        r.original,
        r.orcpt ?? null,
        r.notify ? r.notify.join(',') : null,
        r.transport,
        r.nexthop,
        r.job,
      ]),
    );
    await sql.transaction(async (tx) => {
      const inserted = await tx.query<{ queue_id: string }>(
        `INSERT INTO queue_messages (queue_id, queue_name, sender, size, arrival, record, reason)
         VALUES ${valuesList(entries.length, 7)}
         ON CONFLICT (queue_id) DO NOTHING RETURNING queue_id`,
        messageParams,
      );
      // recipients only for messages this statement added: a repeated add changes nothing
      const fresh = new Set(inserted.rows.map((r) => r.queue_id));
      const rows = rcpts.filter((r) => fresh.has(r[0] as string));
      for (let i = 0; i < rows.length; i += 5000) {
        const chunk = rows.slice(i, i + 5000);
        await tx.query(
          `INSERT INTO queue_recipients
             (queue_id, rcpt_index, address, original, orcpt, notify, transport, nexthop, job)
           VALUES ${valuesList(chunk.length, 9)}`,
          chunk.flat(),
        );
      }
    });
  }, 200);

  const message = async (queueId: string, q: SqlQueryable = sql) => {
    const r = await q.query<MessageRow>('SELECT * FROM queue_messages WHERE queue_id = $1', [
      queueId,
    ]);
    return r.rows[0] ? messageFromRow(r.rows[0]) : null;
  };

  const recipients = async (queueId: string, job?: number, q: SqlQueryable = sql) => {
    const r =
      job === undefined
        ? await q.query<RecipientRow>(
            'SELECT * FROM queue_recipients WHERE queue_id = $1 ORDER BY rcpt_index',
            [queueId],
          )
        : await q.query<RecipientRow>(
            'SELECT * FROM queue_recipients WHERE queue_id = $1 AND job = $2 ORDER BY rcpt_index',
            [queueId, job],
          );
    return r.rows.map(recipientFromRow);
  };

  const listIn = async (
    q: SqlQueryable,
    queueName?: StoredQueueName,
  ): Promise<{ message: StoredMessage; recipients: StoredRecipient[] }[]> => {
    const m = await q.query<MessageRow>(
      `SELECT * FROM queue_messages WHERE ($1::text IS NULL OR queue_name = $1)
         ORDER BY arrival, queue_id`,
      [queueName ?? null],
    );
    const ids = m.rows.map((r) => r.queue_id);
    const rc = await q.query<RecipientRow>(
      'SELECT * FROM queue_recipients WHERE queue_id = ANY($1) ORDER BY queue_id, rcpt_index',
      [ids],
    );
    const byId = new Map<string, StoredRecipient[]>();
    for (const row of rc.rows) {
      const list = byId.get(row.queue_id) ?? [];
      list.push(recipientFromRow(row));
      byId.set(row.queue_id, list);
    }
    return m.rows.map((row) => ({
      message: messageFromRow(row),
      recipients: byId.get(row.queue_id) ?? [],
    }));
  };

  return {
    sql,
    add: (entry) => adds.add(entry),
    message,
    recipients,

    claim: (queueId, job, opts) =>
      sql.transaction(async (tx) => {
        if (opts.limit) {
          const { transport, nexthop, max } = opts.limit;
          await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
            `queue-destination ${transport} ${nexthop}`,
          ]);
          const busy = await tx.query<{ n: string }>(
            `SELECT count(*) AS n FROM (SELECT DISTINCT queue_id, job FROM queue_recipients
               WHERE transport = $1 AND nexthop = $2 AND lease_until > now()
                 AND NOT (queue_id = $3 AND job = $4)) AS held`,
            [transport, nexthop, queueId, job],
          );
          if (Number(busy.rows[0]?.n ?? 0) >= max) return 'busy' as const;
        }
        const r = await tx.query<RecipientRow>(
          `UPDATE queue_recipients SET lease_until = now() + $3 * interval '1 millisecond'
           WHERE queue_id = $1 AND job = $2 AND ${WAITING}
             AND (next_attempt IS NULL OR next_attempt <= $4)
             AND (lease_until IS NULL OR lease_until < now())
           RETURNING *`,
          [queueId, job, opts.leaseMs, opts.dueBy],
        );
        return r.rows.map(recipientFromRow).sort((a, b) => a.index - b.index);
      }),

    release: async (queueId, job) => {
      await sql.query(
        'UPDATE queue_recipients SET lease_until = NULL WHERE queue_id = $1 AND job = $2',
        [queueId, job],
      );
    },

    applyOutcomes: async (q, queueId, outcomes) => {
      if (outcomes.length === 0) return [];
      const params = outcomes.flatMap((o) => [
        o.index,
        o.status,
        o.dsn,
        o.reply,
        o.relay,
        o.diagnostic ?? null,
        o.nextAttempt ?? null,
      ]);
      const r = await q.query<{ rcpt_index: number }>(
        `UPDATE queue_recipients AS r SET status = v.status, dsn = v.dsn, reply = v.reply,
           relay = v.relay, diagnostic = v.diagnostic, next_attempt = v.next_attempt::timestamptz,
           attempts = r.attempts + 1, last_attempt = now(), lease_until = NULL
         FROM (VALUES ${valuesList(outcomes.length, 7)})
           AS v(rcpt_index, status, dsn, reply, relay, diagnostic, next_attempt)
         WHERE r.queue_id = $${params.length + 1} AND r.rcpt_index = v.rcpt_index::integer
           AND r.${WAITING}
         RETURNING r.rcpt_index`,
        [...params, queueId],
      );
      return r.rows.map((x) => x.rcpt_index);
    },

    settle: async (q, queueId) => {
      const all = await recipients(queueId, undefined, q);
      const waiting = all.filter((r) => r.status === 'pending' || r.status === 'deferred');
      if (waiting.length > 0) {
        const queueName = waiting.some((r) => r.status === 'pending') ? 'active' : 'deferred';
        await q.query(
          `UPDATE queue_messages SET queue_name = $2, updated_at = now()
           WHERE queue_id = $1 AND queue_name IN ('active', 'deferred') AND queue_name <> $2`,
          [queueId, queueName],
        );
      }
      return { waiting: waiting.length, recipients: all };
    },

    remove: async (q, queueIds) => {
      if (queueIds.length === 0) return;
      await q.query('DELETE FROM queue_messages WHERE queue_id = ANY($1)', [queueIds]);
    },

    setQueue: async (q, queueIds, queueName, reason = null) => {
      if (queueIds.length === 0) return;
      await q.query(
        `UPDATE queue_messages SET queue_name = $2, reason = $3, updated_at = now()
         WHERE queue_id = ANY($1)`,
        [queueIds, queueName, reason],
      );
    },

    markDelayWarned: async (q, queueId) => {
      await q.query('UPDATE queue_messages SET delay_warned = true WHERE queue_id = $1', [queueId]);
    },

    reroute: async (q, queueId, routes) => {
      if (routes.length === 0) return;
      const params = routes.flatMap((r) => [r.index, r.transport, r.nexthop, r.job]);
      await q.query(
        `UPDATE queue_recipients AS r SET transport = v.transport, nexthop = v.nexthop,
           job = v.job::integer, next_attempt = NULL, lease_until = NULL
         FROM (VALUES ${valuesList(routes.length, 4)}) AS v(rcpt_index, transport, nexthop, job)
         WHERE r.queue_id = $${params.length + 1} AND r.rcpt_index = v.rcpt_index::integer
           AND r.${WAITING}`,
        [...params, queueId],
      );
    },

    makeDue: async (q, filter) => {
      const r = await q.query<{ queue_id: string; transport: string; job: number }>(
        `UPDATE queue_recipients AS r SET next_attempt = NULL
         FROM queue_messages m
         WHERE m.queue_id = r.queue_id AND m.queue_name IN ('active', 'deferred')
           AND r.${WAITING}
           AND ($1::text IS NULL OR r.queue_id = $1)
           AND ($2::text IS NULL OR r.nexthop = $2 OR r.address ILIKE '%@' || $2)
         RETURNING r.queue_id, r.transport, r.job`,
        [filter.queueId ?? null, filter.nexthop ?? null],
      );
      const jobs = new Map<string, { queueId: string; transport: string; job: number }>();
      for (const row of r.rows)
        jobs.set(`${row.queue_id}.${row.job}`, {
          queueId: row.queue_id,
          transport: row.transport,
          job: row.job,
        });
      return [...jobs.values()];
    },

    // one snapshot for both statements: a message and its recipients as of the same moment
    list: (queueName) =>
      sql.transaction(async (tx) => {
        await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        return listIn(tx, queueName);
      }),

    ids: async ({ queueName }) => {
      const r = await sql.query<{ queue_id: string }>(
        `SELECT queue_id FROM queue_messages WHERE ($1::text IS NULL OR queue_name = $1)
         ORDER BY arrival, queue_id`,
        [queueName ?? null],
      );
      return r.rows.map((x) => x.queue_id);
    },

    drain: () => adds.drain(),
  };
}
