// The pure pieces of the smtp client: transport(5) next hops, the command/reply pairing of
// the transaction log, EHLO features, reply → status, the per-recipient outcomes of one
// transaction, and the idle-connection cache.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnectionCache, type Cacheable } from '../src/smtp-connection-cache.ts';
import {
  pairDialogue,
  parseFeatures,
  peerName,
  xtextEncode,
  type DialogueLine,
} from '../src/smtp-dialogue.ts';
import { parseNexthop } from '../src/smtp-nexthop.ts';
import { dsnOf, oneLine, replyOutcome } from '../src/smtp-reply.ts';
import { transactionOutcomes } from '../src/smtp-transaction.ts';

test('smtp next hops: MX domain, [host], ports, lists', () => {
  assert.deepEqual(parseNexthop('Example.Test.', false), [
    { kind: 'inet', host: 'example.test', port: 25, mx: true },
  ]);
  assert.deepEqual(parseNexthop('example.test:2525', false), [
    { kind: 'inet', host: 'example.test', port: 2525, mx: true },
  ]);
  assert.deepEqual(parseNexthop('[mx.example.test]', false), [
    { kind: 'inet', host: 'mx.example.test', port: 25, mx: false },
  ]);
  assert.deepEqual(parseNexthop('[192.0.2.1]:587', false), [
    { kind: 'inet', host: '192.0.2.1', port: 587, mx: false },
  ]);
  assert.deepEqual(parseNexthop('[ipv6:2001:db8::1]:26', false), [
    { kind: 'inet', host: '2001:db8::1', port: 26, mx: false },
  ]);
  assert.deepEqual(parseNexthop('192.0.2.7', false), [
    { kind: 'inet', host: '192.0.2.7', port: 25, mx: false },
  ]);
  assert.deepEqual(parseNexthop('[a.test]:submission, b.test', false), [
    { kind: 'inet', host: 'a.test', port: 587, mx: false },
    { kind: 'inet', host: 'b.test', port: 25, mx: true },
  ]);
  for (const bad of ['', '[mx.example.test', '[mx]x', 'mx:99999', 'mx:nope', 'a b]'])
    assert.ok('error' in parseNexthop(bad, false), bad);
});

test('lmtp next hops: inet:, unix:, [host]:port, default port 24, never MX', () => {
  assert.deepEqual(parseNexthop('inet:127.0.0.1:2424', true), [
    { kind: 'inet', host: '127.0.0.1', port: 2424, mx: false },
  ]);
  assert.deepEqual(parseNexthop('inet:lmtp.example.test', true), [
    { kind: 'inet', host: 'lmtp.example.test', port: 24, mx: false },
  ]);
  assert.deepEqual(parseNexthop('unix:/run/dovecot/lmtp', true), [
    { kind: 'unix', path: '/run/dovecot/lmtp' },
  ]);
  assert.deepEqual(parseNexthop('[lmtp.example.test]:lmtp', true), [
    { kind: 'inet', host: 'lmtp.example.test', port: 24, mx: false },
  ]);
});

test('dialogue: pipelined commands pair with replies in order; extra replies are end of data', () => {
  const lines: DialogueLine[] = [
    { from: 'server', text: '220 mx.example.test ESMTP' },
    { from: 'client', text: 'EHLO client.example.test' },
    { from: 'server', text: '250-mx.example.test\n250-SIZE 1000\n250-PIPELINING\n250 DSN' },
    { from: 'client', text: 'MAIL FROM:<a@b>' },
    { from: 'client', text: 'RCPT TO:<c@d>' },
    { from: 'client', text: 'DATA' },
    { from: 'server', text: '250 ok' },
    { from: 'server', text: '550 no' },
    { from: 'server', text: '554 no valid recipients' },
    { from: 'server', text: 'stray' },
  ];
  const { exchanges, unpaired } = pairDialogue(lines, ['greeting']);
  assert.deepEqual(
    exchanges.map((e) => [e.command, e.reply]),
    [
      ['greeting', '220 mx.example.test ESMTP'],
      ['EHLO client.example.test', '250-mx.example.test\n250-SIZE 1000\n250-PIPELINING\n250 DSN'],
      ['MAIL FROM:<a@b>', '250 ok'],
      ['RCPT TO:<c@d>', '550 no'],
      ['DATA', '554 no valid recipients'],
    ],
  );
  assert.deepEqual(unpaired, ['stray']);
  const f = parseFeatures(exchanges[1]?.reply);
  assert.deepEqual(
    [f.size, f.sizeLimit, f.pipelining, f.dsn, f.smtputf8, f.starttls],
    [true, 1000, true, true, false, false],
  );
  assert.equal(peerName('220 MX.Example.Test ESMTP Postfix'), 'mx.example.test');
  assert.equal(peerName('250-mx2.example.test Hello'), 'mx2.example.test');
  assert.equal(parseFeatures('250 mx.example.test').size, false);
});

test('replies: enhanced status from the reply when its class matches, else X.0.0', () => {
  assert.equal(dsnOf('550 5.1.1 <x@y>: unknown'), '5.1.1');
  assert.equal(dsnOf('450 5.1.1 mismatched class'), '4.0.0');
  assert.equal(dsnOf('250 Ok: queued'), '2.0.0');
  assert.equal(dsnOf('554 Transaction failed'), '5.0.0');
  assert.equal(oneLine('550-5.7.1 first\n550 5.7.1 second'), '550-5.7.1 first 550 5.7.1 second');
  assert.deepEqual(replyOutcome('mx[192.0.2.1]', '550 5.1.1 <x@y>: nope', 'RCPT TO'), {
    status: 'bounced',
    dsn: '5.1.1',
    reply: 'host mx[192.0.2.1] said: 550 5.1.1 <x@y>: nope (in reply to RCPT TO command)',
    diagnostic: 'smtp; 550 5.1.1 <x@y>: nope',
  });
  assert.equal(xtextEncode('rfc822;a+b=c@d é'), 'rfc822;a+2Bb+3Dc@d+20+C3+A9');
});

const S = 'mx[192.0.2.1]';

test('transaction outcomes: MAIL, each RCPT, DATA, end of DATA (SMTP and LMTP)', () => {
  const ex = (pairs: [string, string | undefined][]) =>
    pairs.map(([command, reply]) => ({ command, reply }));
  const mixed = transactionOutcomes(
    S,
    {
      exchanges: ex([
        ['MAIL FROM:<a@b>', '250 ok'],
        ['RCPT TO:<1@d>', '250 ok'],
        ['RCPT TO:<2@d>', '450 4.2.1 later'],
        ['RCPT TO:<3@d>', '550 5.1.1 unknown'],
        ['DATA', '354 go'],
      ]),
      endOfData: ['250 2.0.0 Ok: queued as X'],
      bodyStarted: true,
    },
    3,
    false,
  );
  assert.deepEqual(
    mixed.map((o) => [o.status, o.dsn]),
    [
      ['sent', '2.0.0'],
      ['deferred', '4.2.1'],
      ['bounced', '5.1.1'],
    ],
  );
  assert.equal(mixed[0]?.reply, '250 2.0.0 Ok: queued as X');

  const mail = transactionOutcomes(
    S,
    {
      exchanges: ex([['MAIL FROM:<a@b>', '451 4.3.0 try later']]),
      endOfData: [],
      bodyStarted: false,
    },
    2,
    false,
  );
  assert.deepEqual(
    mail.map((o) => o.reply),
    Array(2).fill(`host ${S} said: 451 4.3.0 try later (in reply to MAIL FROM command)`),
  );

  const lost = transactionOutcomes(
    S,
    {
      exchanges: ex([
        ['MAIL FROM:<a@b>', '250 ok'],
        ['RCPT TO:<1@d>', '250 ok'],
        ['DATA', '354 go'],
      ]),
      endOfData: [],
      bodyStarted: true,
      failure: { timeout: true },
    },
    1,
    false,
  );
  assert.deepEqual(lost[0], {
    status: 'deferred',
    dsn: '4.4.2',
    reply: `conversation with ${S} timed out while sending end of data -- message may be sent more than once`,
  });

  const closing = transactionOutcomes(
    S,
    {
      exchanges: ex([
        ['MAIL FROM:<a@b>', '250 ok'],
        ['RCPT TO:<1@d>', '421 4.4.2 shutting down'],
        ['RCPT TO:<2@d>', undefined],
      ]),
      endOfData: [],
      bodyStarted: false,
      failure: { timeout: false },
    },
    2,
    false,
  );
  assert.deepEqual(
    closing.map((o) => o.reply),
    Array(2).fill(`host ${S} said: 421 4.4.2 shutting down (in reply to RCPT TO command)`),
  );

  const lmtp = transactionOutcomes(
    S,
    {
      exchanges: ex([
        ['MAIL FROM:<a@b>', '250 ok'],
        ['RCPT TO:<1@d>', '250 ok'],
        ['RCPT TO:<2@d>', '550 5.1.1 no such user'],
        ['RCPT TO:<3@d>', '250 ok'],
        ['DATA', '354 go'],
      ]),
      endOfData: ['250 2.0.0 <1@d> Saved', '452 4.2.2 <3@d> Mailbox full'],
      bodyStarted: true,
    },
    3,
    true,
  );
  assert.deepEqual(
    lmtp.map((o) => [o.status, o.dsn]),
    [
      ['sent', '2.0.0'],
      ['bounced', '5.1.1'],
      ['deferred', '4.2.2'],
    ],
  );
  assert.equal(
    lmtp[2]?.reply,
    `host ${S} said: 452 4.2.2 <3@d> Mailbox full (in reply to end of DATA command)`,
  );
});

function fakeSession(): Cacheable & { quits: number; end(): void } {
  const listeners = new Set<() => void>();
  let alive = true;
  const s = {
    quits: 0,
    alive: () => alive,
    onEnd(l: () => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async quit() {
      s.quits++;
      s.end();
    },
    end() {
      alive = false;
      for (const l of [...listeners]) l();
    },
  };
  return s;
}

test('connection cache: take once, expire after the idle limit, forget ended sessions', async () => {
  const cache = createConnectionCache<ReturnType<typeof fakeSession>>();
  const a = fakeSession();
  cache.put('smtp:x', a, 10_000);
  assert.equal(cache.take('smtp:y'), undefined);
  assert.equal(cache.take('smtp:x'), a);
  assert.equal(cache.take('smtp:x'), undefined, 'taken sessions leave the cache');

  const b = fakeSession();
  cache.put('smtp:x', b, 30);
  await sleep(80);
  assert.equal(b.quits, 1, 'QUIT after the idle time limit');
  assert.equal(cache.take('smtp:x'), undefined);

  const c = fakeSession();
  cache.put('smtp:x', c, 10_000);
  c.end();
  assert.equal(cache.size(), 0, 'a session the server closed leaves by itself');

  const d = fakeSession();
  cache.put('smtp:x', d, 10_000);
  await cache.close();
  assert.equal(d.quits, 1);
  assert.equal(cache.size(), 0);
});
