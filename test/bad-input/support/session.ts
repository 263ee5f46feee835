// SMTP sessions the attack groups build on: a connection opened the way each
// listener starts (implicit TLS on submissions), greeting + EHLO (+ STARTTLS on
// submission), and one whole message sent with a bounded wait for its reply.
import { AttackConn, CLOSED, TIMEOUT } from './attacker.ts';
import type { ListenerName } from './fleet.ts';

export const RCPT = 'bob@example.test';

/** A connection as a client of listener has it before the greeting (TLS done on submissions). */
export async function openOn(port: number, listener: ListenerName): Promise<AttackConn> {
  const c = await AttackConn.open(port);
  if (listener === 'submissions') {
    try {
      await c.tlsHandshake();
    } catch (err) {
      c.destroy();
      throw err;
    }
  }
  return c;
}

/** Greeting and EHLO; on submission also STARTTLS and EHLO again over TLS. Returns the last reply. */
export async function helloOn(c: AttackConn, listener: ListenerName): Promise<string> {
  const greeting = await c.reply();
  if (!greeting.startsWith('220')) return `greeting: ${greeting}`;
  const ehlo = await c.cmd('EHLO attacker.example.org');
  if (listener !== 'submission' || !ehlo.startsWith('250')) return ehlo;
  const starttls = await c.cmd('STARTTLS');
  if (!starttls.startsWith('220')) return `STARTTLS: ${starttls}`;
  await c.tlsHandshake();
  return c.cmd('EHLO attacker.example.org');
}

export function headerLines(sender: string, subject: string): string {
  return (
    `From: <${sender}>\r\nTo: <${RCPT}>\r\nSubject: ${subject}\r\n` +
    `Message-ID: <${sender.replace('@', '.')}@bad-input.test>\r\n`
  );
}

export interface SendResult {
  /** Where it ended: "queued", "refused at MAIL", "no reply to end-of-data", ... */
  stage: string;
  reply: string;
  ms: number;
}

/**
 * MAIL, RCPT, DATA on port 25, then the content chunks (CRLF lines, no leading
 * dots) and the end-of-data dot; waits up to replyMs for the final reply.
 */
export async function sendMessage(
  port: number,
  sender: string,
  content: Iterable<string | Buffer>,
  replyMs = 15_000,
): Promise<SendResult> {
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  let c: AttackConn;
  try {
    c = await AttackConn.open(port);
  } catch (err) {
    return { stage: 'connect failed', reply: (err as Error).message, ms: ms() };
  }
  try {
    const steps: Array<[string, string | null, RegExp]> = [
      ['greeting', null, /^220/],
      ['EHLO', 'EHLO sender.example.org', /^250/],
      ['MAIL', `MAIL FROM:<${sender}>`, /^250/],
      ['RCPT', `RCPT TO:<${RCPT}>`, /^250/],
      ['DATA', 'DATA', /^354/],
    ];
    for (const [stage, line, ok] of steps) {
      const r = line === null ? await c.reply(10_000) : await c.cmd(line, 10_000);
      if (!ok.test(r)) return { stage: `refused at ${stage}`, reply: r, ms: ms() };
    }
    await c.writeAll(content);
    await c.write('\r\n.\r\n');
    const r = await c.reply(replyMs);
    const stage =
      r === TIMEOUT
        ? 'no reply to end-of-data'
        : r === CLOSED
          ? 'closed without a reply to end-of-data'
          : r.startsWith('250')
            ? 'queued'
            : 'refused at end-of-data';
    if (!c.closed) {
      await c.write('QUIT\r\n');
      await c.waitClosed(2000); // a polite client lets the server close first
    }
    return { stage, reply: r, ms: ms() };
  } finally {
    c.destroy();
  }
}

/** A plain, small, well-formed message from sender. */
export function normalMessage(sender: string): string[] {
  return [`${headerLines(sender, 'normal message')}\r\nhello from a normal client\r\n`];
}
