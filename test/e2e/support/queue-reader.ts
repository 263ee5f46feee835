// Reads what cleanup queued: a test durable consumer on the QUEUE stream that
// keeps every record (and how often each queue id arrived), plus the canonical
// message body from the blob store.
import type { BlobStore } from '@postfleet/blob';
import type { Bus, Subscription } from '@postfleet/bus';
import {
  QUEUE_STREAM,
  QUEUE_STREAM_SPEC,
  decodeQueueRecord,
  queueSubjectFilter,
  type QueueRecord,
} from '@postfleet/queue-record';

export interface QueueReader {
  /** Every record seen, in arrival order (duplicates included). */
  records: QueueRecord[];
  /** How many times a queue id arrived on the stream. */
  count(queueId: string): number;
  /** The record of queueId, waiting up to ms for it. */
  waitFor(queueId: string, ms?: number): Promise<QueueRecord>;
  /** The canonical message text of a record. */
  body(record: QueueRecord): Promise<string>;
  stop(): Promise<void>;
}

export async function startQueueReader(bus: Bus, blob: BlobStore): Promise<QueueReader> {
  const records: QueueRecord[] = [];
  await bus.ensureStream(QUEUE_STREAM_SPEC);
  const sub: Subscription = await bus.consume(
    {
      stream: QUEUE_STREAM,
      name: `e2e-reader-${process.pid}-${Date.now()}`,
      filterSubject: queueSubjectFilter('incoming'),
    },
    async (m) => {
      records.push(decodeQueueRecord(m.data));
      await m.ack();
    },
  );
  const find = (id: string) => records.find((r) => r.queueId === id);
  return {
    records,
    count: (id) => records.filter((r) => r.queueId === id).length,
    async waitFor(id, ms = 15_000) {
      const end = Date.now() + ms;
      for (;;) {
        const r = find(id);
        if (r) return r;
        if (Date.now() > end) throw new Error(`queue record ${id} did not arrive in ${ms} ms`);
        await new Promise((res) => setTimeout(res, 25));
      }
    },
    async body(record) {
      const chunks: Buffer[] = [];
      for await (const c of await blob.get(record.blobKey)) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    stop: () => sub.stop(),
  };
}
