// One attack group and the checks it ends with: postfleet alive and answering, per-IP
// slots released, a normal message queued, canary NOOPs under 100 ms, RSS back within
// 20%, every 250 queued once. Failures become one line: "<group>: <finding>; ...".
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { queueBlobKey } from '@postfleet/queue-record';
import { sleep } from './attacker.ts';
import { describeCanary, startCanary, type Canary, type CanaryStats } from './canary.ts';
import type { Fleet, ListenerName } from './fleet.ts';
import { CONNECTION_LIMIT, freeSlots } from './floods.ts';
import { Ledger } from './ledger.ts';
import { RCPT, helloOn, normalMessage, openOn, sendMessage } from './session.ts';

/** The canary's NOOP latency bound, per group (p100). */
export const CANARY_MAX_MS = 100;
/** RSS after a group may exceed its value at the start of the group by this fraction. */
export const RSS_SLACK = 0.2;
/** How long RSS gets to come back after a group. */
const RSS_SETTLE_MS = 15_000;

export interface Suite {
  fleet: Fleet;
  canary: Canary;
  ledger: Ledger;
  /** VmRSS (kB) right after start and warm-up; measured again after a restart (for the record). */
  startRssKb: number;
}

export interface Group {
  name: string;
  suite: Suite;
  fleet: Fleet;
  /** Collected failures; the test fails with all of them on one line. */
  findings: string[];
  /** Facts printed as the group's diagnostic line. */
  notes: string[];
  /** Free per-IP connection slots (probed on smtp) when the group began. */
  slotsBefore: number;
  /** Set by a body that judged the slots itself (the generic check is then skipped). */
  slotsJudged: boolean;
  /** False when the body did something that makes the RSS check meaningless. */
  judgeMemory: boolean;
  /** How many of slotsBefore are still taken once SLOT_RELEASE_MS have passed (0: none). */
  leakedSlots(): Promise<number>;
  /** A unique envelope sender for one message of this group. */
  sender(tag: string): string;
  /** Records a reply; returns the queue id when it was "250 ... queued as". */
  accepted(reply: string, sender: string): string | null;
  /** After a step: when postfleet has died, records it against that step and restarts it. */
  aliveAfter(step: string): Promise<boolean>;
}

let senderSeq = 0;

/**
 * Pays postfleet's first-use costs (JIT, TLS contexts, first blob and bus writes) before
 * anything is measured: normal messages (one of 2 MB), a TLS session on submissions,
 * 20 parallel sessions on smtp.
 */
async function warmUp(suite: Suite): Promise<void> {
  const { ports } = suite.fleet;
  for (let i = 0; i < 4; i++) {
    const sender = `bi-warmup-${process.pid}-${++senderSeq}@example.org`;
    // one of them big, so the heap has grown to a working size before RSS is taken
    const body =
      i === 0
        ? [...normalMessage(sender), 'a normal body line\r\n'.repeat(100_000)]
        : normalMessage(sender);
    const r = await sendMessage(ports.smtp, sender, body);
    suite.ledger.fromReply('warm-up', r.reply, sender);
  }
  const session = async (port: number, listener: ListenerName): Promise<void> => {
    const c = await openOn(port, listener).catch(() => null);
    if (!c) return;
    await helloOn(c, listener).catch(() => '');
    await c.cmd('QUIT').catch(() => '');
    c.destroy();
  };
  // not submission: a STARTTLS session that ends can keep its per-IP slot (the matrix
  // looks for that), which would skew every group's slot count; 465 warms TLS up
  await session(ports.submissions, 'submissions');
  await Promise.all(Array.from({ length: 20 }, () => session(ports.smtp, 'smtp')));
  await sleep(1000);
  suite.startRssKb = (await suite.fleet.rssKb()) ?? 0;
}

/** Starts the canary on fleet and warms it up; on failure the canary and fleet are stopped. */
export async function startSuite(fleet: Fleet): Promise<Suite> {
  const suite: Suite = {
    fleet,
    canary: startCanary(fleet.ports.smtp, RCPT),
    ledger: new Ledger(),
    startRssKb: 0,
  };
  try {
    await warmUp(suite);
  } catch (err) {
    await suite.canary.stop().catch(() => undefined);
    await fleet.destroy();
    throw err;
  }
  return suite;
}

/** The first few distinct findings on one line, and how many more there were. */
export function oneLine(findings: string[], max = 6): string {
  const distinct = [...new Set(findings)];
  const more = distinct.length > max ? ` (+${distinct.length - max} more)` : '';
  return `${distinct.slice(0, max).join('; ')}${more}`;
}

const mb = (kb: number): string => `${Math.round(kb / 1024)} MB`;

function canaryFindings(s: CanaryStats): string[] {
  const out: string[] = [];
  if (s.maxMs >= CANARY_MAX_MS)
    out.push(`canary NOOP latency ${Math.round(s.maxMs)} ms >= ${CANARY_MAX_MS} ms`);
  if (s.pending && s.pending.ms >= CANARY_MAX_MS && s.pending.what === 'NOOP')
    out.push(`canary NOOP unanswered for ${Math.round(s.pending.ms)} ms`);
  else if (s.pending && s.pending.ms >= 5000)
    out.push(`canary ${s.pending.what} unanswered for ${Math.round(s.pending.ms)} ms`);
  if (s.noops === 0 && !s.pending) out.push('canary sent no NOOP at all');
  for (const d of s.disconnects) out.push(`canary session dropped (${d})`);
  for (const e of s.errors) out.push(e);
  return out;
}

async function memoryFinding(
  suite: Suite,
  startKb: number,
): Promise<{ finding: string | null; rss: number }> {
  const limit = startKb * (1 + RSS_SLACK);
  const end = Date.now() + RSS_SETTLE_MS;
  let rss = (await suite.fleet.rssKb()) ?? 0;
  while (rss > limit && Date.now() < end) {
    await sleep(250);
    rss = (await suite.fleet.rssKb()) ?? 0;
  }
  if (rss <= limit) return { finding: null, rss };
  const pct = Math.round((rss / startKb - 1) * 100);
  return {
    finding: `RSS ${mb(rss)} is ${pct}% over ${mb(startKb)} (its value before the group) ${RSS_SETTLE_MS / 1000} s after it`,
    rss,
  };
}

/** Per-IP slots a fresh group should find free: the limit minus the canary's session. */
const SLOTS = CONNECTION_LIMIT - 1;
/** How long a slot may stay taken after its client has gone (smtpd_timeout plus a second). */
const SLOT_RELEASE_MS = 6000;

/** Restarts postfleet when an earlier group left it dead, unresponsive or short of slots. */
async function ensureHealthy(suite: Suite, t: TestContext): Promise<number> {
  const f = suite.fleet;
  let why: string;
  if (!f.alive()) why = f.exitLine();
  else if (!(await f.responsive(2000))) why = 'unresponsive';
  else {
    const end = Date.now() + SLOT_RELEASE_MS;
    let slots = await freeSlots(f.ports.smtp);
    while (slots < SLOTS && Date.now() < end) {
      await sleep(1000);
      slots = await freeSlots(f.ports.smtp);
    }
    if (slots >= SLOTS) return slots;
    why = `only ${slots} of ${SLOTS} per-IP connection slots free`;
  }
  t.diagnostic(`postfleet was not healthy before this group (${why}): restarted`);
  try {
    await f.restart();
  } catch (err) {
    assert.fail(`postfleet was not healthy before this group (${why}): ${(err as Error).message}`);
  }
  await suite.canary.window();
  await warmUp(suite);
  return freeSlots(f.ports.smtp);
}

/** The finding for leaked slots, naming the steps that took them when they are known. */
export function slotText(g: Group, leaked: number, takers: string[] = []): string {
  const more = takers.length > 4 ? `, +${takers.length - 4} more` : '';
  const at = takers.length ? `; taken by: ${takers.slice(0, 4).join(', ')}${more}` : '';
  return (
    `${leaked} per-IP connection slots (of ${g.slotsBefore} free before) still taken ` +
    `${SLOT_RELEASE_MS / 1000} s after the clients left${at}`
  );
}

async function ledgerFindings(suite: Suite, group: string): Promise<string[]> {
  const out: string[] = [];
  for (const a of suite.ledger.of(group)) {
    const key = queueBlobKey(a.queueId);
    if (!(await suite.fleet.blobExists(key).catch(() => false)))
      out.push(`${a.queueId} answered 250 but ${key} is not in the blob store`);
    const live = suite.fleet.live;
    if (live) {
      const seen = await live.waitFor(a.queueId, 10_000).then(
        () => true,
        () => false,
      );
      if (!seen) out.push(`${a.queueId} answered 250 but is not on the QUEUE stream`);
      else if (live.count(a.queueId) > 1)
        out.push(`${a.queueId} is on the QUEUE stream ${live.count(a.queueId)} times`);
    }
  }
  const live = suite.fleet.live;
  if (live) {
    const slug = `-${group.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-`;
    const bySender = new Map<string, number>();
    for (const r of live.records)
      if (r.sender.includes(slug)) bySender.set(r.sender, (bySender.get(r.sender) ?? 0) + 1);
    for (const [s, n] of bySender) if (n > 1) out.push(`${s} queued ${n} times`);
  }
  return out;
}

/** Runs body as one attack group, then the shared checks; fails the test with one line. */
export async function runGroup(
  t: TestContext,
  suite: Suite,
  name: string,
  body: (g: Group) => Promise<void>,
  attempt = 1,
): Promise<void> {
  const slotsBefore = await ensureHealthy(suite, t);
  const fleet = suite.fleet;
  const between = await suite.canary.window();
  for (const m of between.messages) suite.ledger.add('between groups', m.queueId, m.sender);
  const startsBefore = fleet.starts;
  const startKb = (await fleet.rssKb()) ?? 0;
  const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const g: Group = {
    name,
    suite,
    fleet,
    findings: [],
    notes: [],
    slotsBefore,
    slotsJudged: false,
    judgeMemory: true,
    async leakedSlots() {
      const end = Date.now() + SLOT_RELEASE_MS;
      let slots = await freeSlots(fleet.ports.smtp);
      while (slots < slotsBefore && Date.now() < end) {
        await sleep(1000);
        slots = await freeSlots(fleet.ports.smtp);
      }
      return Math.max(0, slotsBefore - slots);
    },
    sender: (tag) => `bi-${slug}-${tag}-${process.pid}-${++senderSeq}@example.org`,
    accepted: (reply, sender) => suite.ledger.fromReply(name, reply, sender),
    async aliveAfter(step) {
      if (fleet.alive()) return true;
      await sleep(200); // let the exit event and the output's last lines arrive
      g.findings.push(`postfleet died after ${step} (${fleet.exitLine()})`);
      await fleet.restart();
      return false;
    },
  };
  const t0 = performance.now();
  try {
    await body(g);
  } catch (err) {
    g.findings.push(`the group itself failed: ${(err as Error).message.split('\n')[0]}`);
  }
  const bodyMs = Math.round(performance.now() - t0);
  await g.aliveAfter('the last step');

  const restarted = fleet.starts !== startsBefore;
  const responsive = await fleet.responsive(2000);
  if (!responsive)
    g.findings.push('postfleet /healthz did not answer within 2 s (event loop stalled)');
  else {
    if (!restarted && !g.slotsJudged) {
      const leaked = await g.leakedSlots();
      if (leaked > 0) g.findings.push(slotText(g, leaked));
    }
    const sender = g.sender('normal');
    const r = await sendMessage(fleet.ports.smtp, sender, normalMessage(sender), 10_000);
    if (!g.accepted(r.reply, sender))
      g.findings.push(`a normal message was not accepted afterwards (${r.stage}: ${r.reply})`);
  }

  const canary = await suite.canary.window();
  for (const m of canary.messages) suite.ledger.add(name, m.queueId, m.sender);
  if (restarted) g.notes.push('canary not judged: postfleet was restarted during the group');
  else g.findings.push(...canaryFindings(canary));

  let rssNote = 'RSS not judged';
  if (!g.judgeMemory) rssNote = 'RSS not judged (see notes)';
  else if (responsive && !restarted) {
    const mem = await memoryFinding(suite, startKb);
    if (mem.finding) g.findings.push(mem.finding);
    rssNote = `RSS ${mb(startKb)} -> ${mb(mem.rss)} (${mb(suite.startRssKb)} after start)`;
  }
  g.findings.push(...(await ledgerFindings(suite, name)));

  t.diagnostic(
    `${name}: ${bodyMs} ms; ${describeCanary(canary)}; ${rssNote}; ` +
      `${suite.ledger.of(name).length} accepted${g.notes.length ? `; ${g.notes.join('; ')}` : ''}`,
  );
  // One NOOP a little over the bound, with nothing else wrong, is more often the 2-core
  // machine scheduling four busy threads than the server: run the group once more and
  // judge that run. A real stall (seconds) or any other finding fails at once.
  const hiccup =
    attempt === 1 &&
    g.findings.length === 1 &&
    !restarted &&
    canary.maxMs < 2 * CANARY_MAX_MS &&
    canaryFindings(canary).length === 1;
  if (hiccup) {
    t.diagnostic(`${name}: ${g.findings[0]}; running the group once more`);
    return runGroup(t, suite, name, body, attempt + 1);
  }
  if (g.findings.length) assert.fail(`${name}: ${oneLine(g.findings)}`);
}
