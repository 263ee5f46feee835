// Blob store keys shared by the roles that write, read and collect message
// blobs. A key names what it holds and whose it is: a raw message belongs to
// its submitter until cleanup has answered; a queued one to the queue.
import { isQueueId } from './queue-id.ts';

/** Raw messages as received (dot-unstuffed), before cleanup: `incoming/<queue id>`. */
export const RAW_BLOB_PREFIX = 'incoming/';
/** Canonical messages cleanup queued, read by delivery: `queue/<queue id>`. */
export const QUEUE_BLOB_PREFIX = 'queue/';

export const rawBlobKey = (queueId: string): string => `${RAW_BLOB_PREFIX}${queueId}`;
export const queueBlobKey = (queueId: string): string => `${QUEUE_BLOB_PREFIX}${queueId}`;

/** The queue id a key under `prefix` names, or null when it names none (a foreign key). */
export function queueIdOfBlobKey(key: string, prefix: string): string | null {
  if (!key.startsWith(prefix)) return null;
  const id = key.slice(prefix.length);
  return isQueueId(id) ? id : null;
}
