// Garbage collection of raw message blobs (incoming/<queue id>) that nobody will
// claim: the submitting client (smtpd, sendmail) deletes its own once cleanup has
// answered, but a process killed between storing the raw body and that leaves one. The queue id
// carries its arrival time, so age needs no object metadata; deleting is
// idempotent, so every cleanup replica may sweep.
import type { BlobStore } from '@postfleet/blob';
import { RAW_BLOB_PREFIX, queueIdOfBlobKey, queueIdTime } from '@postfleet/queue-record';
import type { Logger } from 'pino';

export interface OrphanSweepOptions {
  /** Raw blobs older than this are orphans (default 6 h: far beyond any DATA + cleanup). */
  maxAgeMs?: number;
  /** How often to sweep (default 10 min). */
  intervalMs?: number;
  now?: () => number;
}

/** One sweep; returns the keys removed. */
export async function sweepOrphanedRawBlobs(
  blob: BlobStore,
  log: Logger,
  opts: OrphanSweepOptions = {},
): Promise<string[]> {
  const maxAge = opts.maxAgeMs ?? 6 * 3600_000;
  const now = (opts.now ?? Date.now)();
  const removed: string[] = [];
  for await (const key of blob.list(RAW_BLOB_PREFIX)) {
    const id = queueIdOfBlobKey(key, RAW_BLOB_PREFIX);
    const arrived = id === null ? null : queueIdTime(id);
    if (arrived === null || now - arrived <= maxAge) continue;
    await blob.delete(key);
    removed.push(key);
    log.warn({ key }, `removed orphaned raw message ${key}`);
  }
  return removed;
}

/** Sweep now and then every intervalMs until stopped. */
export function startOrphanSweeper(
  blob: BlobStore,
  log: Logger,
  opts: OrphanSweepOptions = {},
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    running = sweepOrphanedRawBlobs(blob, log, opts).catch((err: unknown) =>
      log.error({ err }, 'orphaned raw message sweep failed'),
    );
  };
  sweep();
  const timer = setInterval(sweep, opts.intervalMs ?? 600_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
