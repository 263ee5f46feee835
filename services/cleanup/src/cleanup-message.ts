// The streaming content pipeline of cleanup: raw message → mailsplit → header
// and body rules → joiner → size limit → canonical blob. Memory stays bounded by
// the largest header block and line, never by the message size; body bytes pass
// through untouched unless a body_checks rule rewrites a line.
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CleanupRequest } from '@postfleet/queue-record';
import { Joiner, Splitter, type HeaderLine, type MimeNode, type SplitterChunk } from 'mailsplit';
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

export interface ContentChecks {
  header: CheckTable;
  mime: CheckTable;
  nested: CheckTable;
  body: CheckTable;
}

export interface MessageOptions {
  request: CleanupRequest;
  myhostname: string;
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
  effects: ContentEffects;
}

/** Body lines longer than this are checked in pieces, as Postfix's line_length_limit splits them. */
const LINE_LENGTH_LIMIT = 2048;
/** mailsplit's limit for one header block; a larger header is refused rather than buffered. */
const MAX_HEADER_BLOCK = 1024 * 1024;

/** Stream the message through the rules into sink; resolves with the canonical size. */
export async function runMessagePipeline(
  input: Readable,
  opts: MessageOptions,
  sink: (canonical: Readable) => Promise<unknown>,
): Promise<{ size: number }> {
  const splitter = new NestedSplitter({
    defaultInlineEmbedded: true,
    maxHeadSize: MAX_HEADER_BLOCK,
  });
  const rules = new ContentRules(opts);
  const counter = new SizeLimit(opts.sizeLimit);
  const flowing = pipeline(input, splitter, rules, new Joiner(), counter);
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

/**
 * mailsplit parses a message/rfc822 part as an embedded message only when it is not
 * disposition "attachment"; Postfix's nested_header_checks see attached messages too, so
 * the disposition of message/rfc822 parts is treated as inline (headers are not changed).
 */
class NestedSplitter extends Splitter {
  override newNode(parent?: MimeNode | false): void {
    super.newNode(parent);
    const node = this.node;
    const parse = node.parseHeaders.bind(node);
    node.parseHeaders = () => {
      parse();
      if (node.contentType === 'message/rfc822' && node.disposition === 'attachment')
        node.disposition = 'inline';
    };
  }
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
    try {
      if (chunk.type === 'node') {
        this.flushCarry();
        this.headers(chunk);
        this.push(chunk);
      } else if (this.opts.checks.body.empty) {
        this.push(chunk.value);
      } else {
        this.bodyLines(chunk.value);
      }
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.flushCarry();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private headers(node: MimeNode): void {
    const { checks, effects } = this.opts;
    const original = node.headers.getList();
    let lines: HeaderLine[];
    if (node.root) {
      lines = this.primaryHeaders(original);
    } else {
      const where =
        node.parentNode && node.parentNode.messageNode ? 'nested_header' : 'mime_header';
      lines = checkHeaders(original, checks.nested, checks.mime, where, effects);
    }
    if (lines.length !== original.length || lines.some((h, i) => h !== original[i])) {
      node.headers.lines = lines;
      node.headers.changed = true;
    }
  }

  /** PREPEND lines, Received:, the message's headers through the rules, then the missing ones. */
  private primaryHeaders(original: HeaderLine[]): HeaderLine[] {
    const o = this.opts;
    const ours = [...(o.request.prepend ?? []), receivedHeader(o.request, o.myhostname, o.now)];
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
    lines = checkHeaders(lines, o.checks.header, o.checks.mime, 'header', o.effects);
    lines = rewriteAddressHeaders(lines, o.rewriteAddress);
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
    let runStart = 0;
    let lineStart = 0;
    while (lineStart < buf.length) {
      const nl = buf.indexOf(0x0a, lineStart);
      let lineEnd: number;
      if (nl >= 0 && nl - lineStart < LINE_LENGTH_LIMIT) lineEnd = nl + 1;
      else if (buf.length - lineStart >= LINE_LENGTH_LIMIT) lineEnd = lineStart + LINE_LENGTH_LIMIT;
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
