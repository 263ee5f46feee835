// What a notification returns of the original message: all of it, or only its
// header block, read from the queued message's stream and never more than
// bounce_size_limit bytes of it held in memory (Postfix bounce_size_limit).
import type { Readable } from 'node:stream';

export interface ReturnedOriginal {
  /** 'full': the whole message; 'headers': its header block only. */
  part: 'full' | 'headers';
  data: Buffer;
}

interface BoundedRead {
  data: Buffer;
  /** The stream ended within the limit. */
  complete: boolean;
  /** Length of the header block (up to the empty line), -1 when not seen. */
  headerEnd: number;
}

const LF = 0x0a;

/** Offset just past the line break that precedes the first empty line, or -1. */
function emptyLineAt(window: Buffer): number {
  const ends = [window.indexOf('\n\n'), window.indexOf('\n\r\n')].filter((i) => i >= 0);
  return ends.length ? Math.min(...ends) + 1 : -1;
}

/**
 * Reads at most `limit` bytes, noting where the header block ends. With
 * `headersOnly` reading stops there. Leaving the loop early destroys the stream.
 */
async function readBounded(
  stream: Readable,
  limit: number,
  headersOnly: boolean,
): Promise<BoundedRead> {
  const chunks: Buffer[] = [];
  let total = 0;
  let headerEnd = -1;
  // A virtual line break before the first byte: a message starting with an empty line has no headers.
  let tail = Buffer.from('\n');
  for await (const raw of stream as AsyncIterable<Uint8Array | string>) {
    const chunk =
      typeof raw === 'string' ? Buffer.from(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    if (headerEnd < 0) {
      const window = Buffer.concat([tail, chunk]);
      const at = emptyLineAt(window);
      if (at >= 0) headerEnd = total - tail.length + at;
      tail = window.subarray(-2);
    }
    const kept = chunk.length > limit - total ? chunk.subarray(0, limit - total) : chunk;
    chunks.push(kept);
    total += kept.length;
    if (headersOnly && headerEnd >= 0 && headerEnd <= total) {
      return { data: Buffer.concat(chunks).subarray(0, headerEnd), complete: false, headerEnd };
    }
    if (kept !== chunk) return { data: Buffer.concat(chunks), complete: false, headerEnd };
  }
  return { data: Buffer.concat(chunks), complete: true, headerEnd };
}

/** The header block of what was read: up to the empty line, else up to the last whole line. */
function headerBlock(read: BoundedRead): Buffer {
  const { data, headerEnd } = read;
  if (headerEnd >= 0 && headerEnd <= data.length) return data.subarray(0, headerEnd);
  if (read.complete) {
    // Headers only, no body: make sure the last line is terminated.
    return data.length === 0 || data[data.length - 1] === LF
      ? data
      : Buffer.concat([data, Buffer.from('\r\n')]);
  }
  return data.subarray(0, data.lastIndexOf(LF) + 1);
}

/**
 * The message whole when `full` is asked for and it fits in `limit` bytes (the
 * caller has already compared the recorded size), otherwise its header block.
 */
export async function readOriginal(
  stream: Readable,
  options: { full: boolean; limit: number },
): Promise<ReturnedOriginal> {
  const limit = Math.max(0, options.limit);
  const read = await readBounded(stream, limit, !options.full);
  if (options.full && read.complete) return { part: 'full', data: read.data };
  return { part: 'headers', data: headerBlock(read) };
}
