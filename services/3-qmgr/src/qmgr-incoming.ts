// qmgr's intake (Postfix qmgr scanning the incoming queue): takes each record
// cleanup queued off the incoming stream, stores it with every recipient's route
// in the queue store (hold stays held), publishes its delivery jobs, then acks.
// A record that cannot be read goes to the corrupt queue with a log line.
import type { Bus, StreamHandler } from '@postfleet/bus';
import type { RuntimeConfig } from '@postfleet/config';
import { decodeQueueRecord, isQueueId, type QueueRecord } from '@postfleet/queue-record';
import type { QueueStore } from '@postfleet/queue-store';
import type { Logger } from '@postfleet/service-kit';
import { planRecipients } from './qmgr-route.ts';
import { publishJobs } from './qmgr-jobs.ts';

export interface IncomingDeps {
  store: QueueStore;
  bus: Bus;
  config: () => RuntimeConfig;
  log: Logger;
}

/** Why a record is unusable, or null when it has what qmgr needs. */
function recordProblem(record: QueueRecord, subjectId: string): string | null {
  if (record.queueId !== subjectId) return `queue id ${record.queueId} does not match its subject`;
  if (typeof record.sender !== 'string') return 'no sender';
  if (!Array.isArray(record.recipients) || record.recipients.length === 0) return 'no recipients';
  if (record.recipients.some((r) => typeof r?.address !== 'string')) return 'bad recipient';
  if (typeof record.blobKey !== 'string' || typeof record.size !== 'number') return 'no content';
  if (Number.isNaN(Date.parse(record.arrivalTime))) return 'bad arrival time';
  return null;
}

export function incomingHandler(deps: IncomingDeps): StreamHandler {
  return async (msg) => {
    const subjectId = msg.subject.split('.').at(-1) ?? '';
    let record: QueueRecord | null = null;
    let problem: string | null;
    try {
      record = decodeQueueRecord(msg.data);
      problem = recordProblem(record, subjectId);
    } catch (err) {
      problem = `unreadable record: ${(err as Error).message}`;
    }
    if (problem !== null || record === null) {
      if (!isQueueId(subjectId)) {
        deps.log.error(
          { subject: msg.subject },
          `warning: dropping record with no queue id: ${problem}`,
        );
        await msg.term();
        return;
      }
      const raw = new TextDecoder().decode(msg.data).slice(0, 64 * 1024);
      await deps.store.add({
        record: {
          queueId: subjectId,
          sender: '',
          recipients: [],
          blobKey: '',
          size: 0,
          arrivalTime: new Date().toISOString(),
          client: { address: '', hostname: '', reverseHostname: '', protocol: '', listener: '' },
          raw,
        } as QueueRecord,
        queueName: 'corrupt',
        reason: problem ?? 'unreadable record',
        recipients: [],
      });
      deps.log.error(
        { queue_id: subjectId },
        `${subjectId}: corrupt queue record moved to the corrupt queue: ${problem}`,
      );
      await msg.ack();
      return;
    }
    const { recipients, jobs } = planRecipients(deps.config(), record);
    const held = record.hold === true;
    await deps.store.add({
      record,
      queueName: held ? 'hold' : 'active',
      ...(held && record.holdReason ? { reason: record.holdReason } : {}),
      recipients,
    });
    deps.log.info(
      { queue_id: record.queueId },
      `${record.queueId}: from=<${record.sender}>, size=${record.size}, nrcpt=${recipients.length} (queue ${held ? 'hold' : 'active'})`,
    );
    if (!held)
      await publishJobs(
        deps.bus,
        jobs.map((j) => ({ queueId: record.queueId, transport: j.transport, job: j.job })),
        'q',
      );
    await msg.ack();
  };
}
