// Type declarations for the parts of mailsplit (no published types) that the
// cleanup pipeline uses: the splitter's node/body/data objects and the joiner.
declare module 'mailsplit' {
  import { Transform } from 'node:stream';

  export interface HeaderLine {
    /** Lower-cased header name. */
    key: string;
    /** The raw header as a binary (latin1) string, folded lines joined with CRLF, no final CRLF. */
    line: string;
  }

  export class Headers {
    /** From the raw header block (unparsed until first use) or from parsed lines (changed). */
    constructor(headers: Buffer | HeaderLine[], config?: object);
    changed: boolean;
    parsed: boolean;
    lines: HeaderLine[] | false;
    getList(): HeaderLine[];
    get(key: string): string[];
    getFirst(key: string): string;
    hasHeader(key: string): boolean;
    build(lineEnd?: string): Buffer;
  }

  export interface MimeNode {
    type: 'node';
    disposition: string | false;
    parseHeaders(): void;
    root: boolean;
    parentNode: MimeNode | false;
    headers: Headers;
    contentType: string | false;
    multipart: string | false;
    /** True for a message/rfc822 part whose content is parsed as an embedded message. */
    messageNode?: boolean;
    getHeaders(): Buffer;
    /** Appends one physical line to the header block being read. */
    addHeaderChunk(line: Buffer): void;
    /** The header block's physical lines as read, until parseHeaders() joins them. */
    _headersLines: Buffer[];
    _headerlen: number;
    config: object;
  }

  export interface ContentChunk {
    type: 'body' | 'data';
    node: MimeNode;
    value: Buffer;
  }

  export type SplitterChunk = MimeNode | ContentChunk;

  export interface SplitterOptions {
    ignoreEmbedded?: boolean;
    defaultInlineEmbedded?: boolean;
    maxHeadSize?: number;
    maxChildNodes?: number;
  }

  export type ProcessLineCallback = (
    err?: Error | null,
    data?: SplitterChunk | false,
    flush?: boolean,
  ) => void;

  export class Splitter extends Transform {
    constructor(options?: SplitterOptions);
    /** The node being parsed; replaced by newNode(). */
    node: MimeNode;
    /** 1 while reading the node's header block, 2 in its body. */
    state: number;
    /** The start of a line whose end is in a later chunk. */
    line: Buffer | false;
    newNode(parent?: MimeNode | false): void;
    /** One physical line (LF included) or, with final, the end of input; answers through next. */
    processLine(line: Buffer | false, final: boolean, next: ProcessLineCallback): void;
    /** Non-zero when the line is a boundary of the current or the parent multipart. */
    checkBoundary(line: Buffer): number | false;
  }

  export class Joiner extends Transform {
    constructor();
  }
}
