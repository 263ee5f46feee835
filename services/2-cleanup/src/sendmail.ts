// Local submission (Postfix sendmail + pickup): stores a message read from
// standard input as a raw blob (LF → CRLF), collects -t recipients from its
// headers, and asks cleanup through the same submission client as smtpd.
import { userInfo } from 'node:os';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { BlobStore } from '@postfleet/blob';
import type { Bus } from '@postfleet/bus';
import { createCleanupClient, newQueueId, type CleanupReply } from '@postfleet/queue-record';
import { rewriteAddressList } from './cleanup-headers.ts';

export interface SendmailOptions {
  /** -f sender; default: the invoking user at myhostname. "" or "<>" is the null sender. */
  sender?: string;
  recipients: string[];
  /** -t: also send to the To:, Cc: and Bcc: addresses (Resent-* ones when present). */
  extractRecipients: boolean;
  input: Readable;
  myhostname: string;
  /** How long to wait for cleanup (default 60 s). */
  timeoutMs?: number;
}

export async function submitMessage(
  deps: { bus: Bus; blob: BlobStore },
  opts: SendmailOptions,
): Promise<CleanupReply> {
  const crlf = new LfToCrlf(opts.extractRecipients);
  const submission = createCleanupClient(deps, { timeoutMs: opts.timeoutMs })(
    newQueueId(),
    opts.input.pipe(crlf),
  );
  try {
    await submission.stored;
  } catch (err) {
    await submission.abandon();
    return {
      status: 'tempfail',
      text: `Error: could not store message: ${(err as Error).message}`,
    };
  }
  const recipients = dedupe([
    ...opts.recipients,
    ...(opts.extractRecipients ? headerRecipients(crlf.header) : []),
  ]);
  if (recipients.length === 0) {
    await submission.abandon();
    return { status: 'rejected', code: 554, enhanced: '5.5.1', text: 'No recipients specified' };
  }
  const sender =
    opts.sender === '<>' ? '' : (opts.sender ?? `${userInfo().username}@${opts.myhostname}`);
  const reply = await submission.submit({
    sender,
    recipients: recipients.map((address) => ({ address })),
    arrivalTime: new Date().toISOString(),
    client: {
      address: '127.0.0.1',
      hostname: 'localhost',
      reverseHostname: 'localhost',
      protocol: 'local',
      listener: 'pickup',
    },
  });
  return reply.status === 'tempfail' ? { ...reply, text: `Error: ${reply.text}` } : reply;
}

/** To/Cc/Bcc addresses of a header block, or the Resent-To/Cc/Bcc ones when any Resent- header is present. */
export function headerRecipients(header: string): string[] {
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  const fields = unfolded.map((l) => {
    const colon = l.indexOf(':');
    return { name: l.slice(0, colon).trim().toLowerCase(), value: l.slice(colon + 1) };
  });
  const resent = fields.some((f) => f.name.startsWith('resent-'));
  const wanted = resent ? ['resent-to', 'resent-cc', 'resent-bcc'] : ['to', 'cc', 'bcc'];
  const out: string[] = [];
  for (const f of fields) {
    if (!wanted.includes(f.name)) continue;
    rewriteAddressList(f.value, (a) => {
      out.push(a);
      return a;
    });
  }
  return out;
}

function dedupe(addresses: string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((a) => {
    const k = a.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Header text kept for -t is capped; Postfix's header_size_limit default. */
const HEADER_KEEP_LIMIT = 102_400;

/** Bare LF → CRLF (existing CRLF kept, also across chunk boundaries), remembering the header block for -t. */
export class LfToCrlf extends Transform {
  header = '';
  private readonly keepHeader: boolean;
  private inHeader = true;
  private lastWasCr = false;
  private lineStartsAt = 0;

  constructor(keepHeader: boolean) {
    super();
    this.keepHeader = keepHeader;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const parts: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === 0x0a && !(i > 0 ? chunk[i - 1] === 0x0d : this.lastWasCr)) {
        parts.push(chunk.subarray(start, i), CRLF);
        start = i + 1;
      }
    }
    parts.push(chunk.subarray(start));
    this.lastWasCr = chunk.length > 0 ? chunk[chunk.length - 1] === 0x0d : this.lastWasCr;
    const out = Buffer.concat(parts);
    if (this.keepHeader && this.inHeader) this.collectHeader(out);
    done(null, out);
  }

  private collectHeader(out: Buffer): void {
    this.header += out.toString('utf8');
    const end = this.header.indexOf('\r\n\r\n', Math.max(0, this.lineStartsAt - 3));
    if (this.header.startsWith('\r\n')) {
      this.header = '';
      this.inHeader = false;
    } else if (end >= 0) {
      this.header = this.header.slice(0, end);
      this.inHeader = false;
    } else if (this.header.length > HEADER_KEEP_LIMIT) {
      this.inHeader = false;
    }
    this.lineStartsAt = this.header.length;
  }
}

const CRLF = Buffer.from('\r\n');
