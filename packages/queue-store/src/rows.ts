// Row ↔ object mapping for the queue tables (pg returns bigint as string and
// timestamptz as Date), kept apart so the store's statements stay readable.
import type { DsnNotify, QueueRecord } from '@postfleet/queue-record';
import type { RecipientState, StoredMessage, StoredQueueName, StoredRecipient } from './types.ts';

export interface MessageRow {
  queue_id: string;
  queue_name: string;
  sender: string;
  size: string | number;
  arrival: Date;
  record: QueueRecord;
  reason: string | null;
  delay_warned: boolean;
}

export interface RecipientRow {
  queue_id: string;
  rcpt_index: number;
  address: string;
  original: string;
  orcpt: string | null;
  notify: string | null;
  transport: string;
  nexthop: string;
  job: number;
  status: string;
  attempts: number;
  next_attempt: Date | null;
  last_attempt: Date | null;
  dsn: string | null;
  reply: string | null;
  relay: string | null;
  diagnostic: string | null;
  lease_until: Date | null;
}

export const messageFromRow = (r: MessageRow): StoredMessage => ({
  queueId: r.queue_id,
  queueName: r.queue_name as StoredQueueName,
  sender: r.sender,
  size: Number(r.size),
  arrival: r.arrival,
  record: r.record,
  reason: r.reason,
  delayWarned: r.delay_warned,
});

export const recipientFromRow = (r: RecipientRow): StoredRecipient => ({
  index: r.rcpt_index,
  address: r.address,
  original: r.original,
  ...(r.orcpt === null ? {} : { orcpt: r.orcpt }),
  ...(r.notify === null ? {} : { notify: r.notify.split(',') as DsnNotify[] }),
  transport: r.transport,
  nexthop: r.nexthop,
  job: r.job,
  status: r.status as RecipientState,
  attempts: r.attempts,
  nextAttempt: r.next_attempt,
  lastAttempt: r.last_attempt,
  dsn: r.dsn,
  reply: r.reply,
  relay: r.relay,
  diagnostic: r.diagnostic,
  leaseUntil: r.lease_until,
});
