// The abrupt-close matrix: for every protocol step a client can be in, bring a
// connection there on one listener and drop it with FIN and with RST; a death or a
// per-IP connection slot the server keeps afterwards is pinned on its cell.
import { AttackConn, clientHelloBytes, sleep, type CloseMode } from './attacker.ts';
import type { ListenerName } from './fleet.ts';
import { SlotGauge } from './floods.ts';
import { slotText, type Group } from './group.ts';
import { RCPT, headerLines, helloOn, openOn } from './session.ts';

interface Cell {
  c: AttackConn;
  listener: ListenerName;
  sender: string;
}

interface Step {
  name: string;
  /** Listeners the step exists on (default: all three). */
  only?: ListenerName[];
  /** Open plain TCP even on submissions (the step is about the TLS handshake itself). */
  rawTcp?: boolean;
  /** Brings the connection to the step; the matrix closes it right after. */
  run(cell: Cell): Promise<void>;
}

async function envelope({ c, listener, sender }: Cell, rcpt = RCPT): Promise<void> {
  await helloOn(c, listener);
  await c.cmd(`MAIL FROM:<${sender}>`);
  await c.cmd(`RCPT TO:<${rcpt}>`);
}

async function in354(cell: Cell): Promise<void> {
  await envelope(cell);
  await cell.c.cmd('DATA');
}

const BODY_200K = 'partial body line of an abandoned message, 64 bytes long......\r\n'.repeat(
  (200 * 1024) / 64,
);

export const STEPS: Step[] = [
  { name: 'before the greeting', rawTcp: true, run: async () => undefined },
  { name: 'after the greeting', run: async ({ c }) => void (await c.reply()) },
  {
    name: 'mid-EHLO line',
    run: async ({ c }) => {
      await c.reply();
      await c.write('EHLO half-a-hostn');
    },
  },
  { name: 'after EHLO', run: async (cell) => void (await helloOn(cell.c, 'smtp')) },
  {
    name: 'mid-STARTTLS handshake (ClientHello sent)',
    only: ['smtp', 'submission'],
    run: async ({ c }) => {
      await helloOn(c, 'smtp');
      if ((await c.cmd('STARTTLS')).startsWith('220')) await c.write(await clientHelloBytes());
    },
  },
  {
    name: 'mid-TLS handshake (partial ClientHello)',
    only: ['submissions'],
    rawTcp: true,
    run: async ({ c }) => {
      const hello = await clientHelloBytes();
      await c.write(hello.subarray(0, Math.floor(hello.length / 2)));
    },
  },
  {
    name: 'right after the TLS handshake',
    only: ['submissions'],
    run: async () => undefined,
  },
  {
    name: 'after MAIL',
    run: async ({ c, listener, sender }) => {
      await helloOn(c, listener);
      await c.cmd(`MAIL FROM:<${sender}>`);
    },
  },
  { name: 'after RCPT', run: (cell) => envelope(cell) },
  { name: 'after RCPT TO:<postmaster>', run: (cell) => envelope(cell, 'postmaster') },
  {
    name: 'right after DATA (before 354)',
    run: async (cell) => {
      await envelope(cell);
      await cell.c.write('DATA\r\n');
    },
  },
  {
    name: 'right after MAIL, RCPT and DATA pipelined in one write',
    run: async ({ c, listener, sender }) => {
      await helloOn(c, listener);
      await c.write(`MAIL FROM:<${sender}>\r\nRCPT TO:<${RCPT}>\r\nDATA\r\n`);
    },
  },
  { name: 'right after 354', run: in354 },
  {
    name: 'after DATA and a few body bytes in one write',
    run: async (cell) => {
      await envelope(cell);
      await cell.c.write(`DATA\r\n${headerLines(cell.sender, 'cut short')}\r\nfirst bytes`);
    },
  },
  {
    name: 'after 200 KB of partial body',
    run: async (cell) => {
      await in354(cell);
      await cell.c.write(`${headerLines(cell.sender, 'cut at 200 KB')}\r\n`);
      await cell.c.writeAll([BODY_200K]);
    },
  },
  {
    name: 'mid-line in the body',
    run: async (cell) => {
      await in354(cell);
      await cell.c.write(`${headerLines(cell.sender, 'cut mid-line')}\r\nhalf a li`);
    },
  },
  {
    name: 'right after the end-of-data dot (before the 250)',
    run: async (cell) => {
      await in354(cell);
      await cell.c.write(`${headerLines(cell.sender, 'dot then gone')}\r\nwhole body\r\n.\r\n`);
    },
  },
];

/** Runs one cell: open, bring to the step, close; a 250 that raced the close still counts. */
async function runCell(
  g: Group,
  listener: ListenerName,
  port: number,
  step: Step,
  mode: CloseMode,
): Promise<void> {
  const sender = g.sender(mode);
  let c: AttackConn | undefined;
  try {
    c = step.rawTcp ? await AttackConn.open(port) : await openOn(port, listener);
    await step.run({ c, listener, sender });
    c.close(mode);
    for (const r of c.transcript.split('\n')) g.accepted(r.trim(), sender);
  } catch (err) {
    g.notes.push(`${mode} ${step.name} on ${listener}: ${(err as Error).message}`);
    c?.destroy();
  }
}

/**
 * Every step of STEPS on listener, closed with FIN and with RST, one cell at a time:
 * a death is pinned on its cell. When per-IP connection slots stay taken after the
 * clients have gone, the cells are replayed with a SlotGauge to name the ones that leak.
 */
export async function abruptCloseMatrix(
  g: Group,
  listener: ListenerName,
  port: number,
  smtpPort: number,
): Promise<void> {
  const cells = STEPS.filter((s) => !s.only || s.only.includes(listener)).flatMap((step) =>
    (['FIN', 'RST'] as CloseMode[]).map((mode) => ({ step, mode })),
  );
  const starts = g.fleet.starts;
  for (const { step, mode } of cells) {
    await runCell(g, listener, port, step, mode);
    await sleep(100);
    await g.aliveAfter(`${mode} ${step.name} on ${listener}`);
  }
  await sleep(500);
  await g.aliveAfter(`the ${listener} matrix (late)`);
  g.notes.push(`${cells.length} cells`);
  if (g.fleet.starts !== starts) return;
  const leaked = await g.leakedSlots();
  g.slotsJudged = true;
  if (leaked === 0) return;
  // Replay every cell with a SlotGauge to name the ones that keep a slot. The gauge's
  // idle sessions grow the heap, so this group's RSS is not judged.
  g.judgeMemory = false;
  g.notes.push('RSS not judged: the slot attribution pass ran');
  const takers: string[] = [];
  const gauge = await SlotGauge.open(smtpPort);
  try {
    let slots = await gauge.free();
    for (const { step, mode } of cells) {
      if (slots < 2) break;
      await runCell(g, listener, port, step, mode);
      await sleep(100);
      if (!g.fleet.alive()) break;
      const now = await gauge.free();
      if (now < slots) takers.push(`${mode} ${step.name}`);
      slots = now;
    }
  } finally {
    await gauge.close();
  }
  g.findings.push(slotText(g, leaked, takers));
}
