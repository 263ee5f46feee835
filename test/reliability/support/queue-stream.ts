// Reads the whole incoming queue from the QUEUE stream with a fresh durable consumer
// until every expected queue id has arrived and the stream has been quiet for a
// while, keeping duplicates, so the kill tests can count each queue id.
import type { Bus } from '@postfleet/bus';
import {
  QUEUE_STREAM,
  QUEUE_STREAM_SPEC,
  decodeQueueRecord,
  queueSubjectFilter,
  type QueueRecord,
} from '@postfleet/queue-record';

export interface StreamRead {
  /** Every record in stream order (duplicates included). */
  records: QueueRecord[];
  /** Stream sequence of each record, same order. */
  seqs: number[];
  readMs: number;
}

export async function readQueueStream(
  bus: Bus,
  expected: Iterable<string>,
  opts: { quietMs?: number; timeoutMs?: number } = {},
): Promise<StreamRead> {
  const quietMs = opts.quietMs ?? 2000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const want = new Set(expected);
  const records: QueueRecord[] = [];
  const seqs: number[] = [];
  let last = Date.now();
  const t0 = Date.now();
  await bus.ensureStream(QUEUE_STREAM_SPEC);
  const sub = await bus.consume(
    {
      stream: QUEUE_STREAM,
      name: `reliability-${process.pid}-${Date.now()}`,
      filterSubject: queueSubjectFilter('incoming'),
      maxInFlight: 256,
    },
    async (m) => {
      if (!seqs.includes(m.seq)) {
        const r = decodeQueueRecord(m.data);
        records.push(r);
        seqs.push(m.seq);
        want.delete(r.queueId);
      }
      last = Date.now();
      await m.ack();
    },
  );
  try {
    while (Date.now() - t0 < timeoutMs) {
      if (want.size === 0 && Date.now() - last >= quietMs) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await sub.stop();
  }
  return { records, seqs, readMs: Date.now() - t0 };
}
