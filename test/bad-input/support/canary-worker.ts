// The canary's session, in its own worker thread so the attackers on the main
// thread cannot delay its clock: one SMTP session on port 25 sending NOOP every
// 50 ms (and a small message every 80 NOOPs, which resets smtpd's junk-command count).
import { connect, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import type { CanaryStats, CanaryRequest } from './canary.ts';

const { port, rcpt } = workerData as { port: number; rcpt: string };
const INTERVAL_MS = 50;
const NOOPS_PER_MESSAGE = 80;

let samples: number[] = [];
let disconnects: string[] = [];
let errors: string[] = [];
let messages: { queueId: string; sender: string }[] = [];
let txMaxMs = 0;
/** The command waiting for its reply: what and since when. */
let pending: { what: string; since: number } | null = null;
let stopping = false;
let sock: Socket | undefined;
let msgSeq = 0;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Lines {
  private buf = '';
  private waiter: (() => void) | undefined;
  closed = false;
  constructor(s: Socket) {
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      this.buf += d;
      this.waiter?.();
    });
    s.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    s.on('error', () => undefined);
  }
  /** The final line of the next reply, or null when the server closed first. */
  async reply(): Promise<string | null> {
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*(\d{3}(?: [^\n]*)?)\r?\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return m[1] ?? '';
      }
      if (this.closed) return null;
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }
}

async function command(s: Socket, lines: Lines, what: string, data: string): Promise<string> {
  const since = performance.now();
  pending = { what, since };
  s.write(data);
  const r = await lines.reply();
  pending = null;
  if (r === null) throw new Error(`closed after ${what}`);
  if (what === 'NOOP') samples.push(performance.now() - since);
  else txMaxMs = Math.max(txMaxMs, performance.now() - since);
  return r;
}

async function message(s: Socket, lines: Lines): Promise<void> {
  const sender = `canary-${process.pid}-${++msgSeq}@example.org`;
  const steps: Array<[string, string, RegExp]> = [
    ['MAIL', `MAIL FROM:<${sender}>\r\n`, /^250/],
    ['RCPT', `RCPT TO:<${rcpt}>\r\n`, /^250/],
    ['DATA', 'DATA\r\n', /^354/],
    [
      'end of data',
      `From: <${sender}>\r\nSubject: canary ${msgSeq}\r\n\r\ncanary body\r\n.\r\n`,
      /^250 /,
    ],
  ];
  for (const [what, data, ok] of steps) {
    const r = await command(s, lines, what, data);
    if (!ok.test(r)) {
      errors.push(`canary ${what}: ${r}`);
      await command(s, lines, 'RSET', 'RSET\r\n');
      return;
    }
    const m = /queued as (\S+)/.exec(r);
    if (m?.[1]) messages.push({ queueId: m[1], sender });
  }
}

async function session(): Promise<void> {
  const s = connect({ host: '127.0.0.1', port });
  sock = s;
  const lines = new Lines(s);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
  pending = { what: 'greeting', since: performance.now() };
  const greeting = await lines.reply();
  pending = null;
  if (!greeting?.startsWith('220')) throw new Error(`greeting: ${greeting ?? '(closed)'}`);
  const ehlo = await command(s, lines, 'EHLO', 'EHLO canary.example.org\r\n');
  if (!ehlo.startsWith('250')) throw new Error(`EHLO: ${ehlo}`);
  let next = performance.now();
  let noops = 0;
  while (!stopping) {
    next += INTERVAL_MS;
    await sleep(Math.max(0, next - performance.now()));
    if (stopping) break;
    if (noops >= NOOPS_PER_MESSAGE) {
      noops = 0;
      await message(s, lines);
      next = performance.now();
      continue;
    }
    const r = await command(s, lines, 'NOOP', 'NOOP\r\n');
    noops++;
    if (!r.startsWith('250')) throw new Error(`NOOP: ${r}`);
  }
  s.end('QUIT\r\n');
}

function window(): CanaryStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const stats: CanaryStats = {
    noops: sorted.length,
    maxMs: sorted.at(-1) ?? 0,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    pending: pending ? { what: pending.what, ms: performance.now() - pending.since } : null,
    txMaxMs,
    disconnects,
    errors,
    messages,
  };
  samples = [];
  disconnects = [];
  errors = [];
  messages = [];
  txMaxMs = 0;
  return stats;
}

parentPort?.on('message', (req: CanaryRequest) => {
  if (req.cmd === 'window') parentPort?.postMessage({ id: req.id, stats: window() });
  else if (req.cmd === 'stop') {
    stopping = true;
    sock?.destroy();
    parentPort?.postMessage({ id: req.id, stats: window() });
  }
});

while (!stopping) {
  try {
    await session();
  } catch (err) {
    if (!stopping) disconnects.push((err as Error).message);
  }
  pending = null;
  sock?.destroy();
  if (!stopping) await sleep(200);
}
parentPort?.close();
