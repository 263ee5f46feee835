// Concurrent SMTP senders for the kill tests: each client sends messages one
// after another on raw sockets (unique sender and Message-ID per message) and
// records per message whether it was accepted (with its queue id), refused, or dropped.
import { RawSmtp } from '../../e2e/support/raw-smtp.ts';

export type Outcome =
  | { kind: 'accepted'; queueId: string }
  | { kind: 'refused'; reply: string }
  | { kind: 'dropped'; stage: string };

export interface SentMessage {
  /** Unique envelope sender, r<round>c<client>m<n>@example.test. */
  sender: string;
  messageId: string;
  outcome: Outcome;
}

export interface LoadOptions {
  port: number;
  round: number;
  clients: number;
  rcpt: string;
  /** Per round cap on messages per client. */
  maxPerClient: number;
  /** True once the clients should finish (after the kill). */
  stopped: () => boolean;
  /** Called right after a client has sent the end-of-data dot. */
  onDataEnd?: () => void;
}

export interface LoadResult {
  messages: SentMessage[];
  /** Connections that were refused (postfleet down). */
  refusedConnects: number;
}

/** The body every message carries, dot-terminated after it. */
export const BODY = 'reliability body line\r\n'.repeat(20);

const QUEUED = /^250 2\.0\.0 Ok: queued as (\S+)/;

async function sendOne(
  s: RawSmtp,
  sender: string,
  messageId: string,
  rcpt: string,
  n: number,
  onDataEnd?: () => void,
): Promise<Outcome> {
  const steps: Array<[string, string, RegExp]> = [
    ['MAIL', `MAIL FROM:<${sender}>`, /^250/],
    ['RCPT', `RCPT TO:<${rcpt}>`, /^250/],
    ['DATA', 'DATA', /^354/],
  ];
  for (const [stage, line, ok] of steps) {
    const r = await s.cmd(line);
    if (r === null) return { kind: 'dropped', stage };
    if (!ok.test(r)) return { kind: 'refused', reply: `${stage}: ${r}` };
  }
  const body =
    `From: <${sender}>\r\nTo: <${rcpt}>\r\nSubject: kill test ${n}\r\n` +
    `Message-ID: <${messageId}>\r\n\r\n` +
    `${BODY}.`;
  const pending = s.cmd(body);
  onDataEnd?.();
  const r = await pending;
  if (r === null) return { kind: 'dropped', stage: 'DATA-end' };
  const m = QUEUED.exec(r);
  if (m) return { kind: 'accepted', queueId: m[1]! };
  return { kind: 'refused', reply: `DATA-end: ${r}` };
}

async function client(opts: LoadOptions, c: number, out: LoadResult): Promise<void> {
  let s: RawSmtp | undefined;
  let n = 0;
  while (!opts.stopped() && n < opts.maxPerClient) {
    if (!s) {
      try {
        s = await RawSmtp.open(opts.port);
        const greet = await s.reply(10_000);
        const ehlo = greet === null ? null : await s.cmd('EHLO client.example.org');
        if (ehlo === null || !ehlo.startsWith('250')) throw new Error(`greeting: ${greet} ${ehlo}`);
      } catch {
        s?.close();
        s = undefined;
        out.refusedConnects++;
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
    }
    n++;
    const sender = `r${opts.round}c${c}m${n}@example.test`;
    const messageId = `r${opts.round}.c${c}.m${n}.${process.pid}@reliability.test`;
    let outcome: Outcome;
    try {
      outcome = await sendOne(s, sender, messageId, opts.rcpt, n, opts.onDataEnd);
    } catch (err) {
      outcome = { kind: 'dropped', stage: `timeout: ${(err as Error).message.slice(0, 80)}` };
    }
    out.messages.push({ sender, messageId, outcome });
    if (outcome.kind !== 'accepted') {
      s.close();
      s = undefined;
    }
  }
  s?.close();
}

/** Runs opts.clients senders until stopped() or the cap; resolves when all have finished. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const out: LoadResult = { messages: [], refusedConnects: 0 };
  await Promise.all(Array.from({ length: opts.clients }, (_, c) => client(opts, c, out)));
  return out;
}
