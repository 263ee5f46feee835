// The lmtp transport against smtp-server in LMTP mode: one reply per recipient after DATA
// (delivered, mailbox full, over quota), RCPT rejections, inet:, [host]:port and unix:
// next hops, LHLO with our name, and no MX lookup ever.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createResolver, type Resolver } from '@postfleet/dns';
import {
  makeTempDir,
  startDnsServer,
  type DnsServerHandle,
  type TempDir,
} from '@postfleet/harness';
import { createSmtpTransport, type SmtpTransport } from '../src/smtp-transport.ts';
import { makeJob, silentLog, startPeer, type Peer } from './helpers/smtp-peer.ts';

let dns: DnsServerHandle;
let resolver: Resolver;
let dir: TempDir;
let lmtp: SmtpTransport;
const peers: Peer[] = [];

const script = {
  lmtp: true,
  name: 'imap.example.test',
  rcptTo: (a: string) =>
    a.startsWith('nouser') ? `550 5.1.1 <${a}> User doesn't exist: ${a}` : undefined,
  data: (to: string[]) =>
    to.map((a) =>
      a.startsWith('full')
        ? `552 5.2.2 <${a}> Quota exceeded (mailbox for user is full)`
        : a.startsWith('later')
          ? `451 4.3.0 <${a}> Temporary internal error`
          : `250 2.0.0 <${a}> Saved`,
    ),
};

before(async () => {
  dns = await startDnsServer([{ name: 'lmtp.example.test', type: 'A', value: '127.0.0.1' }]);
  resolver = createResolver({ servers: [dns.address], cacheTtlMs: 0 });
  dir = await makeTempDir('lmtp-test-');
  lmtp = createSmtpTransport({
    resolver,
    settings: () => ({
      myhostname: 'mail.example.test',
      smtp_connection_cache_time_limit: '0s',
    }),
    log: silentLog,
    lmtp: true,
  });
});
after(async () => {
  await lmtp?.close();
  await Promise.all(peers.map((p) => p.close()));
  await dns?.stop();
  await dir?.remove();
});

test('LMTP: one result per recipient from the replies after DATA', async () => {
  const p = await startPeer(script);
  peers.push(p);
  const r = await lmtp(
    makeJob(`inet:127.0.0.1:${p.port}`, [
      'ok@example.test',
      'full@example.test',
      'nouser@example.test',
      'later@example.test',
      'ok2@example.test',
    ]),
  );
  const relay = `127.0.0.1[127.0.0.1]:${p.port}`;
  const said = (text: string, command: string) =>
    `host 127.0.0.1[127.0.0.1] said: ${text} (in reply to ${command} command)`;
  assert.deepEqual(
    r.map((x) => [x.status, x.dsn, x.reply, x.relay]),
    [
      ['sent', '2.0.0', '250 2.0.0 <ok@example.test> Saved', relay],
      [
        'bounced',
        '5.2.2',
        said(
          '552 5.2.2 <full@example.test> Quota exceeded (mailbox for user is full)',
          'end of DATA',
        ),
        relay,
      ],
      [
        'bounced',
        '5.1.1',
        said("550 5.1.1 <nouser@example.test> User doesn't exist: nouser@example.test", 'RCPT TO'),
        relay,
      ],
      [
        'deferred',
        '4.3.0',
        said('451 4.3.0 <later@example.test> Temporary internal error', 'end of DATA'),
        relay,
      ],
      ['sent', '2.0.0', '250 2.0.0 <ok2@example.test> Saved', relay],
    ],
  );
  assert.deepEqual(p.received[0]?.to, [
    'ok@example.test',
    'full@example.test',
    'later@example.test',
    'ok2@example.test',
  ]);
  assert.equal(p.received[0]?.helo, 'mail.example.test');
});

test('LMTP: [host]:port is looked up as A/AAAA, never MX', async () => {
  const p = await startPeer(script);
  peers.push(p);
  const r = await lmtp(makeJob(`[lmtp.example.test]:${p.port}`, ['ok@example.test']));
  assert.equal(r[0]?.status, 'sent');
  assert.equal(r[0]?.relay, `lmtp.example.test[127.0.0.1]:${p.port}`);
  const bare = await lmtp(makeJob(`lmtp.example.test:${p.port}`, ['ok@example.test']));
  assert.equal(bare[0]?.status, 'sent');
  assert.equal(dns.queryCount('lmtp.example.test', 'MX'), 0);
});

test('LMTP over a unix-domain socket: relay is myhostname[path]', async () => {
  const path = join(dir.path, 'lmtp.sock');
  const p = await startPeer(script, { path });
  peers.push(p);
  const r = await lmtp(makeJob(`unix:${path}`, ['ok@example.test', 'full@example.test']));
  assert.deepEqual(
    r.map((x) => [x.status, x.relay]),
    [
      ['sent', `mail.example.test[${path}]`],
      ['bounced', `mail.example.test[${path}]`],
    ],
  );
  const missing = join(dir.path, 'nothing.sock');
  const gone = await lmtp(makeJob(`unix:${missing}`, ['ok@example.test']));
  assert.deepEqual(
    [gone[0]?.status, gone[0]?.dsn, gone[0]?.reply],
    ['deferred', '4.4.1', `connect to mail.example.test[${missing}]: No such file or directory`],
  );
});
