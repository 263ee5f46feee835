// Type declarations for the parts of mailsplit (no published types) that the message
// index uses: the splitter's MIME state machine (boundary matching, node creation, the
// end of a header block) and its nodes. Modelled on services/2-cleanup/src/mailsplit.d.ts.
declare module 'mailsplit' {
  import { Transform } from 'node:stream';

  export interface MimeNode {
    type: 'node';
    root: boolean;
    parentNode: MimeNode | false;
    /** Truthy once the header block has been parsed. */
    headers: object | false;
    /** Parses the header block; called by processLine() at the end of the header. */
    parseHeaders(): void;
    contentType: string | false;
    multipart: string | false;
    encoding: string | false;
    disposition: string | false;
    rfc822: boolean;
    /** True for a message/rfc822 part whose content is parsed as an embedded message. */
    messageNode?: boolean;
    /** This node's own boundary (a multipart), and the boundary that ends it. */
    _boundary: Buffer | false;
    _parentBoundary: Buffer | false;
    _headerlen: number;
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
    /** Open multipart nodes, pushed when their header ends. */
    tree: MimeNode[];
    newNode(parent?: MimeNode | false): void;
    /** One physical line (LF included) or, with final, the end of input; answers through next. */
    processLine(line: Buffer | false, final: boolean, next: ProcessLineCallback): void;
    /** Whether line (from startpos) is "--boundary" (1) or "--boundary--" (2), then CRLF/LF/end. */
    compareBoundary(line: Buffer, startpos: number, boundary: Buffer): 1 | 2 | false;
  }
}
