// Message bodies in the mailbox store: one blob per distinct content, keyed by
// its SHA-256 (`mail/<hash>`), written before any message row points at it, so
// one message to 1,000 local recipients stores one body. The message index is
// computed in the same pass that reads the content.
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { BlobStore } from '@postfleet/blob';
import { indexMessage, type MessageIndex } from './message-index.ts';

export const MAIL_BODY_PREFIX = 'mail/';

/** A body as mailbox rows reference it. */
export interface StoredBody {
  key: string;
  size: number;
  index: MessageIndex;
}

/** Bodies up to this size are read once into memory; larger ones are streamed twice. */
const IN_MEMORY_LIMIT = 4 * 1024 * 1024;

/**
 * Index the content `open()` streams and make sure its body blob exists. `size` is the
 * expected size (from the queue record), which decides whether it is read once or twice.
 */
export async function storeBody(
  blob: BlobStore,
  open: () => Promise<Readable>,
  size: number,
): Promise<StoredBody> {
  if (size <= IN_MEMORY_LIMIT) {
    const content = await buffer(await open());
    const index = await indexMessage(content);
    const key = `${MAIL_BODY_PREFIX}${index.sha256}`;
    if (!(await blob.exists(key))) await blob.put(key, content);
    return { key, size: content.length, index };
  }
  const index = await indexMessage(await open());
  const key = `${MAIL_BODY_PREFIX}${index.sha256}`;
  if (!(await blob.exists(key))) await blob.put(key, await open());
  return { key, size: index.size, index };
}
