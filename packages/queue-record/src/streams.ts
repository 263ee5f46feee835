// The queue's durable stream and its subjects, defined once: every role that
// creates, publishes to or reads the stream uses these, so no reader can
// narrow the stream's subject list by declaring its own (ensureStream updates it).
import type { StreamSpec } from '@postfleet/bus';
import type { QueueName } from './types.ts';

export const QUEUE_STREAM = 'QUEUE';

/** The QUEUE stream captures every queue's subjects: `queue.<queue name>.<queue id>`. */
export const QUEUE_STREAM_SPEC: StreamSpec = Object.freeze({
  name: QUEUE_STREAM,
  subjects: Object.freeze(['queue.>']) as string[],
  // the incoming queue's journal: qmgr's consumer state says what it has taken into the
  // queue store; a record stays readable for a week, then goes
  maxAgeMs: 7 * 86_400_000,
});

/** Subject of one message's record in one queue, e.g. `queue.incoming.<id>`. */
export const queueSubject = (queue: QueueName, queueId: string): string =>
  `queue.${queue}.${queueId}`;

/** Consumer filter for every record of one queue, e.g. `queue.incoming.>`. */
export const queueSubjectFilter = (queue: QueueName): string => `queue.${queue}.>`;
