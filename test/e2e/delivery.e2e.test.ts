// Mail arrives: the whole pipeline (smtpd → cleanup → qmgr → delivery) on both
// backend sets. swaks to a local user lands in the INBOX once; one message to
// three users stores one body; remote mail is relayed to a test MX found through
// the test DNS server, deferred on 4xx and retried on schedule, bounced on 5xx
// with a DSN that Python's email parser reads as multipart/report.
import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { freePort } from '@postfleet/harness';
import { qmgrRole } from '@postfleet/qmgr';
import { deliveryRole } from '@postfleet/delivery';
import { authdRole } from '@postfleet/authd';
import { cleanupRole } from '@postfleet/cleanup';
import { smtpdRole } from '@postfleet/smtpd';
import { readAdminToken } from '@postfleet/service-kit';
import { queueBlobKey } from '@postfleet/queue-record';
import { runProcess, swaks } from './support/clients.ts';
import { addressMap, assertReply, domain, policy, sleep, user } from './support/scenario.ts';
import { onEachBackend, startStack, type Stack } from './support/stack.ts';

interface Received {
  from: string;
  to: string[];
  data: string;
}

/** A receiving MX: soft…@ is refused with 450 on its first try, hard@ always with 550. */
async function startMx(): Promise<{
  port: number;
  received: Received[];
  softTries: (address: string) => number;
  stop: () => Promise<void>;
}> {
  const received: Received[] = [];
  const soft = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const tries = (soft.get(address.address) ?? 0) + 1;
      soft.set(address.address, tries);
      if (address.address.startsWith('soft') && tries < 2) {
        const err = Object.assign(new Error('4.2.0 try again later'), { responseCode: 450 });
        cb(err);
        return;
      }
      if (address.address.startsWith('hard@')) {
        const err = Object.assign(new Error('5.1.1 <hard@remote.test>: no such user'), {
          responseCode: 550,
        });
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      let data = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (data += c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        cb();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    received,
    softTries: (address) => soft.get(address) ?? 0,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function queueTool(stack: Stack, body: unknown): Promise<{ ok: boolean; data: unknown }> {
  const { token } = await readAdminToken(stack.env);
  const res = await fetch(`${stack.httpBase}/admin/queue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { ok: boolean; data: unknown };
}

interface Row {
  owner: string;
  uid: string;
  body_key: string;
  header_prefix: string;
  queue_id: string;
}

const inbox = async (stack: Stack, owner: string): Promise<Row[]> =>
  (
    await stack.running.ports.sql.query<Row>(
      `SELECT m.owner, m.uid, m.body_key, m.header_prefix, m.queue_id FROM mail_messages m
       JOIN mail_mailboxes b ON b.id = m.mailbox_id WHERE m.owner = $1 AND b.name = 'INBOX'
       ORDER BY m.uid`,
      [owner],
    )
  ).rows;

let mx: Awaited<ReturnType<typeof startMx>> | undefined;
const theMx = (): NonNullable<typeof mx> => {
  if (!mx) throw new Error('MX not started');
  return mx;
};

onEachBackend(
  'mail delivery',
  async (kind) => {
    mx ??= await startMx();
    return startStack(kind, {
      roles: [authdRole, deliveryRole, qmgrRole, cleanupRole, smtpdRole],
      dnsRecords: [
        { name: 'remote.test', type: 'MX', value: 'mx.remote.test', priority: 10 },
        { name: 'mx.remote.test', type: 'A', value: '127.0.0.1' },
      ],
      resources: [
        domain('example.test'),
        user('alice@example.test'),
        user('bob@example.test'),
        user('carol@example.test'),
        addressMap('routes', 'transport', { 'remote.test': [`smtp:remote.test:${theMx().port}`] }),
        policy('all', {
          mynetworks: ['127.0.0.0/8'],
          parameters: {
            myhostname: 'mail.example.test',
            minimal_backoff_time: '1s',
            maximal_backoff_time: '2s',
          },
        }),
      ],
    });
  },
  (stack, kind) => {
    test('swaks to a local user lands in its INBOX exactly once', async () => {
      const r = await swaks({
        port: stack.smtpPort,
        from: 'sender@elsewhere.test',
        to: 'alice@example.test',
        extra: ['--header', 'Subject: hello alice'],
      });
      const reply = assertReply(r, '250', 'queued as');
      const id = /queued as (\S+)/.exec(reply)?.[1] ?? '';
      const rows = await waitFor('delivery to alice', async () => {
        const got = (await inbox(stack, 'alice@example.test')).filter((x) => x.queue_id === id);
        return got.length > 0 ? got : null;
      });
      await sleep(500);
      const again = (await inbox(stack, 'alice@example.test')).filter((x) => x.queue_id === id);
      assert.equal(again.length, 1, 'delivered exactly once');
      assert.match(rows[0]?.header_prefix ?? '', /^Return-Path: <sender@elsewhere\.test>\r\n/);
      assert.match(rows[0]?.header_prefix ?? '', /Delivered-To: alice@example\.test\r\n/);
      // the message left the queue and its queue blob was collected
      await waitFor('queue removal', async () => {
        const list = await queueTool(stack, { op: 'list' });
        const ids = (list.data as { queueId: string }[]).map((e) => e.queueId);
        return ids.includes(id) ? null : true;
      });
      assert.equal(await stack.running.ports.blob.exists(queueBlobKey(id)), false);
    });

    test('one message to three local users stores one body', async () => {
      const r = await swaks({
        port: stack.smtpPort,
        from: 'sender@elsewhere.test',
        to: ['alice@example.test', 'bob@example.test', 'carol@example.test'],
      });
      const id = /queued as (\S+)/.exec(assertReply(r, '250', 'queued as'))?.[1] ?? '';
      const keys = await waitFor('three deliveries', async () => {
        const all = [
          ...(await inbox(stack, 'alice@example.test')),
          ...(await inbox(stack, 'bob@example.test')),
          ...(await inbox(stack, 'carol@example.test')),
        ].filter((x) => x.queue_id === id);
        return all.length === 3 ? all.map((x) => x.body_key) : null;
      });
      assert.equal(new Set(keys).size, 1, 'one body key');
      const body = await stack.running.ports.sql.query<{ refs: number }>(
        'SELECT refs FROM mail_bodies WHERE body_key = $1',
        [keys[0] ?? ''],
      );
      assert.equal(body.rows[0]?.refs, 3);
      assert.equal(await stack.running.ports.blob.exists(keys[0] ?? ''), true);
    });

    test('remote mail is relayed to the MX the test DNS names', async () => {
      const r = await swaks({
        port: stack.smtpPort,
        from: 'alice@example.test',
        to: 'ok@remote.test',
        extra: ['--header', 'Subject: relayed'],
      });
      assertReply(r, '250', 'queued as');
      const got = await waitFor(
        'relay',
        async () => theMx().received.find((m) => m.to.includes('ok@remote.test')) ?? null,
      );
      assert.equal(got.from, 'alice@example.test');
      assert.match(got.data, /Subject: relayed/);
    });

    test('4xx defers, queue list shows it, and it is retried on schedule', async () => {
      const soft = `soft-${kind}@remote.test`;
      const r = await swaks({
        port: stack.smtpPort,
        from: 'alice@example.test',
        to: soft,
      });
      const id = /queued as (\S+)/.exec(assertReply(r, '250', 'queued as'))?.[1] ?? '';
      // deferred after the first try: the queue says so, with the remote reply
      const entry = await waitFor('deferred state', async () => {
        const list = await queueTool(stack, { op: 'list' });
        const e = (
          list.data as {
            queueId: string;
            queue: string;
            recipients: { status: string; reply: string | null }[];
          }[]
        ).find((x) => x.queueId === id);
        return e && e.recipients[0]?.status === 'deferred' ? e : null;
      }).catch(() => null);
      // (the retry after 1 s may already have delivered it; then the MX saw two tries)
      if (entry) {
        assert.equal(entry.queue, 'deferred');
        assert.match(entry.recipients[0]?.reply ?? '', /450/);
      }
      await waitFor(
        'retry delivered',
        async () => theMx().received.find((m) => m.to.includes(soft)) ?? null,
      );
      assert.equal(theMx().softTries(soft), 2, 'tried once more after the 4xx, and no more');
    });

    test('5xx bounces a DSN to the sender that Python reads as multipart/report', async () => {
      const r = await swaks({
        port: stack.smtpPort,
        from: 'bob@example.test',
        to: 'hard@remote.test',
        extra: ['--header', 'Subject: will bounce'],
      });
      const id = /queued as (\S+)/.exec(assertReply(r, '250', 'queued as'))?.[1] ?? '';
      const bounce = await waitFor('bounce in bob INBOX', async () => {
        const rows = await inbox(stack, 'bob@example.test');
        for (const row of rows) {
          const content = await text(await stack.running.ports.blob.get(row.body_key));
          if (content.includes(id) && /multipart\/report/i.test(content)) return content;
        }
        return null;
      });
      const py = await runProcess(
        'python3',
        [
          '-c',
          [
            'import sys, email, email.policy',
            'm = email.message_from_string(sys.stdin.read(), policy=email.policy.default)',
            'print(m.get_content_type(), m.get_param("report-type"))',
            'parts = list(m.iter_parts())',
            'print(len(parts), parts[1].get_content_type())',
            'status = parts[1].get_payload()[1]',
            'print(status["Action"], status["Status"], status["Final-Recipient"])',
          ].join('\n'),
        ],
        { input: bounce },
      );
      assert.equal(py.code, 0, py.stderr);
      const [ctype, count, fields] = py.stdout.trim().split('\n');
      assert.equal(ctype, 'multipart/report delivery-status');
      assert.match(count ?? '', /^3 message\/delivery-status$/);
      assert.match(fields ?? '', /^failed 5\.1\.1 rfc822; ?hard@remote\.test$/);
      // the bounced message itself has left the queue
      await waitFor('bounced message removed', async () => {
        const list = await queueTool(stack, { op: 'list' });
        return (list.data as { queueId: string }[]).some((e) => e.queueId === id) ? null : true;
      });
    });
  },
);

test.after(async () => {
  await mx?.stop();
});
