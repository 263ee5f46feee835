// SMTP safety on port 25 against both backend sets: the EHLO extension list,
// SMTP smuggling (bare <LF>), STARTTLS command injection, pregreet, oversize
// messages and PIPELINING, each checking what did (not) reach the QUEUE stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawSmtp } from './support/raw-smtp.ts';
import { domain, policy, sleep, user } from './support/scenario.ts';
import { startStack, type Stack, type TestResource, onEachBackend } from './support/stack.ts';

const SMALL_LIMIT = 20_000;

function config(smtp: Record<string, unknown> = {}): TestResource[] {
  return [
    domain('example.test'),
    domain('xn--bcher-kva.test'),
    user('info@xn--bcher-kva.test'),
    user('bob@example.test'),
    user('carol@example.test'),
    // mynetworks exempts 127.0.0.1 from anvil's per-client limits between scenarios
    policy('smtp', { mynetworks: ['127.0.0.0/8'], ...smtp }),
  ];
}

async function greeted(stack: Stack): Promise<RawSmtp> {
  const c = await RawSmtp.open(stack.smtpPort);
  assert.match((await c.reply()) ?? '', /^220 /);
  assert.match((await c.cmd('EHLO client.example.org')) ?? '', /^250 /);
  return c;
}

/** Waits a little for stray queue records, then asserts none arrived since `since`. */
async function assertNothingQueued(stack: Stack, since: number): Promise<void> {
  await sleep(500);
  const extra = stack.queue.records.slice(since);
  assert.deepEqual(
    extra.map((r) => `${r.queueId} from=<${r.sender}>`),
    [],
    'unexpected queue records',
  );
}

onEachBackend(
  'SMTP safety end to end',
  (kind) => startStack(kind, { resources: config() }),
  (stack) => {
    test('EHLO on 25 advertises PIPELINING SIZE 8BITMIME SMTPUTF8 ENHANCEDSTATUSCODES DSN STARTTLS, no AUTH before TLS', async () => {
      const c = await RawSmtp.open(stack.smtpPort);
      try {
        assert.match((await c.reply()) ?? '', /^220 \S+ ESMTP/);
        c.write('EHLO client.example.org\r\n');
        const reply = (await c.replyLines()) ?? [];
        assert.ok(
          reply.every((l) => /^250[- ]/.test(l)),
          `EHLO reply: ${JSON.stringify(reply)}`,
        );
        const ext = reply.slice(1).map((l) => l.slice(4));
        for (const want of [
          'PIPELINING',
          'SIZE 10240000',
          '8BITMIME',
          'SMTPUTF8',
          'ENHANCEDSTATUSCODES',
          'DSN',
          'STARTTLS',
        ]) {
          assert.ok(ext.includes(want), `${want} missing from ${JSON.stringify(ext)}`);
        }
        assert.ok(
          !ext.some((l) => l.startsWith('AUTH')),
          `AUTH before TLS: ${JSON.stringify(ext)}`,
        );
        assert.match((await c.cmd('QUIT')) ?? '', /^221 /);
      } finally {
        c.close();
      }
    });

    test('SMTP smuggling: bare <LF> "\\n.\\n" in DATA is refused 550 5.5.2, the connection closed, nothing queued', async () => {
      const since = stack.queue.records.length;
      const c = await greeted(stack);
      try {
        assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 2\.1\.0/);
        assert.match((await c.cmd('RCPT TO:<bob@example.test>')) ?? '', /^250 2\.1\.5/);
        assert.match((await c.cmd('DATA')) ?? '', /^354 /);
        c.write(
          'Subject: x\r\n\r\nhello\n.\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<carol@example.test>\r\nDATA\r\nsmuggled\r\n.\r\n',
        );
        assert.equal(await c.reply(), '550 5.5.2 Error: bare <LF> received');
        assert.ok(await c.waitClosed(), 'connection still open');
        assert.equal(c.transcript.match(/^250 2\.0\.0 /gm), null, c.transcript);
        assert.equal(c.transcript.match(/^550 /gm)?.length, 1, c.transcript);
      } finally {
        c.close();
      }
      await assertNothingQueued(stack, since);
    });

    test('STARTTLS injection: "STARTTLS\\r\\nRSET\\r\\n" in one write, the RSET is never answered', async () => {
      const c = await greeted(stack);
      try {
        c.write('STARTTLS\r\nRSET\r\n');
        assert.match((await c.reply()) ?? '', /^220 /);
        await c.startTls();
        // the first reply on the TLS channel must answer our NOOP, not the injected RSET
        assert.match((await c.cmd('NOOP')) ?? '', /^250 2\.0\.0 /);
        assert.equal(await c.pending(), '');
        assert.doesNotMatch(c.transcript, /Flushed/);
        assert.equal(c.transcript.match(/^250 /gm)?.length, 2, c.transcript); // EHLO, NOOP
        assert.match((await c.cmd('QUIT')) ?? '', /^221 /);
      } finally {
        c.close();
      }
    });

    test('pregreet: EHLO before the 220 greeting gets 554 5.5.1 and the client is dropped', async () => {
      const c = await RawSmtp.open(stack.smtpPort);
      try {
        c.write('EHLO early.example.org\r\n');
        assert.match(
          (await c.reply()) ?? '(closed)',
          /^554 5\.5\.1 \S+ Error: SMTP protocol violation: talked before the greeting$/,
        );
        assert.ok(await c.waitClosed(), 'connection still open');
        assert.doesNotMatch(c.transcript, /^220 /m);
      } finally {
        c.close();
      }
    });

    test('PIPELINING: MAIL/RCPT/RCPT/DATA in one write are answered in order, queued once', async () => {
      const since = stack.queue.records.length;
      const c = await greeted(stack);
      let id: string;
      try {
        c.write(
          'MAIL FROM:<pipe@example.org>\r\nRCPT TO:<bob@example.test>\r\nRCPT TO:<carol@example.test>\r\nDATA\r\n',
        );
        assert.match((await c.reply()) ?? '', /^250 2\.1\.0/);
        assert.match((await c.reply()) ?? '', /^250 2\.1\.5/);
        assert.match((await c.reply()) ?? '', /^250 2\.1\.5/);
        assert.match((await c.reply()) ?? '', /^354 /);
        c.write('Subject: pipelined\r\n\r\nx\r\n.\r\nQUIT\r\n');
        const done = (await c.reply()) ?? '';
        id = /^250 2\.0\.0 Ok: queued as (\S+)$/.exec(done)?.[1] ?? '';
        assert.ok(id, `DATA reply: ${done}`);
        assert.match((await c.reply()) ?? '', /^221 /);
      } finally {
        c.close();
      }
      const r = await stack.queue.waitFor(id);
      assert.equal(r.sender, 'pipe@example.org');
      assert.deepEqual(
        r.recipients.map((x) => x.address),
        ['bob@example.test', 'carol@example.test'],
      );
      await sleep(500);
      assert.equal(stack.queue.count(id), 1);
      assert.equal(stack.queue.records.length, since + 1);
    });

    test(`oversize: over message_size_limit ${SMALL_LIMIT} gets 552 5.3.4 after DATA, nothing queued, the session stays usable`, async () => {
      await stack.setConfig(config({ message_size_limit: SMALL_LIMIT }));
      try {
        const since = stack.queue.records.length;
        const c = await greeted(stack);
        try {
          assert.match(c.transcript, new RegExp(`250[- ]SIZE ${SMALL_LIMIT}\\r\\n`));
          assert.match((await c.cmd('MAIL FROM:<big@example.org>')) ?? '', /^250 2\.1\.0/);
          assert.match((await c.cmd('RCPT TO:<bob@example.test>')) ?? '', /^250 2\.1\.5/);
          assert.match((await c.cmd('DATA')) ?? '', /^354 /);
          const line = 'x'.repeat(78) + '\r\n';
          c.write('Subject: big\r\n\r\n' + line.repeat(Math.ceil((SMALL_LIMIT * 2) / 80)));
          assert.equal(await c.cmd('.'), '552 5.3.4 Message size exceeds fixed limit');
          await assertNothingQueued(stack, since);

          assert.match((await c.cmd('MAIL FROM:<small@example.org>')) ?? '', /^250 2\.1\.0/);
          assert.match((await c.cmd('RCPT TO:<bob@example.test>')) ?? '', /^250 2\.1\.5/);
          assert.match((await c.cmd('DATA')) ?? '', /^354 /);
          const done = (await c.cmd('Subject: small\r\n\r\nok\r\n.')) ?? '';
          const id = /^250 2\.0\.0 Ok: queued as (\S+)$/.exec(done)?.[1] ?? '';
          assert.ok(id, `DATA reply: ${done}`);
          assert.match((await c.cmd('QUIT')) ?? '', /^221 /);
          const r = await stack.queue.waitFor(id);
          assert.equal(r.sender, 'small@example.org');
          assert.equal(stack.queue.records.length, since + 1);
        } finally {
          c.close();
        }
      } finally {
        await stack.setConfig(config());
      }
    });

    test('a hosted IDN domain accepts its own mail in every spelling, and postmaster@ it', async () => {
      const since = stack.queue.records.length;
      const c = await greeted(stack);
      try {
        assert.match((await c.cmd('MAIL FROM:<a@example.org> SMTPUTF8')) ?? '', /^250 /);
        for (const rcpt of [
          'info@xn--bcher-kva.test',
          'info@XN--BCHER-KVA.test',
          'info@bücher.test',
          'info@xn--bcher-kva.test.',
          'postmaster@xn--bcher-kva.test',
        ]) {
          assert.match((await c.cmd(`RCPT TO:<${rcpt}>`)) ?? '', /^250 2\.1\.5/, rcpt);
        }
        assert.match((await c.cmd('RCPT TO:<nobody@xn--bcher-kva.test>')) ?? '', /^550 5\.1\.1/);
        assert.match((await c.cmd('DATA')) ?? '', /^354 /);
        const done = (await c.cmd('Subject: idn\r\n\r\nok\r\n.')) ?? '';
        const id = /^250 2\.0\.0 Ok: queued as (\S+)$/.exec(done)?.[1] ?? '';
        assert.ok(id, done);
        await stack.queue.waitFor(id);
        assert.equal(stack.queue.records.length, since + 1);
      } finally {
        c.close();
      }
    });
  },
);
