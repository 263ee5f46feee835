// The index the mailbox store keeps of each message for IMAP: one streaming pass gives its
// size and content hash, ENVELOPE, BODYSTRUCTURE with the byte range of every part (FETCH
// BODY[section] becomes a ranged blob read) and the decoded fields SEARCH and SORT use.
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { bodyStructure, type BodyPart } from './index-bodystructure.ts';
import type { ImapEnvelope } from './index-envelope.ts';
import { HEADER_TEXT_CAP, MessageScanner } from './index-scanner.ts';

export type { BodyPart } from './index-bodystructure.ts';
export type { ImapAddress, ImapEnvelope } from './index-envelope.ts';

export interface MessageIndex {
  /** Total octets. */
  size: number;
  /** Hex SHA-256 of the whole message (the key of its shared body). */
  sha256: string;
  /** Octets of the top-level header including the blank line. */
  headerSize: number;
  envelope: ImapEnvelope;
  /** The BODYSTRUCTURE tree. */
  body: BodyPart;
  /** Decoded (UTF-8) display text: "Name <mailbox@host>, ...". */
  subject: string;
  from: string;
  to: string;
  cc: string;
  bcc: string;
  /** ISO date of the Date: header, or null if it does not parse. */
  sentDate: string | null;
  /** msg-ids with their angle brackets. */
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  /** The raw top-level header block (UTF-8, or Latin-1 if not UTF-8), at most 64 KiB. */
  headers: string;
}

export interface IndexOptions {
  /** Deeper parts are not parsed: their content is their body (default 32, at most 1000). */
  maxDepth?: number;
  /** After this many parts the rest of the message is the current part's body (default 10000). */
  maxParts?: number;
}

const DEFAULT_MAX_DEPTH = 32;
const DEPTH_LIMIT = 1000;
const DEFAULT_MAX_PARTS = 10_000;
/** A message given whole is taken in slices, the event loop served between them. */
const SLICE = 1024 * 1024;

export async function indexMessage(
  message: Readable | Uint8Array,
  opts: IndexOptions = {},
): Promise<MessageIndex> {
  const scanner = new MessageScanner({
    maxDepth: limit(opts.maxDepth, DEFAULT_MAX_DEPTH, DEPTH_LIMIT),
    maxParts: limit(opts.maxParts, DEFAULT_MAX_PARTS, Number.MAX_SAFE_INTEGER),
  });
  const hash = createHash('sha256');
  const take = (chunk: Buffer): void => {
    hash.update(chunk);
    scanner.feed(chunk);
  };
  if (message instanceof Uint8Array) {
    const whole = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    for (let at = 0; at < whole.length; at += SLICE) {
      if (at > 0) await yieldToLoop();
      take(whole.subarray(at, at + SLICE));
    }
  } else {
    for await (const chunk of message as AsyncIterable<unknown>) take(toBuffer(chunk));
  }
  const scan = scanner.finish();
  const root = scan.root;
  return {
    size: scan.size,
    sha256: hash.digest('hex'),
    headerSize: root.headerSize,
    envelope: root.envelope ?? emptyEnvelope(),
    body: bodyStructure(root),
    ...scan.search,
    headers: headerText(scan.headerText),
  };
}

function limit(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(Math.max(0, Math.floor(value)), max);
}

function toBuffer(chunk: unknown): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array)
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('indexMessage: the stream must yield bytes or strings');
}

/** The header text, a header cut at the cap ending at its last whole line. */
function headerText(bytes: Buffer): string {
  let text = bytes;
  if (bytes.length >= HEADER_TEXT_CAP) {
    const nl = bytes.lastIndexOf(0x0a);
    if (nl >= 0) text = bytes.subarray(0, nl + 1);
  }
  return text.toString(isUtf8(text) ? 'utf8' : 'latin1');
}

function emptyEnvelope(): ImapEnvelope {
  return {
    date: null,
    subject: null,
    from: null,
    sender: null,
    replyTo: null,
    to: null,
    cc: null,
    bcc: null,
    inReplyTo: null,
    messageId: null,
  };
}
