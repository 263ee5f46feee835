// mailsplit's Splitter held to Postfix's header rules (mime_state(3)): a header block
// ends at the first line that is neither a header nor a continuation, a logical header
// keeps at most header_size_limit bytes, and headers are collected line by line as they
// arrive (linear; mailsplit's own unfolding is quadratic in the number of folds).
import type { TransformCallback } from 'node:stream';
import {
  Headers,
  Splitter,
  type HeaderLine,
  type MimeNode,
  type ProcessLineCallback,
} from 'mailsplit';
import { headerLine } from './cleanup-headers.ts';

export interface SplitterLimits {
  /** header_size_limit: bytes kept of one logical header; the excess is discarded. */
  headerSizeLimit: number;
  /** line_length_limit: the record size in which Postfix stores, and so cuts, a long line. */
  lineLengthLimit: number;
  /** Largest header block mailsplit buffers for one MIME node (EMAXLEN past it). */
  maxHeadSize: number;
}

/** mailsplit's state while it reads a node's header block. */
const HEAD = 0x01;
const EMPTY = Buffer.alloc(0);
/** Input is handed to mailsplit in pieces of this size (a bound on the work of one step). */
const FEED_BYTES = 16 * 1024;
/** Headers mailsplit itself reads to find the MIME structure. */
const STRUCTURE_HEADERS = new Set([
  'content-type',
  'content-disposition',
  'content-transfer-encoding',
]);

/** The line that ended a header block without being a header: the first line of the body. */
const bodyStarts = new WeakMap<MimeNode, Buffer>();

export function bodyStart(node: MimeNode): Buffer | undefined {
  return bodyStarts.get(node);
}

export class CleanupSplitter extends Splitter {
  private readonly limits: SplitterLimits;
  // Set by newNode(), which mailsplit's constructor already calls: declared, not initialised.
  /** Bytes of the logical header being read (a fold counts one, as Postfix's "\n"), or -1. */
  declare private headerLength: number;
  /** The current node's complete headers, and the physical lines of the one being read. */
  declare private headerLines: HeaderLine[];
  declare private folds: string[];

  constructor(limits: SplitterLimits) {
    super({ defaultInlineEmbedded: true, maxHeadSize: limits.maxHeadSize });
    this.limits = limits;
  }

  override newNode(parent?: MimeNode | false): void {
    super.newNode(parent);
    this.headerLength = -1;
    const lines: HeaderLine[] = [];
    this.headerLines = lines;
    this.folds = [];
    const node = this.node;
    const parse = node.parseHeaders.bind(node);
    node.parseHeaders = () => {
      if (node.headers) return;
      if (this.headerLines === lines) this.endHeader();
      const raw = Buffer.concat(node._headersLines, node._headerlen);
      // mailsplit's own header parser is quadratic in the number of folds: it only ever
      // sees the few headers it needs for the MIME structure, unfolded.
      const structure = lines
        .filter((h) => STRUCTURE_HEADERS.has(h.key))
        .map((h) => `${h.line.replace(/\r\n/g, '')}\r\n`)
        .join('');
      node._headersLines = [Buffer.from(`${structure}\r\n`, 'binary')];
      node._headerlen = node._headersLines[0]?.length ?? 0;
      parse();
      const headers = new Headers(raw, node.config);
      headers.lines = lines;
      headers.parsed = true;
      node.headers = headers;
      node._headersLines = [raw];
      node._headerlen = raw.length;
      // Postfix's nested_header_checks see attached messages too, so the disposition of
      // message/rfc822 parts is treated as inline (mailsplit parses them only then).
      if (node.contentType === 'message/rfc822' && node.disposition === 'attachment')
        node.disposition = 'inline';
    };
  }

  /**
   * Input goes to mailsplit in pieces; while it reads a header block, the header lines at
   * the start of a piece are taken here in one go (mailsplit spends a turn of the event
   * loop on every line, which a header folded 100,000 times turns into seconds).
   */
  override _transform(chunk: Buffer, encoding: BufferEncoding, done: TransformCallback): void {
    const feed = (offset: number): void => {
      if (offset >= chunk.length) {
        done();
        return;
      }
      const rest = this.takeHeaderLines(chunk.subarray(offset, offset + FEED_BYTES));
      super._transform(rest, encoding, (err?: Error | null) => {
        if (err) done(err);
        else feed(offset + FEED_BYTES);
      });
    };
    feed(0);
  }

  /** The rest of the piece after the header and continuation lines taken from its start. */
  private takeHeaderLines(piece: Buffer): Buffer {
    if (this.state !== HEAD) return piece;
    let pos = 0;
    if (this.line) {
      const nl = piece.indexOf(0x0a);
      if (nl < 0) {
        // Still no end of line: of a continuation that is dropped anyway, keep one byte.
        if (isFold(this.line[0]) && this.headerLength >= 0 && this.full()) {
          this.line = this.line.subarray(0, 1);
          return EMPTY;
        }
        return piece;
      }
      if (!this.takeLine(Buffer.concat([this.line, piece.subarray(0, nl + 1)]))) return piece;
      this.line = false;
      pos = nl + 1;
    }
    while (pos < piece.length) {
      const nl = piece.indexOf(0x0a, pos);
      if (nl < 0 || !this.takeLine(piece.subarray(pos, nl + 1))) break;
      pos = nl + 1;
    }
    return piece.subarray(pos);
  }

  /** Takes one header line into the node's block; false leaves it to mailsplit (processLine). */
  private takeLine(line: Buffer): boolean {
    if (isBlank(line) || this.checkBoundary(line)) return false;
    const kind = this.classify(line);
    if (kind === 'drop') return true;
    if (kind === 'end') return false;
    const length = kind === 'fold' ? this.headerLength + 1 : 0;
    const kept = this.keptLength(line, length);
    if (this.node._headerlen + kept.length > this.limits.maxHeadSize) return false; // mailsplit refuses it
    if (kind === 'header') this.endHeader();
    this.node.addHeaderChunk(this.keep(line, length, kept));
    return true;
  }

  /** Every line mailsplit itself reads; header lines go through the same rules as in takeLine(). */
  override processLine(line: Buffer | false, final: boolean, next: ProcessLineCallback): void {
    if (this.line) {
      line = line ? Buffer.concat([this.line, line]) : this.line;
      this.line = false;
    }
    if (this.state !== HEAD || !line || line.length === 0 || isBlank(line)) {
      super.processLine(line, final, next);
      return;
    }
    if (this.checkBoundary(line)) {
      this.endHeader();
      this.headerLength = -1;
      super.processLine(line, final, next);
      return;
    }
    const kind = this.classify(line);
    if (kind === 'drop') {
      if (final) super.processLine(EMPTY, true, next);
      else next();
    } else if (kind === 'end') {
      // Neither header nor continuation: the header block ends here and this line is body.
      bodyStarts.set(this.node, line);
      super.processLine(EMPTY, true, next);
    } else {
      const length = kind === 'fold' ? this.headerLength + 1 : 0;
      if (kind === 'header') this.endHeader();
      super.processLine(this.keep(line, length, this.keptLength(line, length)), final, next);
    }
  }

  /**
   * A line of a header block: the start of a header, a continuation of the current one,
   * a continuation past header_size_limit (dropped), or the end of the block (not a header).
   */
  private classify(line: Buffer): 'header' | 'fold' | 'drop' | 'end' {
    if (isFold(line[0])) {
      if (this.headerLength < 0) return 'end';
      return this.full() ? 'drop' : 'fold';
    }
    return isHeaderStart(line) ? 'header' : 'end';
  }

  private endHeader(): void {
    if (this.folds.length > 0) this.headerLines.push(headerLine(this.folds.join('\r\n')));
    this.folds = [];
  }

  private full(): boolean {
    const limit = this.limits.headerSizeLimit;
    return limit > 0 && this.headerLength >= limit;
  }

  /**
   * How much of a header line Postfix keeps: it stores a line in records of
   * line_length_limit bytes, takes a line's first record (a continuation's only while the
   * header is shorter than header_size_limit, see full()) and appends further records
   * while it still is. length: the header so far, one more for the fold of a continuation.
   */
  private keptLength(line: Buffer, length: number): { length: number; eol: number } {
    const limit = this.limits.headerSizeLimit;
    const record = Math.max(1, this.limits.lineLengthLimit);
    let eol = line.length;
    if (eol > 0 && line[eol - 1] === 0x0a) eol--;
    if (eol > 0 && line[eol - 1] === 0x0d) eol--;
    let kept = Math.min(record, eol);
    if (limit <= 0) kept = eol;
    else if (kept < eol && length + kept < limit) {
      kept = Math.min(eol, kept + Math.ceil((limit - length - kept) / record) * record);
    }
    return { length: kept, eol };
  }

  /** Records the kept part as the header's next line; returns the bytes that stay in the block. */
  private keep(line: Buffer, length: number, kept: { length: number; eol: number }): Buffer {
    this.headerLength = length + kept.length;
    this.folds.push(line.toString('binary', 0, kept.length));
    if (kept.length === kept.eol) return line;
    return Buffer.concat([line.subarray(0, kept.length), line.subarray(kept.eol)]);
  }
}

function isFold(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09;
}

function isBlank(line: Buffer): boolean {
  if (line.length === 1) return line[0] === 0x0a;
  return line.length === 2 && line[0] === 0x0d && line[1] === 0x0a;
}

/** Postfix's is_header(): printable ASCII other than ":" (at least one), optional blanks, ":". */
function isHeaderStart(line: Buffer): boolean {
  let i = 0;
  while (i < line.length) {
    const c = line[i] as number;
    if (c === 0x3a || c <= 0x20 || c >= 0x7f) break;
    i++;
  }
  if (i === 0) return false;
  while (i < line.length && (line[i] === 0x20 || line[i] === 0x09)) i++;
  return line[i] === 0x3a;
}
