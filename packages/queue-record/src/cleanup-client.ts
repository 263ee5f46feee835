// The one way to hand a message to cleanup, for smtpd and `postfleet sendmail`
// alike: the raw content streams to `incoming/<queue id>`, cleanup is asked over
// the bus with a deadline, and the raw blob is deleted here once cleanup has
// answered or the submission is abandoned. The submitter owns the raw blob;
// cleanup only reads it, and a crash in between leaves it to the orphan sweeper.
import type { Readable } from 'node:stream';
import type { BlobStore } from '@postfleet/blob';
import type { Bus } from '@postfleet/bus';
import { rawBlobKey } from './blob-keys.ts';
import { decodeCleanupReply, encodeJson } from './codec.ts';
import { CLEANUP_SUBJECT, type CleanupReply, type CleanupRequest } from './types.ts';

/** What the submitter says about the message; the client adds the blob, its size and the deadline. */
export type SubmissionRequest = Omit<
  CleanupRequest,
  'queueId' | 'rawBlobKey' | 'rawSize' | 'deadline'
>;

export interface Submission {
  readonly queueId: string;
  readonly rawBlobKey: string;
  /** Resolves with the stored size once the content has ended; rejects if the store failed. */
  readonly stored: Promise<number>;
  /**
   * Ask cleanup (after `stored` resolved). Never rejects: a missing or slow cleanup is
   * `tempfail` with a text for the log. The raw blob is gone when this resolves.
   */
  submit(request: SubmissionRequest): Promise<CleanupReply>;
  /** Give up before (or instead of) asking cleanup: the raw blob is removed. */
  abandon(): Promise<void>;
}

export interface CleanupClientOptions {
  /** How long to wait for cleanup's answer (default 60 s). */
  timeoutMs?: number;
  /** Told when a raw blob could not be removed (it is then the sweeper's). */
  onDeleteError?: (key: string, err: unknown) => void;
}

/** Time kept between cleanup's publish deadline and the submitter's own timeout, for the reply to travel. */
export function replyMarginMs(timeoutMs: number): number {
  return Math.min(5_000, Math.floor(timeoutMs / 4));
}

export function createCleanupClient(
  deps: { bus: Pick<Bus, 'request'>; blob: Pick<BlobStore, 'put' | 'delete'> },
  opts: CleanupClientOptions = {},
) {
  const timeoutMs = opts.timeoutMs ?? 60_000;

  return function startSubmission(queueId: string, content: Readable): Submission {
    const key = rawBlobKey(queueId);
    const stored = deps.blob.put(key, content).then((r) => r.size);
    // the caller sees a store failure through `stored`; this keeps it from being unhandled
    stored.catch(() => undefined);
    let removed: Promise<void> | undefined;
    const removeRaw = (): Promise<void> =>
      (removed ??= stored
        .catch(() => undefined)
        .then(() => deps.blob.delete(key))
        .catch((err: unknown) => opts.onDeleteError?.(key, err)));

    return {
      queueId,
      rawBlobKey: key,
      stored,
      async submit(request) {
        let rawSize: number;
        try {
          rawSize = await stored;
        } catch (err) {
          await removeRaw();
          return { status: 'tempfail', text: `could not store message: ${(err as Error).message}` };
        }
        const full: CleanupRequest = {
          ...request,
          queueId,
          rawBlobKey: key,
          rawSize,
          // cleanup publishes nothing after this; the submitter waits the margin longer for
          // its answer, so a timeout is only ever reported once cleanup can no longer queue
          deadline: Date.now() + timeoutMs - replyMarginMs(timeoutMs),
        };
        try {
          const data = await deps.bus.request(CLEANUP_SUBJECT, encodeJson(full), { timeoutMs });
          return decodeCleanupReply(data);
        } catch (err) {
          return { status: 'tempfail', text: `cleanup unavailable: ${(err as Error).message}` };
        } finally {
          await removeRaw();
        }
      },
      abandon: removeRaw,
    };
  };
}

export type StartSubmission = ReturnType<typeof createCleanupClient>;
