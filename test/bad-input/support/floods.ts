// Floods from one IP (200 parallel connections, command floods in one write,
// slowloris, 500 half-open TLS handshakes on submissions) and the per-IP slot
// counters the groups use to see connections the server never lets go.
import { AttackConn, clientHelloBytes, sleep } from './attacker.ts';
import type { ListenerName } from './fleet.ts';
import type { Group } from './group.ts';
import { RCPT, headerLines, helloOn, openOn } from './session.ts';

/** smtpd_client_connection_count_limit's default, which the suite's policy keeps. */
export const CONNECTION_LIMIT = 50;

function tally(items: string[]): string {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return [...m].map(([k, n]) => `${n}× ${k}`).join(', ');
}

/** Opens n connections at once, in batches; connect failures come back as null. */
async function openMany(
  n: number,
  open: () => Promise<AttackConn>,
): Promise<(AttackConn | null)[]> {
  const out: (AttackConn | null)[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, () => open().catch(() => null));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/**
 * How many new sessions from 127.0.0.1 the smtp listener greets right now (at most
 * max): per-IP connection slots the anvil still has free. Every probe session is
 * ended with QUIT and waited for, so the probe itself gives its slots back.
 */
export async function freeSlots(port: number, max = CONNECTION_LIMIT + 1): Promise<number> {
  const conns = await openMany(max, () => AttackConn.open(port));
  const firsts = await Promise.all(
    conns.map((c) => (c ? c.reply(5000) : Promise.resolve('connect failed'))),
  );
  await Promise.all(
    conns.map(async (c) => {
      if (!c) return;
      if (!c.closed) await c.write('QUIT\r\n');
      await c.waitClosed(2000);
      c.destroy();
    }),
  );
  await sleep(100); // the server releases a slot just after the close
  return firsts.filter((r) => r.startsWith('220')).length;
}

/**
 * Counts free per-IP slots cheaply while a matrix runs: all but `spare` free slots are
 * held by idle "ballast" sessions (a NOOP every 2 s keeps them under smtpd_timeout), so
 * a count needs only spare + 1 probe sessions. Ballast is let go as slots leak, so the
 * cells keep `spare` slots to run in.
 */
export class SlotGauge {
  private ballast: AttackConn[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly port: number;
  private readonly spare: number;

  private constructor(port: number, spare: number) {
    this.port = port;
    this.spare = spare;
    this.timer = setInterval(() => {
      for (const c of this.ballast) if (!c.closed) void c.write('NOOP\r\n');
    }, 2000);
  }

  static async open(port: number, spare = 4): Promise<SlotGauge> {
    const g = new SlotGauge(port, spare);
    const free = await freeSlots(port);
    const conns = await openMany(Math.max(0, free - spare), () => AttackConn.open(port));
    for (const c of conns) {
      if (c && (await c.reply(5000)).startsWith('220')) g.ballast.push(c);
      else c?.destroy();
    }
    return g;
  }

  /** Free slots as if no ballast were held. */
  async free(): Promise<number> {
    this.ballast = this.ballast.filter((c) => !c.closed);
    const probe = await freeSlots(this.port, this.spare + 1);
    for (let n = probe; n < this.spare && this.ballast.length > 0; n++) this.release(1);
    return probe + this.ballast.length;
  }

  private release(n: number): void {
    for (const c of this.ballast.splice(0, n)) {
      void c.write('QUIT\r\n');
      c.close('FIN');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const all = this.ballast.splice(0);
    await Promise.all(
      all.map(async (c) => {
        if (!c.closed) await c.write('QUIT\r\n');
        await c.waitClosed(2000);
        c.destroy();
      }),
    );
    await sleep(100);
  }
}

export async function parallelConnections(g: Group, port: number, n = 200): Promise<void> {
  const conns = await openMany(n, () => AttackConn.open(port));
  const firsts = await Promise.all(
    conns.map((c) => (c ? c.reply(10_000) : Promise.resolve('connect failed'))),
  );
  const kinds = firsts.map((r) => (r.startsWith('2') || r.startsWith('4') ? r.slice(0, 3) : r));
  const greeted = kinds.filter((k) => k === '220').length;
  const refused = kinds.filter((k) => k === '421').length;
  g.notes.push(`first replies: ${tally(kinds)}`);
  if (greeted > CONNECTION_LIMIT)
    g.findings.push(
      `${greeted} of ${n} parallel connections from one IP were greeted (smtpd_client_connection_count_limit ${CONNECTION_LIMIT})`,
    );
  if (greeted + refused < conns.length)
    g.findings.push(
      `${conns.length - greeted - refused} connections got neither 220 nor 421 (${tally(kinds)})`,
    );
  await sleep(300);
  for (const c of conns) c?.close('FIN');
  await sleep(500);
}

export interface Flood {
  label: string;
  /** Whether the server must end the session (error/junk limits) within the wait. */
  mustClose: boolean;
  payload(sender: string): string;
}

export const FLOODS: Flood[] = [
  { label: '10,000 NOOPs in one write', mustClose: true, payload: () => 'NOOP\r\n'.repeat(10_000) },
  {
    label: '10,000 unknown commands in one write',
    mustClose: true,
    payload: () => 'XYZZY plugh\r\n'.repeat(10_000),
  },
  {
    label: '2,000 pipelined RCPTs (then DATA) in one write',
    mustClose: false,
    payload: (s) =>
      `MAIL FROM:<${s}>\r\n${`RCPT TO:<${RCPT}>\r\n`.repeat(2000)}DATA\r\n` +
      `${headerLines(s, 'rcpt flood')}\r\nbody\r\n.\r\nQUIT\r\n`,
  },
];

/** One flood in one write after EHLO; waits for the replies until the server ends the session. */
export async function commandFlood(
  g: Group,
  port: number,
  f: Flood,
  waitMs = 20_000,
): Promise<void> {
  const c = await AttackConn.open(port);
  const sender = g.sender('flood');
  try {
    await helloOn(c, 'smtp');
    const t0 = performance.now();
    await c.write(f.payload(sender));
    const replies = await c.drainReplies(waitMs);
    const ms = Math.round(performance.now() - t0);
    for (const r of replies) g.accepted(r, sender);
    const codes = replies.map((r) => r.slice(0, 3));
    g.notes.push(
      `${replies.length} replies (${tally(codes)}), ${c.closed ? `closed after ${ms} ms` : 'still open'}`,
    );
    if (f.mustClose && !c.closed)
      g.findings.push(`session not ended by the error limits within ${waitMs / 1000} s`);
  } finally {
    c.destroy();
  }
}

interface Slow {
  label: string;
  listener: ListenerName;
  /** Gets the session to where the dribbling starts. */
  prepare(c: AttackConn, sender: string): Promise<void>;
  dribble: string;
}

const SLOW: Slow[] = [
  {
    label: 'a command line on smtp',
    listener: 'smtp',
    prepare: async (c) => void (await c.reply()),
    dribble: 'EHLO slowloris.example.org and a very long tail',
  },
  {
    label: 'the message body on smtp',
    listener: 'smtp',
    prepare: async (c, s) => {
      await helloOn(c, 'smtp');
      await c.cmd(`MAIL FROM:<${s}>`);
      await c.cmd(`RCPT TO:<${RCPT}>`);
      await c.cmd('DATA');
    },
    dribble: 'Subject: one byte at a time, never finishing this line or this message',
  },
  {
    label: 'a command line on submission',
    listener: 'submission',
    prepare: async (c) => void (await c.reply()),
    dribble: 'EHLO slowloris.example.org and a very long tail',
  },
  {
    label: 'a command line inside TLS on submissions',
    listener: 'submissions',
    prepare: async (c) => void (await c.reply()),
    dribble: 'EHLO slowloris.example.org and a very long tail',
  },
];

/**
 * Slowloris: one byte every intervalMs (under smtpd_timeout, so an idle timer never
 * fires). A server that bounds the time per command line or content line cuts each
 * client off within about smtpd_timeout.
 */
export async function slowloris(
  g: Group,
  ports: Record<ListenerName, number>,
  smtpdTimeoutS: number,
  intervalMs = 2000,
  boundMs = 20_000,
): Promise<void> {
  const allowedMs = 2 * smtpdTimeoutS * 1000 + intervalMs;
  await Promise.all(
    SLOW.map(async (s) => {
      const c = await openOn(ports[s.listener], s.listener);
      try {
        await s.prepare(c, g.sender('slow'));
        const t0 = performance.now();
        let sent = 0;
        while (!c.closed && performance.now() - t0 < boundMs && sent < s.dribble.length) {
          await c.write(s.dribble.charAt(sent++));
          await c.waitClosed(intervalMs);
        }
        const ms = Math.round(performance.now() - t0);
        const last = c.transcript.trim().split('\n').at(-1)?.trim() ?? '';
        if (!c.closed)
          g.findings.push(
            `slowloris on ${s.label}: still connected after ${Math.round(ms / 1000)} s of one byte per ${intervalMs / 1000} s (smtpd_timeout ${smtpdTimeoutS} s)`,
          );
        else if (ms > allowedMs)
          g.findings.push(
            `slowloris on ${s.label}: cut off only after ${ms} ms (allowed ${allowedMs})`,
          );
        else g.notes.push(`slowloris on ${s.label}: cut off after ${ms} ms (${last.slice(0, 60)})`);
      } finally {
        c.destroy();
      }
    }),
  );
}

/** n raw TCP connections to submissions that each send half a ClientHello and wait. */
export async function halfOpenTls(g: Group, port: number, n = 500, holdMs = 1500): Promise<void> {
  const hello = await clientHelloBytes();
  const part = hello.subarray(0, 60);
  const conns = await openMany(n, async () => {
    const c = await AttackConn.open(port);
    await c.write(part);
    return c;
  });
  const opened = conns.filter((c): c is AttackConn => c !== null);
  await sleep(holdMs);
  const held = opened.filter((c) => !c.closed).length;
  g.notes.push(
    `${opened.length} of ${n} opened, ${held} still held by the server after ${holdMs} ms`,
  );
  if (held > CONNECTION_LIMIT)
    g.findings.push(
      `submissions held ${held} half-open TLS handshakes from one IP (per-IP limit ${CONNECTION_LIMIT} not applied before TLS)`,
    );
  for (const c of opened) c.close('RST');
  await sleep(500);
  // a real TLS client gets its greeting again once the half-open ones are gone
  let greeting: string;
  try {
    const c = await openOn(port, 'submissions');
    greeting = await c.reply(5000);
    c.destroy();
  } catch (err) {
    greeting = (err as Error).message;
  }
  if (!greeting.startsWith('220'))
    g.findings.push(`a TLS client on submissions got no greeting afterwards (${greeting})`);
}
