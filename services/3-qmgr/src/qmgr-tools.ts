// The queue tools' server side (postqueue -p/-f/-s, postsuper -h/-H/-r/-d, postcat):
// any qmgr replica answers, because the queue lives in the shared queue store.
// Targets are a queue id, ALL, a queue name (delete) or a domain (flush).
import { text } from 'node:stream/consumers';
import type { BlobStore } from '@postfleet/blob';
import type { Bus } from '@postfleet/bus';
import type { RuntimeConfig } from '@postfleet/config';
import { isQueueId, type QueueToolReply, type QueueToolRequest } from '@postfleet/queue-record';
import type { QueueStore, StoredQueueName } from '@postfleet/queue-store';
import type { Logger } from '@postfleet/service-kit';
import { publishJobs } from './qmgr-jobs.ts';
import { planRecipients } from './qmgr-route.ts';

export interface ToolDeps {
  store: QueueStore;
  bus: Bus;
  blob: BlobStore;
  config: () => RuntimeConfig;
  log: Logger;
}

const QUEUE_NAMES: readonly string[] = ['active', 'deferred', 'hold', 'corrupt'];
/** postcat shows at most this much of a message. */
const SHOW_LIMIT = 1024 * 1024;

export function queueTools(deps: ToolDeps): (req: QueueToolRequest) => Promise<QueueToolReply> {
  const { store } = deps;

  /** The ids a postsuper target names: one id, ALL, or (where allowed) a queue name. */
  const targetIds = async (target: string, queues: boolean): Promise<string[] | string> => {
    if (target === 'ALL') return store.ids({});
    if (queues && QUEUE_NAMES.includes(target))
      return store.ids({ queueName: target as StoredQueueName });
    if (isQueueId(target)) return (await store.message(target)) ? [target] : [];
    return `${target}: not a queue id${queues ? ', ALL or a queue name' : ' or ALL'}`;
  };

  const flush = async (filter: { queueId?: string; nexthop?: string }, reason: string) => {
    const jobs = await store.makeDue(store.sql, filter);
    await publishJobs(deps.bus, jobs, `${reason}${Date.now()}`);
    return jobs;
  };

  return async (req) => {
    switch (req.op) {
      case 'list': {
        if (req.queue !== undefined && !QUEUE_NAMES.includes(req.queue))
          return { ok: false, text: `unknown queue ${req.queue}` };
        const entries = await store.list(req.queue as StoredQueueName | undefined);
        return {
          ok: true,
          text: `${entries.length} messages`,
          data: entries.map(({ message, recipients }) => ({
            queueId: message.queueId,
            queue: message.queueName,
            size: message.size,
            arrival: message.arrival.toISOString(),
            sender: message.sender,
            reason: message.reason,
            recipients: recipients.map((r) => ({
              address: r.address,
              status: r.status,
              transport: r.transport,
              nexthop: r.nexthop,
              attempts: r.attempts,
              nextAttempt: r.nextAttempt?.toISOString() ?? null,
              reply: r.reply,
            })),
          })),
        };
      }
      case 'show': {
        const message = await store.message(req.queueId);
        if (!message) return { ok: false, text: `${req.queueId}: no such message in the queue` };
        const recipients = await store.recipients(req.queueId);
        let content = '';
        if (message.record.blobKey) {
          const stat = await deps.blob.stat(message.record.blobKey);
          content =
            stat === null
              ? '(message content missing)'
              : await text(
                  await deps.blob.get(message.record.blobKey, {
                    start: 0,
                    end: Math.min(stat.size, SHOW_LIMIT) - 1,
                  }),
                );
        }
        return {
          ok: true,
          text: req.queueId,
          data: {
            message: { ...message, arrival: message.arrival.toISOString() },
            recipients,
            content,
          },
        };
      }
      case 'flush': {
        const t = req.target;
        const jobs =
          t === undefined || t === 'ALL'
            ? await flush({}, 'f')
            : isQueueId(t)
              ? await flush({ queueId: t }, 'f')
              : await flush({ nexthop: t.toLowerCase() }, 'f');
        deps.log.info({ target: t ?? 'ALL' }, `flush ${t ?? 'ALL'}: ${jobs.length} jobs`);
        return { ok: true, text: `postqueue: flushed ${jobs.length} jobs`, data: jobs };
      }
      case 'hold':
      case 'release':
      case 'requeue':
      case 'delete': {
        const ids = await targetIds(req.target, req.op === 'delete');
        if (typeof ids === 'string') return { ok: false, text: ids };
        if (req.op === 'hold') {
          const current = await store.list();
          const movable = current
            .filter((e) => e.message.queueName === 'active' || e.message.queueName === 'deferred')
            .map((e) => e.message.queueId)
            .filter((id) => ids.includes(id));
          await store.setQueue(store.sql, movable, 'hold', 'postsuper -h');
          return {
            ok: true,
            text: `postsuper: Placed on hold: ${movable.length} messages`,
            data: movable,
          };
        }
        if (req.op === 'release') {
          const held = (await store.ids({ queueName: 'hold' })).filter((id) => ids.includes(id));
          await store.setQueue(store.sql, held, 'active', null);
          for (const id of held) await flush({ queueId: id }, 'r');
          return {
            ok: true,
            text: `postsuper: Released from hold: ${held.length} messages`,
            data: held,
          };
        }
        if (req.op === 'requeue') {
          let count = 0;
          for (const id of ids) {
            const message = await store.message(id);
            if (!message || message.queueName === 'corrupt') continue;
            const all = await store.recipients(id);
            const waiting = all.filter((r) => r.status === 'pending' || r.status === 'deferred');
            const firstJob = Math.max(0, ...all.map((r) => r.job)) + 1;
            const plan = planRecipients(
              deps.config(),
              {
                recipients: waiting,
                ...(message.record.filter ? { filter: message.record.filter } : {}),
              },
              firstJob,
            );
            await store.reroute(
              store.sql,
              id,
              plan.recipients.map((p, i) => ({ ...p, index: waiting[i]?.index ?? p.index })),
            );
            if (message.queueName !== 'hold') await flush({ queueId: id }, 'rq');
            count++;
          }
          return { ok: true, text: `postsuper: Requeued: ${count} messages`, data: ids };
        }
        const removed: string[] = [];
        for (const id of ids) {
          const message = await store.message(id);
          if (!message) continue;
          await store.remove(store.sql, [id]);
          if (message.record.blobKey) await deps.blob.delete(message.record.blobKey);
          deps.log.info({ queue_id: id }, `${id}: removed (postsuper -d)`);
          removed.push(id);
        }
        return { ok: true, text: `postsuper: Deleted: ${removed.length} messages`, data: removed };
      }
    }
  };
}
