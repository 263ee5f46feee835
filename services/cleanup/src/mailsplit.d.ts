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
    changed: boolean;
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

  export class Splitter extends Transform {
    constructor(options?: SplitterOptions);
    /** The node being parsed; replaced by newNode(). */
    node: MimeNode;
    newNode(parent?: MimeNode | false): void;
  }

  export class Joiner extends Transform {
    constructor();
  }
}
