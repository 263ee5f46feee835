// The smtp transport against real receiving servers (smtp-server) found through a test DNS
// server: MX order and fallback, per-recipient results, MAIL/DATA rejections, SIZE,
// SMTPUTF8, DSN and 8BITMIME parameters, byte-exact streaming, connection reuse, loops.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createResolver, type Resolver } from '@postfleet/dns';
import { freePort, startDnsServer, type DnsServerHandle } from '@postfleet/harness';
import { createSmtpTransport, type SmtpTransport } from '../src/smtp-transport.ts';
import {
  MESSAGE,
  makeJob,
  silentLog,
  startPeer,
  type Peer,
  type PeerScript,
} from './helpers/smtp-peer.ts';

let dns: DnsServerHandle;
let resolver: Resolver;
const transports: SmtpTransport[] = [];
const peers: Peer[] = [];

const BASE = {
  myhostname: 'client.example.test',
  smtp_connect_timeout: '5s',
  smtp_helo_timeout: '10s',
  smtp_connection_cache_time_limit: '0s',
};

before(async () => {
  dns = await startDnsServer([
    { name: 'example.test', type: 'MX', value: 'mx.example.test', priority: 10 },
    { name: 'mx.example.test', type: 'A', value: '127.0.0.1' },
    { name: 'a-only.example.test', type: 'A', value: '127.0.0.1' },
    { name: 'null.example.test', type: 'MX', value: '.', priority: 0 },
    // two MX hosts, both on the loopback: the preferred one on ::1, the backup on 127.0.0.1
    { name: 'two.example.test', type: 'MX', value: 'mx2.two.example.test', priority: 20 },
    { name: 'two.example.test', type: 'MX', value: 'mx1.two.example.test', priority: 10 },
    { name: 'mx1.two.example.test', type: 'AAAA', value: '::1' },
    { name: 'mx2.two.example.test', type: 'A', value: '127.0.0.1' },
  ]);
  dns.servfail(['servfail.example.test']);
  resolver = createResolver({ servers: [dns.address], cacheTtlMs: 0 });
});
after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(peers.map((p) => p.close()));
  await dns?.stop();
});

function transport(settings: Record<string, string | number | boolean> = {}): SmtpTransport {
  const t = createSmtpTransport({
    resolver,
    settings: () => ({ ...BASE, ...settings }),
    log: silentLog,
  });
  transports.push(t);
  return t;
}

async function peer(script: PeerScript = {}, listen?: { host?: string; port?: number }) {
  const p = await startPeer(script, listen);
  peers.push(p);
  return p;
}

/** A peer on ::1 and one on 127.0.0.1, same port (so one next hop reaches both); null without IPv6. */
async function dualPeers(v6: PeerScript, v4: PeerScript): Promise<[Peer, Peer] | null> {
  for (let i = 0; i < 10; i++) {
    let six: Peer;
    try {
      six = await startPeer(v6, { host: '::1' });
    } catch {
      return null;
    }
    try {
      const four = await startPeer(v4, { port: six.port });
      peers.push(six, four);
      return [six, four];
    } catch {
      await six.close();
    }
  }
  return null;
}

test('MX order: the preferred MX gets the mail; one that refuses connections is skipped', async (t) => {
  const pair = await dualPeers({ name: 'mx1.two.example.test' }, { name: 'mx2.two.example.test' });
  if (!pair) return t.skip('no IPv6 loopback (::1) to run a second MX on');
  const [primary, backup] = pair;
  const smtp = transport();
  const first = await smtp(makeJob(`two.example.test:${primary.port}`, ['bob@two.example.test']));
  assert.equal(first[0]?.status, 'sent');
  assert.equal(first[0]?.relay, `mx1.two.example.test[::1]:${primary.port}`);
  assert.equal(primary.received.length, 1);
  assert.equal(backup.received.length, 0);

  await primary.close();
  const second = await smtp(makeJob(`two.example.test:${primary.port}`, ['bob@two.example.test']));
  assert.equal(second[0]?.status, 'sent');
  assert.equal(second[0]?.relay, `mx2.two.example.test[127.0.0.1]:${primary.port}`);
  assert.equal(backup.received.length, 1);
});

test('a 4xx from a non-final MX moves the recipient to the next MX; a 5xx is final', async (t) => {
  const pair = await dualPeers(
    {
      name: 'mx1.two.example.test',
      rcptTo: (a) =>
        a.startsWith('grey')
          ? '450 4.7.1 <grey@two.example.test>: Recipient address rejected: greylisted'
          : a.startsWith('gone')
            ? '550 5.1.1 <gone@two.example.test>: Recipient address rejected: User unknown'
            : undefined,
    },
    { name: 'mx2.two.example.test' },
  );
  if (!pair) return t.skip('no IPv6 loopback (::1) to run a second MX on');
  const [primary, backup] = pair;
  const r = await transport()(
    makeJob(`two.example.test:${primary.port}`, [
      'ok@two.example.test',
      'grey@two.example.test',
      'gone@two.example.test',
    ]),
  );
  assert.deepEqual(
    r.map((x) => [x.status, x.relay.replace(/:\d+$/, '')]),
    [
      ['sent', 'mx1.two.example.test[::1]'],
      ['sent', 'mx2.two.example.test[127.0.0.1]'],
      ['bounced', 'mx1.two.example.test[::1]'],
    ],
  );
  assert.deepEqual(primary.received[0]?.to, ['ok@two.example.test']);
  assert.deepEqual(backup.received[0]?.to, ['grey@two.example.test']);
});

test('every server failing: deferred with the last error (connect refused: 4.4.1)', async () => {
  const dead = await freePort();
  const r = await transport()(makeJob(`[mx.example.test]:${dead}`, ['bob@example.test']));
  assert.deepEqual(r, [
    {
      index: 0,
      status: 'deferred',
      dsn: '4.4.1',
      reply: `connect to mx.example.test[127.0.0.1]:${dead}: Connection refused`,
      relay: `mx.example.test[127.0.0.1]:${dead}`,
    },
  ]);
});

test('a server that accepts but never greets: timed out while receiving the greeting', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => void sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  try {
    const r = await transport({ smtp_helo_timeout: '1s' })(
      makeJob(`[127.0.0.1]:${port}`, ['bob@example.test']),
    );
    assert.deepEqual(
      [r[0]?.status, r[0]?.dsn, r[0]?.reply],
      [
        'deferred',
        '4.4.2',
        'conversation with 127.0.0.1[127.0.0.1] timed out while receiving the initial server greeting',
      ],
    );
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('no MX: delivered to the domain address; null MX, NXDOMAIN bounce; SERVFAIL defers', async () => {
  const p = await peer({ name: 'a-only.example.test' });
  const smtp = transport();
  const sent = await smtp(makeJob(`a-only.example.test:${p.port}`, ['bob@a-only.example.test']));
  assert.equal(sent[0]?.status, 'sent');
  assert.equal(sent[0]?.relay, `a-only.example.test[127.0.0.1]:${p.port}`);

  const nullMx = await smtp(makeJob('null.example.test', ['bob@null.example.test']));
  assert.deepEqual(nullMx[0], {
    index: 0,
    status: 'bounced',
    dsn: '5.1.10',
    reply: 'Domain null.example.test does not accept mail (nullMX)',
    relay: 'none',
  });
  const nx = await smtp(makeJob('nx.example.test', ['bob@nx.example.test']));
  assert.deepEqual(
    [nx[0]?.status, nx[0]?.dsn, nx[0]?.reply],
    [
      'bounced',
      '5.1.2',
      'Host or domain name not found. Name service error for name=nx.example.test type=MX: Host not found',
    ],
  );
  const sf = await smtp(makeJob('servfail.example.test', ['bob@servfail.example.test']));
  assert.deepEqual([sf[0]?.status, sf[0]?.dsn], ['deferred', '4.4.3']);
});

test('per-recipient results in one transaction: 250, 450 and 550 at RCPT TO', async () => {
  const p = await peer({
    rcptTo: (a) =>
      a.startsWith('busy')
        ? `450 4.2.1 <${a}>: Recipient address rejected: try again later`
        : a.startsWith('nobody')
          ? `550 5.1.1 <${a}>: Recipient address rejected: User unknown in local recipient table`
          : undefined,
  });
  const r = await transport()(
    makeJob(`example.test:${p.port}`, [
      'ok@example.test',
      'busy@example.test',
      'nobody@example.test',
    ]),
  );
  const relay = `mx.example.test[127.0.0.1]:${p.port}`;
  assert.deepEqual(r, [
    {
      index: 0,
      status: 'sent',
      dsn: '2.0.0',
      reply: '250 2.0.0 Ok: queued as ABC123',
      diagnostic: 'smtp; 250 2.0.0 Ok: queued as ABC123',
      relay,
    },
    {
      index: 1,
      status: 'deferred',
      dsn: '4.2.1',
      reply:
        'host mx.example.test[127.0.0.1] said: 450 4.2.1 <busy@example.test>: Recipient address rejected: try again later (in reply to RCPT TO command)',
      diagnostic:
        'smtp; 450 4.2.1 <busy@example.test>: Recipient address rejected: try again later',
      relay,
    },
    {
      index: 2,
      status: 'bounced',
      dsn: '5.1.1',
      reply:
        'host mx.example.test[127.0.0.1] said: 550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)',
      diagnostic:
        'smtp; 550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in local recipient table',
      relay,
    },
  ]);
  assert.equal(p.connections, 1);
  assert.deepEqual(
    p.received.map((m) => m.to),
    [['ok@example.test']],
  );
});

test('MAIL FROM 4xx defers and 5xx bounces every recipient; a DATA rejection too', async () => {
  const p = await peer({
    mailFrom: (a) =>
      a.startsWith('later')
        ? '451 4.3.0 <later@client.example.test>: Temporary lookup failure'
        : a.startsWith('never')
          ? '553 5.7.1 <never@client.example.test>: Sender address rejected'
          : undefined,
    data: () => '554 5.7.1 Message rejected: looks like spam',
  });
  const smtp = transport();
  const hop = `example.test:${p.port}`;
  const deferred = await smtp(
    makeJob(hop, ['a@example.test', 'b@example.test'], { sender: 'later@client.example.test' }),
  );
  assert.deepEqual(
    deferred.map((x) => [x.status, x.dsn]),
    [
      ['deferred', '4.3.0'],
      ['deferred', '4.3.0'],
    ],
  );
  assert.equal(
    deferred[0]?.reply,
    'host mx.example.test[127.0.0.1] said: 451 4.3.0 <later@client.example.test>: Temporary lookup failure (in reply to MAIL FROM command)',
  );
  const bounced = await smtp(
    makeJob(hop, ['a@example.test'], { sender: 'never@client.example.test' }),
  );
  assert.deepEqual([bounced[0]?.status, bounced[0]?.dsn], ['bounced', '5.7.1']);
  const spam = await smtp(makeJob(hop, ['a@example.test', 'b@example.test']));
  assert.deepEqual(
    spam.map((x) => x.reply),
    Array(2).fill(
      'host mx.example.test[127.0.0.1] said: 554 5.7.1 Message rejected: looks like spam (in reply to end of DATA command)',
    ),
  );
  assert.equal(spam[0]?.status, 'bounced');
});

test('SIZE: a message over the peer limit bounces 5.3.4 unsent; under it SIZE= is announced', async () => {
  const p = await peer({ size: 1000 });
  const smtp = transport();
  const big = await smtp(
    makeJob(`example.test:${p.port}`, ['bob@example.test'], { body: Buffer.alloc(5000, 'x') }),
  );
  assert.deepEqual(big[0], {
    index: 0,
    status: 'bounced',
    dsn: '5.3.4',
    reply: `message size 5000 exceeds size limit 1000 of server mx.example.test[127.0.0.1]`,
    relay: `mx.example.test[127.0.0.1]:${p.port}`,
  });
  assert.equal(p.received.length, 0);
  const small = await smtp(makeJob(`example.test:${p.port}`, ['bob@example.test']));
  assert.equal(small[0]?.status, 'sent');
  assert.equal(p.received[0]?.mailArgs.SIZE, String(MESSAGE.length));
});

test('SMTPUTF8: bounce 5.6.7 when not offered; SMTPUTF8 on MAIL FROM when it is', async () => {
  const without = await peer({ hideSMTPUTF8: true });
  const smtp = transport();
  const r = await smtp(
    makeJob(`[mx.example.test]:${without.port}`, ['bob@example.test'], { smtputf8: true }),
  );
  assert.deepEqual(
    [r[0]?.status, r[0]?.dsn, r[0]?.reply],
    [
      'bounced',
      '5.6.7',
      'SMTPUTF8 is required, but was not offered by host mx.example.test[127.0.0.1]',
    ],
  );
  assert.equal(without.received.length, 0);

  const withUtf8 = await peer();
  const ok = await smtp(
    makeJob(`[mx.example.test]:${withUtf8.port}`, ['bob@example.test'], { smtputf8: true }),
  );
  assert.equal(ok[0]?.status, 'sent');
  assert.equal(withUtf8.received[0]?.mailArgs.SMTPUTF8, true);
});

test('DSN: RET/ENVID on MAIL FROM, NOTIFY/ORCPT per recipient; BODY=8BITMIME; none without DSN', async () => {
  const p = await peer();
  const smtp = transport();
  const job = makeJob(
    `[mx.example.test]:${p.port}`,
    [
      {
        address: 'a@example.test',
        notify: ['SUCCESS', 'FAILURE'],
        orcpt: 'rfc822;A+1@example.test',
      },
      { address: 'b@example.test', original: 'B@Example.Test', notify: ['NEVER'] },
    ],
    { ret: 'HDRS', envId: 'QUEUE+ID', bodyType: '8BITMIME' },
  );
  const r = await smtp(job);
  assert.deepEqual(
    r.map((x) => x.status),
    ['sent', 'sent'],
  );
  const m = p.received[0];
  assert.ok(m);
  assert.equal(m.mailArgs.RET, 'HDRS');
  assert.equal(m.mailArgs.ENVID, 'QUEUE+ID', 'xtext-decoded by the server');
  assert.equal(m.mailArgs.BODY, '8BITMIME');
  assert.deepEqual(
    m.rcptArgs.map((a) => [a.NOTIFY, a.ORCPT]),
    [
      ['SUCCESS,FAILURE', 'rfc822;A+1@example.test'],
      ['NEVER', 'rfc822;B@Example.Test'],
    ],
  );

  const plain = await peer({ hideDSN: true });
  await smtp({ ...job, nexthop: `[mx.example.test]:${plain.port}` });
  assert.deepEqual(plain.received[0]?.rcptArgs, [{}, {}]);
  assert.equal(plain.received[0]?.mailArgs.RET, undefined);
});

test('the message is streamed in pieces and arrives byte-exact (dots, CR/LF splits, 8-bit)', async () => {
  const p = await peer();
  const lines = ['Subject: dots\r\n', '\r\n', '.leading dot\r\n', '..two dots\r\n', '.\r\n'];
  lines.push('caf\xc3\xa9 8-bit \xff\r\n');
  for (let i = 0; i < 20_000; i++)
    lines.push(`${i % 7 === 0 ? '.' : ''}line ${i} ${'x'.repeat(i % 90)}\r\n`);
  const body = Buffer.from(lines.join(''), 'latin1');
  const job = makeJob(`[mx.example.test]:${p.port}`, ['bob@example.test'], { body });
  const r = await transport()(job);
  assert.equal(r[0]?.status, 'sent');
  assert.ok(body.length > 1_000_000);
  assert.ok(p.received[0]?.body.equals(body), 'the body differs from what was sent');
  assert.equal((job as unknown as { opened(): number }).opened(), 1);
});

test('connection reuse: two jobs to one next hop share one connection, closed after the limit', async () => {
  const p = await peer();
  const smtp = transport({ smtp_connection_cache_time_limit: '1s' });
  const hop = `example.test:${p.port}`;
  const mxQueries = dns.queryCount('example.test', 'MX');
  assert.equal((await smtp(makeJob(hop, ['a@example.test'])))[0]?.status, 'sent');
  assert.equal((await smtp(makeJob(hop, ['b@example.test'])))[0]?.status, 'sent');
  assert.equal(p.connections, 1, 'the second job reused the first connection');
  assert.deepEqual(
    p.received.map((m) => [m.session, m.to[0]]),
    [
      [p.received[0]?.session, 'a@example.test'],
      [p.received[0]?.session, 'b@example.test'],
    ],
  );
  assert.equal(
    dns.queryCount('example.test', 'MX'),
    mxQueries + 1,
    'no lookup for a reused session',
  );
  await sleep(1500);
  assert.equal(
    p.closed,
    1,
    'the idle connection was closed after smtp_connection_cache_time_limit',
  );
  assert.equal((await smtp(makeJob(hop, ['c@example.test'])))[0]?.status, 'sent');
  assert.equal(p.connections, 2);
});

test('a cached connection that fails at MAIL FROM (421) is dropped; the job goes on a fresh one', async () => {
  const transactions = new Map<string, number>();
  const p = await peer({
    mailFrom: (_a, session) => {
      const n = (transactions.get(session.id) ?? 0) + 1;
      transactions.set(session.id, n);
      return n > 1 ? '421 4.7.0 mx.example.test Error: too many transactions' : undefined;
    },
  });
  const smtp = transport({ smtp_connection_cache_time_limit: '10s' });
  const hop = `example.test:${p.port}`;
  assert.equal((await smtp(makeJob(hop, ['a@example.test'])))[0]?.status, 'sent');
  const second = await smtp(makeJob(hop, ['b@example.test']));
  assert.equal(second[0]?.status, 'sent', second[0]?.reply);
  assert.equal(p.connections, 2);
  assert.deepEqual(
    p.received.map((m) => m.to[0]),
    ['a@example.test', 'b@example.test'],
  );
});

test('EHLO name, bind address; a server greeting with our own name is a loop (5.4.6)', async () => {
  const p = await peer();
  const r = await transport({
    smtp_helo_name: 'relay.$myhostname',
    smtp_bind_address: '127.0.0.1',
  })(makeJob(`example.test:${p.port}`, ['bob@example.test']));
  assert.equal(r[0]?.status, 'sent');
  assert.equal(p.received[0]?.helo, 'relay.client.example.test');

  const me = await peer({ name: 'client.example.test' });
  const loop = await transport()(makeJob(`example.test:${me.port}`, ['bob@example.test']));
  assert.deepEqual(
    [loop[0]?.status, loop[0]?.dsn, loop[0]?.reply],
    ['bounced', '5.4.6', 'mail for example.test loops back to myself'],
  );
  assert.equal(me.received.length, 0);
});

test('a server greeting 554 is skipped (deferred, never bounced)', async () => {
  const refusing = createServer((s) => {
    s.end('554 5.7.1 mx.example.test go away\r\n');
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  const port = (refusing.address() as { port: number }).port;
  try {
    const r = await transport()(makeJob(`[mx.example.test]:${port}`, ['bob@example.test']));
    assert.deepEqual(
      [r[0]?.status, r[0]?.dsn, r[0]?.reply],
      [
        'deferred',
        '4.7.1',
        'host mx.example.test[127.0.0.1] refused to talk to me: 554 5.7.1 mx.example.test go away',
      ],
    );
  } finally {
    refusing.close();
  }
});
