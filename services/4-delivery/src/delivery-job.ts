// One delivery job, start to finish (Postfix's qmgr handing a message to a
// delivery agent and collecting its results): lease the job's due recipients
// (remote transports: at most N jobs per destination across every replica), run
// the transport, then in one transaction record each result — deferred ones
// with their next attempt, expired ones as bounces — and settle the message:
// removed when nothing more is owed, a notice to qmgr when DSNs are. The job
// comes back (nak with delay) while any of its recipients is deferred.
import type { BlobStore } from '@postfleet/blob';
import type { Bus, StreamHandler, StreamMessage } from '@postfleet/bus';
import { globalSetting, type RuntimeConfig } from '@postfleet/config';
import { mailboxEventSubject, type DeliveredMessage } from '@postfleet/mailbox-store';
import {
  noticeSubject,
  parseDeliverySubject,
  queueBlobKey,
  type DsnNotify,
} from '@postfleet/queue-record';
import type {
  QueueStore,
  RecipientOutcome,
  StoredMessage,
  StoredRecipient,
} from '@postfleet/queue-store';
import type { Logger } from '@postfleet/service-kit';
import type { Sql, SqlQueryable } from '@postfleet/sql';
import { backoffMs, delayNoticeDue, expired } from './delivery-schedule.ts';
import { mailboxAttempt } from './transport-mailbox.ts';
import { discardTransport, errorTransport } from './transport-simple.ts';
import type { RecipientResult, Transport, TransportJob } from './transport-types.ts';

/** Transports whose delivery leaves this system: leased, and limited per destination. */
const REMOTE = new Set(['smtp', 'relay', 'lmtp']);
const MAILBOX = new Set(['local', 'virtual']);
/** A lease outlives the longest SMTP dialogue (smtp_data_done_timeout is 600 s). */
const LEASE_MS = 15 * 60_000;
/** Retry soon when the destination is at its concurrency limit. */
const BUSY_RETRY_MS = 500;

export interface JobDeps {
  store: QueueStore;
  sql: Sql;
  bus: Bus;
  blob: BlobStore;
  config: () => RuntimeConfig;
  log: Logger;
  /** smtp/relay (the same client) and lmtp. */
  remote: { smtp: Transport; lmtp: Transport };
  now?: () => Date;
}

/** RFC 3461: without NOTIFY, failures are reported and successes are not. */
const wants = (notify: DsnNotify[] | undefined, kind: DsnNotify): boolean =>
  !notify || notify.length === 0 ? kind !== 'SUCCESS' : notify.includes(kind);

/** The message owes its sender (or the postmaster) a notice once final. */
function noticeOwed(message: StoredMessage, rcpts: StoredRecipient[]): boolean {
  return rcpts.some(
    (r) =>
      (r.status === 'bounced' && (message.sender !== '' ? wants(r.notify, 'FAILURE') : true)) ||
      (r.status === 'sent' && message.sender !== '' && wants(r.notify, 'SUCCESS')),
  );
}

function concurrencyLimit(config: RuntimeConfig, transport: string): number {
  const s = config.settings;
  const own =
    transport === 'smtp'
      ? globalSetting(s, 'smtp_destination_concurrency_limit')
      : transport === 'relay'
        ? globalSetting(s, 'relay_destination_concurrency_limit')
        : globalSetting(s, 'lmtp_destination_concurrency_limit');
  return Math.max(1, own > 0 ? own : globalSetting(s, 'default_destination_concurrency_limit'));
}

const isWaiting = (r: StoredRecipient): boolean =>
  r.status === 'pending' || r.status === 'deferred';

export function deliveryHandler(deps: JobDeps): StreamHandler {
  const now = deps.now ?? (() => new Date());

  /** Removal or a final notice for a message with nothing left to try (idempotent). */
  const finish = async (
    tx: SqlQueryable,
    message: StoredMessage,
    rcpts: StoredRecipient[],
  ): Promise<'removed' | 'notice'> => {
    if (noticeOwed(message, rcpts)) return 'notice';
    await deps.store.remove(tx, [message.queueId]);
    return 'removed';
  };

  const afterFinish = async (message: StoredMessage, how: 'removed' | 'notice'): Promise<void> => {
    if (how === 'notice')
      await deps.bus.publish(noticeSubject('final', message.queueId), new Uint8Array(), {
        msgId: `final.${message.queueId}`,
      });
    else {
      await deps.blob
        .delete(message.record.blobKey || queueBlobKey(message.queueId))
        .catch((err: unknown) =>
          deps.log.warn({ queue_id: message.queueId, err }, 'could not remove the queue blob'),
        );
      deps.log.info({ queue_id: message.queueId }, `${message.queueId}: removed`);
    }
  };

  const logResult = (message: StoredMessage, r: StoredRecipient, o: RecipientOutcome): void => {
    const delay = ((now().getTime() - message.arrival.getTime()) / 1000).toFixed(2);
    const orig = r.original && r.original !== r.address ? `, orig_to=<${r.original}>` : '';
    const status = o.status === 'discarded' ? 'sent' : o.status;
    const line = `${message.queueId}: to=<${r.address}>${orig}, relay=${o.relay}, delay=${delay}, dsn=${o.dsn}, status=${status} (${o.reply})`;
    if (o.status === 'sent') deps.log.info({ queue_id: message.queueId }, line);
    else deps.log.warn({ queue_id: message.queueId }, line);
  };

  const run = async (msg: StreamMessage): Promise<void> => {
    const ref = parseDeliverySubject(msg.subject);
    if (!ref) {
      deps.log.error({ subject: msg.subject }, 'warning: malformed delivery job subject');
      await msg.term();
      return;
    }
    const config = deps.config();
    const message = await deps.store.message(ref.queueId);
    // gone (delivered, deleted) or held/corrupt: release and requeue publish new jobs
    if (!message || message.queueName === 'hold' || message.queueName === 'corrupt') {
      await msg.ack();
      return;
    }
    const t0 = now();
    const dueBy = new Date(t0.getTime() + 1000);
    let claimed: StoredRecipient[];
    if (REMOTE.has(ref.transport)) {
      const first = (await deps.store.recipients(ref.queueId, ref.job)).find(isWaiting);
      const got = await deps.store.claim(ref.queueId, ref.job, {
        leaseMs: LEASE_MS,
        dueBy,
        ...(first
          ? {
              limit: {
                transport: ref.transport,
                nexthop: first.nexthop,
                max: concurrencyLimit(config, ref.transport),
              },
            }
          : {}),
      });
      if (got === 'busy') {
        await msg.nak(BUSY_RETRY_MS + Math.floor(Math.random() * BUSY_RETRY_MS));
        return;
      }
      claimed = got;
    } else {
      claimed = (await deps.store.recipients(ref.queueId, ref.job)).filter(
        (r) => isWaiting(r) && (r.nextAttempt === null || r.nextAttempt <= dueBy),
      );
    }

    if (claimed.length === 0) {
      const all = await deps.store.recipients(ref.queueId);
      const mine = all.filter((r) => r.job === ref.job && isWaiting(r));
      if (mine.length > 0) {
        // not due yet (an early or duplicate job) or leased by another replica
        const next = Math.min(
          ...mine.map((r) => Math.max(r.nextAttempt?.getTime() ?? 0, r.leaseUntil?.getTime() ?? 0)),
        );
        await msg.nak(Math.max(1000, next - t0.getTime()));
        return;
      }
      if (!all.some(isWaiting)) {
        // everything is final but the message is still here: a crash after the results
        // were recorded; finish what that attempt started
        const how = await deps.store.sql.transaction((tx) => finish(tx, message, all));
        await afterFinish(message, how);
      }
      await msg.ack();
      return;
    }

    const job: TransportJob = {
      queueId: message.queueId,
      sender: message.sender,
      recipients: claimed.map((r) => ({
        index: r.index,
        address: r.address,
        original: r.original,
        ...(r.orcpt ? { orcpt: r.orcpt } : {}),
        ...(r.notify ? { notify: r.notify } : {}),
      })),
      transport: ref.transport,
      nexthop: claimed[0]?.nexthop ?? '',
      size: message.size,
      arrivalTime: message.record.arrivalTime,
      ...(message.record.bodyType ? { bodyType: message.record.bodyType } : {}),
      ...(message.record.smtputf8 ? { smtputf8: true } : {}),
      ...(message.record.envId ? { envId: message.record.envId } : {}),
      ...(message.record.ret ? { ret: message.record.ret } : {}),
      openMessage: () => deps.blob.get(message.record.blobKey),
    };

    // long dialogues keep the job: the bus would hand it to another replica after ack wait
    const keepalive = setInterval(() => void msg.working().catch(() => undefined), 20_000);
    let results: RecipientResult[];
    let write: ((tx: SqlQueryable, changed: number[]) => Promise<DeliveredMessage[]>) | undefined;
    try {
      if (!(await deps.blob.exists(message.record.blobKey))) {
        await deps.store.setQueue(
          deps.store.sql,
          [message.queueId],
          'corrupt',
          'message content missing',
        );
        deps.log.error(
          { queue_id: message.queueId },
          `${message.queueId}: message content ${message.record.blobKey} missing: moved to the corrupt queue`,
        );
        await msg.ack();
        return;
      }
      if (MAILBOX.has(ref.transport)) {
        const attempt = await mailboxAttempt({ blob: deps.blob, sql: deps.sql, config }, job);
        results = attempt.results;
        write = (tx, changed) => attempt.write(tx, changed);
      } else if (ref.transport === 'discard') results = await discardTransport(job);
      else if (ref.transport === 'error') results = await errorTransport(job);
      else if (ref.transport === 'smtp' || ref.transport === 'relay')
        results = await deps.remote.smtp(job);
      else if (ref.transport === 'lmtp') results = await deps.remote.lmtp(job);
      else
        results = job.recipients.map((r) => ({
          index: r.index,
          status: 'deferred' as const,
          dsn: '4.3.5',
          reply: `mail transport unavailable: ${ref.transport}`,
          relay: 'none',
        }));
    } catch (err) {
      // the transport itself failed (blob read, bug): every recipient is tried again later
      results = job.recipients.map((r) => ({
        index: r.index,
        status: 'deferred' as const,
        dsn: '4.3.0',
        reply: `delivery failed: ${(err as Error).message}`,
        relay: 'none',
      }));
    } finally {
      clearInterval(keepalive);
    }

    const at = now();
    const byIndex = new Map(claimed.map((r) => [r.index, r]));
    const outcomes: RecipientOutcome[] = results.map((res) => {
      const r = byIndex.get(res.index);
      if (
        res.status === 'deferred' &&
        expired(config.settings, message.arrival, message.sender, at)
      )
        return {
          ...res,
          status: 'bounced',
          reply: `${res.reply} (message expired after queue lifetime)`,
        };
      if (res.status !== 'deferred') return res;
      const attempts = (r?.attempts ?? 0) + 1;
      return { ...res, nextAttempt: new Date(at.getTime() + backoffMs(config.settings, attempts)) };
    });

    const outcome = await deps.store.sql.transaction(async (tx) => {
      const changed = await deps.store.applyOutcomes(tx, message.queueId, outcomes);
      const delivered = write ? await write(tx, changed) : [];
      const settled = await deps.store.settle(tx, message.queueId);
      let how: 'removed' | 'notice' | null = null;
      if (settled.waiting === 0) how = await finish(tx, message, settled.recipients);
      let delayNotice = false;
      if (
        settled.waiting > 0 &&
        !message.delayWarned &&
        message.sender !== '' &&
        outcomes.some((o) => o.status === 'deferred') &&
        delayNoticeDue(config.settings, message.arrival, at)
      ) {
        await deps.store.markDelayWarned(tx, message.queueId);
        delayNotice = true;
      }
      return { changed, delivered, how, delayNotice, settled };
    });

    const changed = new Set(outcome.changed);
    for (const o of outcomes) {
      const r = byIndex.get(o.index);
      if (r && changed.has(o.index)) logResult(message, r, o);
    }
    for (const d of outcome.delivered)
      await deps.bus
        .emit(
          mailboxEventSubject(d.owner),
          new TextEncoder().encode(
            JSON.stringify({ mailbox: d.mailbox, uid: d.uid, modseq: d.modseq }),
          ),
        )
        .catch(() => undefined);
    if (outcome.delayNotice)
      await deps.bus.publish(noticeSubject('delay', message.queueId), new Uint8Array(), {
        msgId: `delay.${message.queueId}`,
      });
    if (outcome.how) await afterFinish(message, outcome.how);

    const retry = outcomes
      .filter((o) => o.status === 'deferred' && o.nextAttempt && changed.has(o.index))
      .map((o) => (o.nextAttempt as Date).getTime());
    if (retry.length > 0) await msg.nak(Math.max(1000, Math.min(...retry) - now().getTime()));
    else await msg.ack();
  };

  return run;
}
