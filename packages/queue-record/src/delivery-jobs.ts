// The queue manager's vocabulary on the bus, defined once: delivery jobs (qmgr →
// delivery: one message to the recipients of one transport and next hop),
// notices (delivery → qmgr: a message is final, or delayed past the warning
// time) and the queue tools' request/reply (postqueue/postsuper over the bus).
import type { StreamSpec } from '@postfleet/bus';
import { isQueueId } from './queue-id.ts';

export const DELIVERY_STREAM = 'DELIVERY';

export const DELIVERY_STREAM_SPEC: StreamSpec = Object.freeze({
  name: DELIVERY_STREAM,
  subjects: Object.freeze(['delivery.>', 'notice.>']) as string[],
  // a job leaves the stream once delivery (or qmgr, for notices) has settled it
  retention: 'workqueue',
});

/** Transport names are subject tokens: smtp, relay, lmtp, local, virtual, discard, error, … */
export const isTransportName = (name: string): boolean => /^[a-z0-9_-]{1,40}$/.test(name);

/** `delivery.<transport>.<queue id>.<job>`: job numbers a message's recipient groups. */
export const deliverySubject = (transport: string, queueId: string, job: number): string =>
  `delivery.${transport}.${queueId}.${job}`;

export function parseDeliverySubject(
  subject: string,
): { transport: string; queueId: string; job: number } | null {
  const parts = subject.split('.');
  if (parts.length !== 4 || parts[0] !== 'delivery') return null;
  const [, transport = '', queueId = '', job = ''] = parts;
  if (!isTransportName(transport) || !isQueueId(queueId) || !/^\d{1,6}$/.test(job)) return null;
  return { transport, queueId, job: Number(job) };
}

/** final: every recipient has a result (DSNs and removal are due); delay: a delay notice is due. */
export type NoticeKind = 'final' | 'delay';

export const noticeSubject = (kind: NoticeKind, queueId: string): string =>
  `notice.${kind}.${queueId}`;

export function parseNoticeSubject(subject: string): { kind: NoticeKind; queueId: string } | null {
  const [head, kind, queueId = '', extra] = subject.split('.');
  if (head !== 'notice' || extra !== undefined || !isQueueId(queueId)) return null;
  if (kind !== 'final' && kind !== 'delay') return null;
  return { kind, queueId };
}

/** The queue tools ask any qmgr replica on this subject (request/reply, queue group qmgr). */
export const QMGR_SUBJECT = 'postfleet.qmgr.request';

/** What postqueue/postsuper operate on: one queue id, ALL, a queue name, or (flush) a domain. */
export type QueueToolRequest =
  | { op: 'list'; queue?: string }
  | { op: 'show'; queueId: string }
  | { op: 'flush'; target?: string }
  | { op: 'hold' | 'release' | 'requeue' | 'delete'; target: string };

export interface QueueToolReply {
  ok: boolean;
  /** Human-readable result or error, e.g. "postsuper: Deleted: 2 messages". */
  text: string;
  /** Structured result (list entries, show output, affected ids). */
  data?: unknown;
}
