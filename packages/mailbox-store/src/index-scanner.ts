// The streaming core of the message index: a message goes line by line through mailsplit's
// MIME state machine (boundary matching, header ends, attached messages), and every part's
// header and body are located as byte ranges of the original with their line counts, while
// at most one line (or a 64 KiB piece of a longer one) is held in memory.
import { Splitter, type MimeNode } from 'mailsplit';
import { isEncapsulated, opaque, partContent, type PartContent } from './index-bodystructure.ts';
import {
  imapEnvelope,
  searchFields,
  type ImapEnvelope,
  type SearchFields,
} from './index-envelope.ts';
import { HeaderFields, MESSAGE_FIELDS, MIME_FIELDS } from './index-headers.ts';

export interface ScanLimits {
  /** Parts nested deeper than this are not parsed: their content is their body. */
  maxDepth: number;
  /** After this many parts, the rest of the message is the body of the part it is in. */
  maxParts: number;
}

/** How a part's body was read: as data, as a list of parts, or as a message. */
export type Layout = 'leaf' | 'multipart' | 'message';

export interface ScannedPart {
  depth: number;
  layout: Layout;
  content: PartContent;
  /** The envelope of a message's top part (the whole message, or an attached one). */
  envelope: ImapEnvelope | null;
  offset: number;
  headerSize: number;
  bodyOffset: number;
  size: number;
  lines: number;
  children: ScannedPart[];
  message: ScannedPart | null;
}

export interface ScanResult {
  root: ScannedPart;
  size: number;
  search: SearchFields;
  /** The first HEADER_TEXT_CAP bytes of the top-level header block. */
  headerText: Buffer;
}

/** Bytes of the top-level header kept as text (MessageIndex.headers). */
export const HEADER_TEXT_CAP = 64 * 1024;
/** A line longer than this is taken in pieces: it can be neither a boundary nor a blank line. */
const PIECE = 64 * 1024;
// mailsplit's parser states.
const HEAD = 1;
const BODY = 2;
const EMPTY = Buffer.alloc(0);

const DEFAULT_CONTENT: PartContent = {
  type: 'text',
  subtype: 'plain',
  params: { charset: 'us-ascii' },
  id: null,
  description: null,
  encoding: '7bit',
  disposition: null,
  language: null,
  location: null,
};

/** A part while it is open: its MimeNode, enclosing part and what its end depends on. */
interface Scan {
  part: ScannedPart;
  node: MimeNode;
  parent: Scan | null;
  /** The top part of a message: its header has the envelope fields. */
  messageTop: boolean;
  /** Header fields while the header is read; dropped once it has been parsed. */
  fields: HeaderFields | null;
  /** Line feeds in the message before this part's body. */
  lfAtBody: number;
  /** A multipart whose close delimiter has been seen: its boundary is text from now on. */
  ended: boolean;
}

/** The previous line: a boundary takes its line break when it belongs to a part that ends. */
interface Prev {
  kind: 'none' | 'header' | 'eoh' | 'body' | 'boundary';
  owner: Scan | null;
  eol: number;
  nonEmpty: boolean;
}

export class MessageScanner extends Splitter {
  private readonly limits: ScanLimits;
  private readonly scans = new Map<MimeNode, Scan>();
  private readonly rootScan: Scan;
  private search: SearchFields | null = null;
  private count = 0;
  /** Bytes and line feeds taken so far. */
  private pos = 0;
  private lf = 0;
  /** The start of a line whose end has not arrived. */
  private held: Buffer[] = [];
  private heldLength = 0;
  /** Set while the current line continues a piece already taken (a long line). */
  private piece: { endsCR: boolean } | null = null;
  private prev: Prev = { kind: 'none', owner: null, eol: 0, nonEmpty: false };
  /** Where the next part created starts. */
  private nextOffset = 0;
  /** Set once maxParts is reached: no more boundaries are looked for. */
  private frozen = false;
  private headerText: Buffer[] = [];
  private headerTextLength = 0;

  constructor(limits: ScanLimits) {
    super({
      defaultInlineEmbedded: true,
      maxChildNodes: Number.MAX_SAFE_INTEGER,
      maxHeadSize: Number.MAX_SAFE_INTEGER,
    });
    this.limits = limits;
    this.rootScan = this.register(this.node, null);
  }

  override newNode(parent?: MimeNode | false): void {
    super.newNode(parent);
    // mailsplit's constructor creates the root before this class's fields exist.
    if (!this.scans) return;
    this.register(this.node, parent ? (this.scans.get(parent) ?? null) : null);
  }

  /** Takes the next chunk of the message. */
  feed(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) {
        this.hold(chunk.subarray(start));
        return;
      }
      let line = chunk.subarray(start, nl + 1);
      if (this.heldLength > 0) {
        line = Buffer.concat([...this.held, line], this.heldLength + line.length);
        this.held = [];
        this.heldLength = 0;
      }
      this.takeLine(line);
      start = nl + 1;
    }
  }

  /** Ends the message: the last line, any header still open, every open part. */
  finish(): ScanResult {
    if (this.heldLength > 0) {
      const last = Buffer.concat(this.held, this.heldLength);
      this.held = [];
      this.heldLength = 0;
      this.takeLine(last);
    }
    this.finishHeaders(this.pos, this.lf);
    const prev = this.prev;
    const tail =
      prev.eol === 0 && prev.nonEmpty && (prev.kind === 'body' || prev.kind === 'boundary');
    for (let scan: Scan | null = this.current(); scan; scan = scan.parent) {
      this.close(scan, this.pos, this.lf, tail);
    }
    const search = this.search ?? searchFields(new HeaderFields([]));
    return {
      root: this.rootScan.part,
      size: this.pos,
      search,
      headerText: Buffer.concat(this.headerText, this.headerTextLength),
    };
  }

  private hold(rest: Buffer): void {
    // A copy: the rest is a view of a chunk that should not be kept alive.
    this.held.push(Buffer.from(rest));
    this.heldLength += rest.length;
    if (this.heldLength < this.pieceLimit()) return;
    const piece = Buffer.concat(this.held, this.heldLength);
    this.held = [];
    this.heldLength = 0;
    this.takePiece(piece);
  }

  /** Past the longest boundary in reach (mailsplit's compareBoundary), a line is no boundary. */
  private pieceLimit(): number {
    let longest = 0;
    for (let scan: Scan | null = this.current(); scan; scan = scan.parent) {
      const boundary = scan.node._boundary;
      if (boundary) longest = Math.max(longest, boundary.length);
    }
    return Math.max(PIECE, longest + 16);
  }

  /** The start, or a further piece, of a line too long to be held whole. */
  private takePiece(piece: Buffer): void {
    const scan = this.current();
    const inHeader = this.state === HEAD;
    if (inHeader) scan.fields?.add(piece, this.piece === null);
    this.advance(piece, scan, inHeader);
    this.piece = { endsCR: piece[piece.length - 1] === 0x0d };
    this.prev = { kind: inHeader ? 'header' : 'body', owner: scan, eol: 0, nonEmpty: true };
  }

  /** A whole line with its line break (only the last line of a message may lack one). */
  private takeLine(line: Buffer): void {
    const continued = this.piece;
    this.piece = null;
    if (continued === null && !this.frozen) {
      const found = this.findBoundary(line);
      if (found && this.takeBoundary(found.owner, found.close, line)) return;
    }
    const scan = this.current();
    const eol = lineBreak(line, continued?.endsCR ?? false);
    const nonEmpty = continued !== null || line.length > lineBreak(line, false);
    if (this.state !== HEAD) {
      this.advance(line, scan, false);
      this.prev = { kind: 'body', owner: scan, eol, nonEmpty };
    } else if (continued === null && isBlankLine(line)) {
      this.advance(line, scan, true);
      this.finishHeader(this.pos, this.lf, line);
      this.prev = { kind: 'eoh', owner: scan, eol, nonEmpty: false };
    } else {
      scan.fields?.add(line, continued === null);
      this.advance(line, scan, true);
      this.prev = { kind: 'header', owner: scan, eol, nonEmpty };
    }
  }

  /**
   * The multipart a boundary line belongs to, the innermost first (RFC 2046 §5.1.2): the
   * current part's own, then those of the multiparts around it, as Dovecot looks for them;
   * the line is compared by mailsplit's compareBoundary. A multipart that has ended no
   * longer has a boundary.
   */
  private findBoundary(line: Buffer): { owner: Scan; close: boolean } | null {
    if (line.length < 3 || line[0] !== 0x2d || line[1] !== 0x2d) return null;
    const current = this.current();
    let scan: Scan | null = current.part.layout === 'multipart' ? current : this.ownerOf(current);
    for (; scan; scan = this.ownerOf(scan)) {
      const boundary = scan.node._boundary;
      if (scan.ended || !boundary) continue;
      const match = this.compareBoundary(line, 0, boundary);
      if (match) return { owner: scan, close: match === 2 };
    }
    return null;
  }

  /**
   * A boundary line of owner: the next part, or with close its end. The line break before
   * the line belongs to it (RFC 2046 §5.1.1), so the parts it ends, a header it interrupts
   * included, end before that line break (none after another boundary line: Dovecot).
   * False when the line is text after all: a new part beyond maxParts.
   */
  private takeBoundary(owner: Scan, close: boolean, line: Buffer): boolean {
    const start = this.pos;
    if (!close && this.count >= this.limits.maxParts) {
      this.frozen = true;
      return false;
    }
    const prev = this.prev;
    const takesBreak = prev.kind === 'header' || prev.kind === 'body';
    const trim = takesBreak && prev.owner !== owner ? prev.eol : 0;
    const cut = start - trim;
    const lfAtCut = this.lf - (trim > 0 ? 1 : 0);
    this.finishHeaders(cut, lfAtCut);
    const tail = trim > 0 && prev.nonEmpty;
    for (let scan: Scan | null = this.current(); scan && scan !== owner; scan = scan.parent) {
      this.close(scan, cut, lfAtCut, tail);
    }
    this.nextOffset = start + line.length;
    if (close) {
      owner.ended = true;
      this.node = owner.node;
      this.state = BODY;
    } else {
      this.newNode(owner.node);
    }
    this.advance(line, owner, false);
    this.prev = { kind: 'boundary', owner, eol: lineBreak(line, false), nonEmpty: true };
    return true;
  }

  /** Ends the header being read at end (and that of a message/rfc822 part's empty message). */
  private finishHeaders(end: number, lfAtEnd: number): void {
    for (let i = 0; i < 2 && this.state === HEAD; i++) {
      const offset = this.current().part.offset;
      // A part starts at or before the end of its own header; the guard is for safety.
      if (end >= offset) this.finishHeader(end, lfAtEnd, EMPTY);
      else this.finishHeader(offset, this.lf, EMPTY);
    }
  }

  /** mailsplit ends the header (the blank line, or none: EMPTY) and starts the body. */
  private finishHeader(headerEnd: number, lfAtBody: number, line: Buffer): void {
    const scan = this.current();
    scan.part.headerSize = headerEnd - scan.part.offset;
    scan.part.bodyOffset = headerEnd;
    scan.lfAtBody = lfAtBody;
    this.nextOffset = headerEnd;
    const result: { error?: Error | null } = {};
    this.processLine(line, line.length === 0, (error) => {
      result.error = error;
    });
    if (result.error) throw result.error;
    // Parts are tracked here; mailsplit's own stack of multiparts is not used.
    this.tree.length = 0;
    // mailsplit gives an attached message its parent's boundary, not its enclosing multipart's.
    if (this.node !== scan.node) this.node._parentBoundary = this.ownerBoundary(this.current());
  }

  /** Replaces MimeNode.parseHeaders: the part's layout, and what mailsplit reads of the node. */
  private decide(scan: Scan): void {
    const node = scan.node;
    if (node.headers) return;
    node.headers = {};
    const part = scan.part;
    const fields = scan.fields ?? new HeaderFields([]);
    scan.fields = null;
    const parent = scan.parent?.part;
    const digestChild = parent?.layout === 'multipart' && parent.content.subtype === 'digest';
    const { content, boundary } = partContent(fields, digestChild);
    const nest = part.depth < this.limits.maxDepth && this.count < this.limits.maxParts;
    let layout: Layout = 'leaf';
    if (nest && content.type === 'multipart') {
      // Without a boundary it has no parts (IMAP shows one empty text/plain part), as Dovecot.
      layout = 'multipart';
    } else if (nest && isEncapsulated(content)) {
      layout = 'message';
    }
    part.layout = layout;
    part.content = layout === 'leaf' ? opaque(content) : content;
    if (scan.messageTop) part.envelope = imapEnvelope(fields);
    if (scan === this.rootScan) this.search = searchFields(fields);

    node.contentType =
      layout === 'message'
        ? 'message/rfc822'
        : layout === 'multipart'
          ? `multipart/${content.subtype}`
          : 'application/octet-stream';
    node.multipart = layout === 'multipart' ? content.subtype : false;
    node._boundary = layout === 'multipart' && boundary && boundary.length > 0 ? boundary : false;
    // mailsplit embeds a message/rfc822 part only when it is not encoded: decided above.
    node.encoding = layout === 'message' ? '' : content.encoding;
    node.disposition = false;
    node.rfc822 = layout === 'message';
  }

  private register(node: MimeNode, parent: Scan | null): Scan {
    const messageTop = parent === null || parent.part.layout === 'message';
    const part: ScannedPart = {
      depth: parent ? parent.part.depth + 1 : 0,
      layout: 'leaf',
      content: DEFAULT_CONTENT,
      envelope: null,
      offset: this.nextOffset,
      headerSize: 0,
      bodyOffset: this.nextOffset,
      size: 0,
      lines: 0,
      children: [],
      message: null,
    };
    if (parent?.part.layout === 'message') parent.part.message = part;
    else parent?.part.children.push(part);
    const scan: Scan = {
      part,
      node,
      parent,
      messageTop,
      fields: new HeaderFields(messageTop ? MESSAGE_FIELDS : MIME_FIELDS),
      lfAtBody: 0,
      ended: false,
    };
    this.scans.set(node, scan);
    this.count++;
    node.parseHeaders = () => this.decide(scan);
    node._parentBoundary = this.ownerBoundary(scan);
    return scan;
  }

  /** Sizes a part that ends at end (exclusive); tail: its last line has no line break. */
  private close(scan: Scan, end: number, lfAtEnd: number, tail: boolean): void {
    const part = scan.part;
    const bodyEnd = Math.max(end, part.bodyOffset);
    part.size = bodyEnd - part.bodyOffset;
    part.lines = Math.max(0, lfAtEnd - scan.lfAtBody) + (tail && part.size > 0 ? 1 : 0);
    this.scans.delete(scan.node);
  }

  private advance(bytes: Buffer, scan: Scan, inHeader: boolean): void {
    this.pos += bytes.length;
    if (bytes[bytes.length - 1] === 0x0a) this.lf++;
    if (inHeader && scan === this.rootScan && this.headerTextLength < HEADER_TEXT_CAP) {
      const kept = Buffer.from(bytes.subarray(0, HEADER_TEXT_CAP - this.headerTextLength));
      this.headerText.push(kept);
      this.headerTextLength += kept.length;
    }
  }

  private current(): Scan {
    const scan = this.scans.get(this.node);
    if (!scan) throw new Error('message index: the current MIME part is not open');
    return scan;
  }

  /** The multipart whose boundaries end a part: its parent, past any message/rfc822 parts. */
  private ownerOf(scan: Scan): Scan | null {
    let owner = scan.parent;
    while (owner && owner.part.layout === 'message') owner = owner.parent;
    return owner;
  }

  private ownerBoundary(scan: Scan): Buffer | false {
    return this.ownerOf(scan)?.node._boundary ?? false;
  }
}

/** Bytes of the line break ending a line; a lone LF after a piece ending in CR makes CRLF. */
function lineBreak(line: Buffer, afterCR: boolean): number {
  const n = line.length;
  if (n === 0 || line[n - 1] !== 0x0a) return 0;
  if (n >= 2 && line[n - 2] === 0x0d) return 2;
  return n === 1 && afterCR ? 2 : 1;
}

function isBlankLine(line: Buffer): boolean {
  if (line.length === 1) return line[0] === 0x0a;
  return line.length === 2 && line[0] === 0x0d && line[1] === 0x0a;
}
