// DESIGN §3 rule 5 on the ingress path (smtpd → cleanup → QUEUE stream): SIGKILL
// `postfleet start` while concurrent SMTP clients send, restart it on the same
// backends, and check every accepted queue id is on the stream once with its blob.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createBlobStore, type BlobStore } from '@postfleet/blob';
import { createEmbeddedBus, createNatsBus, type Bus } from '@postfleet/bus';
import {
  freePort,
  makeTempDir,
  startDnsServer,
  startNats,
  startPostgres,
  type TempDir,
  EXAMPLE_DOMAIN_YAML,
} from '@postfleet/harness';
import { queueBlobKey } from '@postfleet/queue-record';
import { createEmbeddedSql, embeddedSqlDir } from '@postfleet/sql';
import { RawSmtp } from '../e2e/support/raw-smtp.ts';
import { startS3Process } from './support/s3-process.ts';
import { startChild, type ChildOptions, type PostfleetChild } from './support/postfleet-child.ts';
import { readQueueStream } from './support/queue-stream.ts';
import { BODY, runLoad, type SentMessage } from './support/smtp-load.ts';

const RCPT = 'rcpt@example.test';
const ROUNDS = 3;
const CLIENTS = 4;
/** High enough that the clients are still sending when the kill comes (about 3 s). */
const MAX_PER_CLIENT = 500;

// This suite checks ingress: delivery of its mail is held back (the error transport
// defers it), so every accepted message keeps its queue record's blob for the checks.
const domainYaml = `${EXAMPLE_DOMAIN_YAML}
---
apiVersion: postfleet.io/v1alpha1
kind: AddressMap
metadata:
  name: hold-delivery
spec:
  kind: transport
  entries:
    - pattern: example.test
      result: ['error:4.7.1 kill-ingress test: delivery held']
`;

async function readBlob(blob: BlobStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await blob.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function addUser(httpBase: string, token: string): Promise<void> {
  const res = await fetch(`${httpBase}/admin/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      address: RCPT,
      password: `pw-${process.pid}-${Date.now()}`,
      mode: 'add',
    }),
  });
  if (res.status !== 200) throw new Error(`user add: ${res.status} ${await res.text()}`);
}

/** Waits until RCPT TO:<rcpt@example.test> is accepted on the SMTP port. */
async function waitRcptAccepted(port: number, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  let last: string | null = null;
  while (Date.now() < end) {
    const s = await RawSmtp.open(port).catch(() => undefined);
    if (s) {
      try {
        await s.reply(5000);
        await s.cmd('EHLO probe.example.org');
        await s.cmd('MAIL FROM:<probe@example.test>');
        last = await s.cmd(`RCPT TO:<${RCPT}>`);
        if (last?.startsWith('250')) return;
      } catch {
        // retried below
      } finally {
        s.close();
      }
    }
    await sleep(200);
  }
  throw new Error(`RCPT TO:<${RCPT}> not accepted within ${ms} ms (last: ${last})`);
}

interface Backends {
  env: Record<string, string>;
  /** Opens the bus and blob store the way postfleet does, after it has stopped. */
  open(): Promise<{ bus: Bus; blob: BlobStore; close(): Promise<void> }>;
  /** What the backends logged that the test should report. */
  notes(): string[];
  destroy(): Promise<void>;
}

async function realBackends(dataDir: string): Promise<Backends> {
  const [pg, nats, s3] = await Promise.all([startPostgres(), startNats(), startS3Process()]);
  const env = {
    NATS_URL: nats.url,
    DATABASE_URL: await pg.createDatabase(`reliability_${process.pid}`),
    ...s3.env,
  };
  return {
    env,
    async open() {
      const bus = await createNatsBus(nats.url);
      const blob = await createBlobStore({ env, dataDir });
      return { bus, blob, close: async () => (await bus.close(), await blob.close()) };
    },
    notes: () => s3.strayErrors().map((e) => `s3rver (harness) survived: ${e}`),
    async destroy() {
      await nats.destroy();
      await s3.destroy();
      await pg.destroy();
    },
  };
}

function embeddedBackends(dataDir: string): Backends {
  return {
    env: {},
    async open() {
      const sql = await createEmbeddedSql({ dir: embeddedSqlDir(dataDir) });
      const bus = await createEmbeddedBus(sql);
      const blob = await createBlobStore({ env: {}, dataDir, inlineSql: sql });
      return {
        bus,
        blob,
        close: async () => {
          await bus.close();
          await blob.close();
          await sql.close();
        },
      };
    },
    notes: () => [],
    destroy: async () => undefined,
  };
}

async function killRestartCheck(
  t: import('node:test').TestContext,
  kind: 'real' | 'embedded',
): Promise<void> {
  const temps: TempDir[] = [];
  const data = await makeTempDir('reliability-data-');
  const conf = await makeTempDir('reliability-conf-');
  temps.push(data, conf);
  await writeFile(join(conf.path, 'domain.yaml'), domainYaml);
  const dns = await startDnsServer([]);
  const backends = kind === 'real' ? await realBackends(data.path) : embeddedBackends(data.path);
  const opts: ChildOptions = {
    env: {
      ...backends.env,
      POSTFLEET_DATA_DIR: data.path,
      POSTFLEET_CONFIG_DIR: conf.path,
      POSTFLEET_DNS_SERVERS: dns.address,
      POSTFLEET_DNS_TIMEOUT_MS: '1500',
      POSTFLEET_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    },
    smtpPort: await freePort(),
    httpPort: await freePort(),
  };
  const sent: SentMessage[] = [];
  let pf: PostfleetChild | undefined;
  const logs: string[] = [];
  try {
    pf = await startChild(opts);
    t.diagnostic(`ready after ${pf.readyMs} ms`);
    await addUser(pf.httpBase, opts.env.POSTFLEET_ADMIN_TOKEN ?? '');
    await waitRcptAccepted(opts.smtpPort);

    for (let round = 1; round <= ROUNDS; round++) {
      let killed = false;
      let dataEnd: (() => void) | undefined;
      const load = runLoad({
        port: opts.smtpPort,
        round,
        clients: CLIENTS,
        rcpt: RCPT,
        maxPerClient: MAX_PER_CLIENT,
        stopped: () => killed,
        onDataEnd: () => dataEnd?.(),
      });
      let loadEnded = false;
      void load.then(() => (loadEnded = true));
      const delay = 800 + Math.floor(Math.random() * 2200);
      await sleep(delay);
      if (round === ROUNDS) {
        // The last kill lands just after a client's end-of-data dot: inside the
        // window where the blob is written, cleanup runs and the record is published.
        let fallback: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          dataEnd = () => setTimeout(resolve, Math.floor(Math.random() * 15));
          fallback = setTimeout(resolve, 5000);
        });
        clearTimeout(fallback);
      }
      const before = sent.length;
      const idleAtKill = loadEnded;
      await pf.kill();
      killed = true;
      if (idleAtKill) t.diagnostic(`round ${round}: the clients had hit their cap before the kill`);
      logs.push(pf.output());
      const res = await load;
      sent.push(...res.messages);
      const got = res.messages;
      const count = (k: string): number => got.filter((m) => m.outcome.kind === k).length;
      t.diagnostic(
        `round ${round}: SIGKILL after ${delay} ms${round === ROUNDS ? ' + next end-of-data' : ''}; ${got.length} messages: ` +
          `${count('accepted')} accepted, ${count('refused')} refused, ${count('dropped')} dropped` +
          ` (total so far ${before + got.length})`,
      );
      const t0 = performance.now();
      pf = await startChild(opts);
      await waitRcptAccepted(opts.smtpPort);
      t.diagnostic(
        `round ${round}: restarted, ready after ${pf.readyMs} ms, RCPT ok after ${Math.round(performance.now() - t0)} ms`,
      );
    }
    const code = await pf.stop();
    logs.push(pf.output());
    assert.equal(code, 0, `clean stop after the last restart:\n${pf.output().slice(-4000)}`);
  } finally {
    if (pf && pf.child.exitCode === null && pf.child.signalCode === null) await pf.kill();
  }

  try {
    const accepted = sent.filter((m) => m.outcome.kind === 'accepted');
    const acceptedIds = accepted.map((m) =>
      m.outcome.kind === 'accepted' ? m.outcome.queueId : '',
    );
    assert.ok(accepted.length > 0, 'some messages were accepted');
    assert.equal(
      new Set(acceptedIds).size,
      acceptedIds.length,
      'smtpd handed out a queue id twice',
    );

    const ports = await backends.open();
    let read;
    try {
      read = await readQueueStream(ports.bus, acceptedIds);
      const failures: string[] = [];
      const byId = new Map<string, number>();
      const bySender = new Map<string, string[]>();
      for (const r of read.records) {
        byId.set(r.queueId, (byId.get(r.queueId) ?? 0) + 1);
        bySender.set(r.sender, [...(bySender.get(r.sender) ?? []), r.queueId]);
        if (r.blobKey !== queueBlobKey(r.queueId))
          failures.push(`${r.queueId}: blobKey ${r.blobKey}`);
        else if (!(await ports.blob.exists(r.blobKey)))
          failures.push(`${r.queueId}: blob ${r.blobKey} missing`);
      }
      for (const [id, n] of byId) if (n > 1) failures.push(`${id}: on the stream ${n} times`);
      for (const [sender, ids] of bySender)
        if (ids.length > 1 && sender !== 'probe@example.test')
          failures.push(`message ${sender} queued ${ids.length} times: ${ids.join(' ')}`);
      for (const m of accepted) {
        if (m.outcome.kind !== 'accepted') continue;
        const id = m.outcome.queueId;
        if (!byId.has(id)) failures.push(`accepted ${id} (${m.sender}) is not on the stream`);
        else if (!bySender.get(m.sender)?.includes(id))
          failures.push(`accepted ${id} belongs to ${m.sender} but the record's sender differs`);
        else if (await ports.blob.exists(queueBlobKey(id))) {
          // The canonical copy is this message, whole (Message-ID and every body line).
          const text = await readBlob(ports.blob, queueBlobKey(id));
          if (!text.includes(`<${m.messageId}>`) || !text.includes(BODY))
            failures.push(`accepted ${id}: canonical blob is not ${m.messageId} in full`);
        }
      }
      const unanswered = sent.filter((m) => m.outcome.kind === 'dropped');
      const unansweredQueued = unanswered.filter((m) => bySender.has(m.sender)).length;
      t.diagnostic(
        `stream: ${read.records.length} records read in ${read.readMs} ms; ` +
          `${accepted.length} accepted, ${unanswered.length} dropped (${unansweredQueued} of them queued anyway), ` +
          `${sent.filter((m) => m.outcome.kind === 'refused').length} refused`,
      );
      const stages = new Map<string, number>();
      for (const m of unanswered)
        if (m.outcome.kind === 'dropped')
          stages.set(m.outcome.stage, (stages.get(m.outcome.stage) ?? 0) + 1);
      t.diagnostic(`dropped at: ${JSON.stringify(Object.fromEntries(stages))}`);
      for (const n of backends.notes()) t.diagnostic(n);
      const refusedReplies = new Set(
        sent.flatMap((m) => (m.outcome.kind === 'refused' ? [m.outcome.reply] : [])),
      );
      if (refusedReplies.size)
        t.diagnostic(`refusals: ${[...refusedReplies].slice(0, 5).join(' | ')}`);
      assert.deepEqual(
        failures,
        [],
        `loss/duplicate findings; last logs:\n${logs.at(-1)?.slice(-3000)}`,
      );
    } finally {
      await ports.close();
    }
  } finally {
    await backends.destroy();
    await dns.stop();
    for (const d of temps) await d.remove();
  }
}

test('[nats+postgresql+s3] SIGKILL of postfleet during SMTP ingress loses no accepted message and duplicates none', async (t) => {
  await killRestartCheck(t, 'real');
});

test('[embedded] SIGKILL of postfleet during SMTP ingress loses no accepted message and duplicates none', async (t) => {
  await killRestartCheck(t, 'embedded');
});
