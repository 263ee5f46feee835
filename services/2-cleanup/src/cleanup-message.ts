// The streaming content pipeline of cleanup: raw message → splitter (mailsplit under
// Postfix's header rules) → header and body rules → joiner → size limit → canonical
// blob. Memory stays bounded by the largest header block and line, never by the
// message size; body bytes pass through untouched unless a body_checks rule rewrites a line.
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CleanupRequest } from '@postfleet/queue-record';
import { Joiner, type HeaderLine, type MimeNode, type SplitterChunk } from 'mailsplit';
import { applyHit, type CheckTable, type ContentEffects } from './cleanup-checks.ts';
import { CleanupDiscard, CleanupReject, CleanupTempfail, sizeReject } from './cleanup-errors.ts';
import {
  checkHeaders,
  headerLine,
  missingHeaders,
  receivedHeader,
  rewriteAddressHeaders,
  toBinary,
  type HeaderRole,
} from './cleanup-headers.ts';
import { bodyStart, CleanupSplitter } from './cleanup-splitter.ts';

export interface ContentChecks {
  header: CheckTable;
  mime: CheckTable;
  nested: CheckTable;
  body: CheckTable;
}

export interface MessageOptions {
  request: CleanupRequest;
  myhostname: string;
  /** mail_name, in Received: "by myhostname (mail_name)"; default the catalogue's. */
  mailName?: string;
  now: Date;
  checks: ContentChecks;
  /** Canonical rewriting of header addresses. */
  rewriteAddress: (address: string, role: HeaderRole) => string;
  /** From: to add when the message has none (submission and pickup), else undefined. */
  from?: string;
  /** Drop Bcc:/Resent-Bcc: (sendmail -t mail, whose recipients came from them). */
  removeBcc: boolean;
  /** Bytes allowed in the canonical message; 0 = unlimited. */
  sizeLimit: number;
  /** hopcount_limit: more Received: headers than this (ours included) means a mail loop. */
  hopcountLimit: number;
  /** header_size_limit: bytes kept of one logical header, the excess is discarded. */
  headerSizeLimit: number;
  /** line_length_limit: longer lines are checked (and header lines cut) in pieces of this size. */
  lineLengthLimit: number;
  effects: ContentEffects;
}

/** mailsplit's limit for one header block; a larger header is refused rather than buffered. */
const MAX_HEADER_BLOCK = 1024 * 1024;

/** Stream the message through the rules into sink; resolves with the canonical size. */
export async function runMessagePipeline(
  input: Readable,
  opts: MessageOptions,
  sink: (canonical: Readable) => Promise<unknown>,
): Promise<{ size: number }> {
  const splitter = new CleanupSplitter({
    headerSizeLimit: opts.headerSizeLimit,
    lineLengthLimit: opts.lineLengthLimit,
    maxHeadSize: MAX_HEADER_BLOCK,
  });
  const rules = new ContentRules(opts);
  // message_size_limit applies to the message as the client sent it (what smtpd counted
  // and advertised in SIZE), not to the headers cleanup adds: a message of exactly the
  // limit is accepted
  const received = new SizeLimit(opts.sizeLimit);
  const counter = new SizeLimit(0);
  const flowing = pipeline(input, received, splitter, rules, new Joiner(), counter);
  const stored = sink(counter).catch((err: unknown) => {
    input.destroy(err as Error);
    throw err;
  });
  const [piped, put] = await Promise.allSettled([flowing, stored]);
  if (piped.status === 'rejected') throw classify(piped.reason);
  if (put.status === 'rejected') throw classify(put.reason);
  return { size: counter.size };
}

function classify(err: unknown): Error {
  if (
    err instanceof CleanupReject ||
    err instanceof CleanupDiscard ||
    err instanceof CleanupTempfail
  )
    return err;
  if ((err as { code?: string }).code === 'EMAXLEN') {
    return new CleanupReject(552, '5.3.4', 'Message header or MIME structure exceeds limits');
  }
  return new CleanupTempfail('Error: queue file write error', { cause: err });
}

/** Object-mode transform over mailsplit's nodes and content chunks. */
class ContentRules extends Transform {
  private readonly opts: MessageOptions;
  private carry: Buffer | null = null;

  constructor(opts: MessageOptions) {
    super({ readableObjectMode: true, writableObjectMode: true });
    this.opts = opts;
  }

  override _transform(chunk: SplitterChunk, _enc: BufferEncoding, done: TransformCallback): void {
    if (chunk.type === 'node') {
      this.node(chunk).then(() => done(), done);
      return;
    }
    try {
      this.body(chunk.value);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  /** A node's header block through the rules (in slices), then the line that ended it, if any. */
  private async node(node: MimeNode): Promise<void> {
    this.flushCarry();
    const block = await this.headers(node);
    this.push(block ?? node);
    const first = bodyStart(node);
    if (first) this.body(first);
  }

  private body(value: Buffer): void {
    if (this.opts.checks.body.empty || this.opts.effects.passed) this.push(value);
    else this.bodyLines(value);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.flushCarry();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  /**
   * The header block as it is to be written, or null when a MIME part's block is unchanged
   * (mailsplit then writes the original bytes). A block that a non-header line ended keeps
   * no blank line after it, except the primary one (Postfix inserts that separator).
   */
  private async headers(node: MimeNode): Promise<Buffer | null> {
    const { checks, effects } = this.opts;
    const original = node.headers.getList();
    if (node.root) return buildHeaderBlock(await this.primaryHeaders(original), true);
    const where = node.parentNode && node.parentNode.messageNode ? 'nested_header' : 'mime_header';
    const lines = await inSlices(original, (batch) =>
      checkHeaders(batch, checks.nested, checks.mime, where, effects),
    );
    if (lines.length === original.length && lines.every((h, i) => h === original[i])) return null;
    return buildHeaderBlock(lines, bodyStart(node) === undefined);
  }

  /** PREPEND lines, Received:, the message's headers through the rules, then the missing ones. */
  private async primaryHeaders(original: HeaderLine[]): Promise<HeaderLine[]> {
    const o = this.opts;
    const ours = [
      ...(o.request.prepend ?? []),
      receivedHeader(o.request, o.myhostname, o.now, o.mailName),
    ];
    let lines = [...ours.map((l) => headerLine(toBinary(l))), ...original].filter(
      (h) =>
        h.key !== 'return-path' && !(o.removeBcc && (h.key === 'bcc' || h.key === 'resent-bcc')),
    );
    const hops = lines.filter((h) => h.key === 'received').length;
    if (o.hopcountLimit > 0 && hops > o.hopcountLimit) {
      throw new CleanupReject(
        554,
        '5.4.6',
        `Too many hops (${hops} Received: headers), mail loop?`,
      );
    }
    lines = await inSlices(lines, (batch) =>
      checkHeaders(batch, o.checks.header, o.checks.mime, 'header', o.effects),
    );
    lines = await inSlices(lines, (batch) => rewriteAddressHeaders(batch, o.rewriteAddress));
    const add = missingHeaders(lines, {
      queueId: o.request.queueId,
      myhostname: o.myhostname,
      now: o.now,
      from: o.from,
    });
    return [...lines, ...add];
  }

  /** body_checks line by line; unchanged runs are pushed as slices of the input. */
  private bodyLines(value: Buffer): void {
    const buf = this.carry ? Buffer.concat([this.carry, value]) : value;
    this.carry = null;
    const limit = Math.max(1, this.opts.lineLengthLimit);
    let runStart = 0;
    let lineStart = 0;
    while (lineStart < buf.length) {
      const nl = buf.indexOf(0x0a, lineStart);
      let lineEnd: number;
      if (nl >= 0 && nl - lineStart < limit) lineEnd = nl + 1;
      else if (buf.length - lineStart >= limit) lineEnd = lineStart + limit;
      else break;
      const replacement = this.checkLine(buf.subarray(lineStart, lineEnd));
      if (replacement) {
        if (lineStart > runStart) this.push(buf.subarray(runStart, lineStart));
        this.push(replacement);
        runStart = lineEnd;
      }
      lineStart = lineEnd;
    }
    if (lineStart > runStart) this.push(buf.subarray(runStart, lineStart));
    if (lineStart < buf.length) this.carry = Buffer.from(buf.subarray(lineStart));
  }

  private flushCarry(): void {
    const rest = this.carry;
    if (!rest) return;
    this.carry = null;
    this.push(this.checkLine(rest) ?? rest);
  }

  /** null when the line stays as it is, else the bytes that replace it (terminator kept). */
  private checkLine(line: Buffer): Buffer | null {
    let end = line.length;
    if (end > 0 && line[end - 1] === 0x0a) end--;
    if (end > 0 && line[end - 1] === 0x0d) end--;
    if (this.opts.effects.passed) return null;
    const text = line.toString('utf8', 0, end);
    const hit = this.opts.checks.body.match(text);
    if (!hit) return null;
    const out = applyHit(hit, text, 'body', this.opts.effects);
    if (out.length === 1 && out[0] === text) return null;
    const eol = line.subarray(end);
    const crlf = eol.length > 0 ? eol : Buffer.from('\r\n');
    const parts: Buffer[] = [];
    out.forEach((l, i) => {
      parts.push(Buffer.from(l, 'utf8'), i === out.length - 1 ? eol : crlf);
    });
    return Buffer.concat(parts);
  }
}

/** Work on a header block is cut into slices of this many headers or bytes... */
const SLICE_HEADERS = 256;
const SLICE_BYTES = 32 * 1024;
/** ...and the event loop gets a turn once the slices since the last turn took this long. */
const SLICE_MS = 4;

/**
 * fn over the headers, batch by batch, yielding to the event loop between batches: a header
 * block of a megabyte must not stall other sessions while rules and rewriting run over it.
 */
async function inSlices<R>(
  lines: readonly HeaderLine[],
  fn: (batch: HeaderLine[]) => R[],
): Promise<R[]> {
  const out: R[] = [];
  let since = performance.now();
  for (let i = 0; i < lines.length;) {
    let end = i;
    for (let bytes = 0; end < lines.length && end - i < SLICE_HEADERS && bytes < SLICE_BYTES; end++)
      bytes += lines[end]?.line.length ?? 0;
    for (const r of fn(lines.slice(i, end))) out.push(r);
    i = end;
    if (i < lines.length && performance.now() - since > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = performance.now();
    }
  }
  return out;
}

/** The bytes of a header block: each header with CRLF line ends, then the blank line if wanted. */
async function buildHeaderBlock(lines: HeaderLine[], separator: boolean): Promise<Buffer> {
  const parts = await inSlices(lines, (batch) => [
    Buffer.from(batch.map((h) => `${h.line.replace(/\r?\n/g, '\r\n')}\r\n`).join(''), 'binary'),
  ]);
  if (separator) parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** Counts the canonical bytes and fails with 552 5.3.4 past the limit. */
class SizeLimit extends Transform {
  size = 0;
  private readonly limit: number;
  constructor(limit: number) {
    super();
    this.limit = limit;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.limit > 0 && this.size > this.limit) {
      done(sizeReject());
      return;
    }
    done(null, chunk);
  }
}
