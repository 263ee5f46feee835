// Safety limits of a session: bare <LF>/<CR> (SMTP smuggling), pregreet,
// SIZE (declared and real byte count), recipient limit, hard error limit,
// command line length, and anvil's per-IP concurrent connection limit.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RawClient } from './helpers/raw-client.ts';
import { MYHOSTNAME, type Harness, useHarness } from './helpers/smtpd-harness.ts';

async function greeted(h: Harness): Promise<RawClient> {
  const c = await RawClient.connect(h.port('smtp'));
  assert.match((await c.reply()) ?? '', /^220 /);
  assert.match((await c.cmd('EHLO client.example')) ?? '', /^250/);
  return c;
}

const settle = (ms = 150): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('smtpd session limits', () => {
  const h = useHarness();

  test('SMTP smuggling: bare <LF> in DATA is answered 550 5.5.2 once, nothing is queued, the connection is closed', async () => {
    const before = h.received.length;
    const c = await greeted(h);
    await c.cmd('MAIL FROM:<a@example.org>');
    await c.cmd('RCPT TO:<b@example.test>');
    assert.match((await c.cmd('DATA')) ?? '', /^354 /);
    c.write(
      'Subject: x\r\n\r\nhello\n.\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nsmuggled\r\n.\r\n',
    );
    assert.equal(await c.reply(), '550 5.5.2 Error: bare <LF> received');
    assert.ok(await c.waitClosed(), 'connection still open');
    assert.equal(c.transcript.match(/^250 2\.0\.0 Ok: queued/gm), null);
    assert.equal(h.received.length, before);
    assert.deepEqual(await h.blobKeys(), []);
  });

  test('bare <LF> ending a command: 550 5.5.2 and disconnect', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    c.write('EHLO client.example\n');
    assert.equal(await c.reply(), '550 5.5.2 Error: bare <LF> received');
    assert.ok(await c.waitClosed());
  });

  test('bare <CR> inside a command: 550 5.5.2 and disconnect', async () => {
    const c = await greeted(h);
    c.write('MAIL FROM:<a@example.org>\rRCPT TO:<b@example.test>\r\n');
    assert.equal(await c.reply(), '550 5.5.2 Error: bare <CR> received');
    assert.ok(await c.waitClosed());
  });

  test('pregreet: a client that talks before the 220 greeting gets 554 5.5.1 and is dropped', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    c.write('EHLO early.example\r\n');
    const r = (await c.reply()) ?? '';
    assert.match(r, /^554 5\.5\.1 /);
    assert.ok(await c.waitClosed());
    assert.doesNotMatch(c.transcript, /^220 /m);
    await settle();
    assert.ok(h.logs.some((l) => l.startsWith('PREGREET ')));
  });

  test('SIZE: MAIL FROM SIZE= over message_size_limit gets 552 5.3.4', async () => {
    h.setPolicy('smtp', { message_size_limit: 2000 });
    try {
      const c = await greeted(h);
      assert.match(c.transcript, /250[- ]SIZE 2000\r\n/);
      assert.match((await c.cmd('MAIL FROM:<a@example.org> SIZE=5000')) ?? '', /^552 5\.3\.4 /);
      assert.match((await c.cmd('MAIL FROM:<a@example.org> SIZE=500')) ?? '', /^250 2\.1\.0/);
      await c.cmd('QUIT');
      c.close();
    } finally {
      h.setPolicy('smtp', { message_size_limit: 10_240_000 });
    }
  });

  test('SIZE: a message larger than the limit is drained, answered 552 5.3.4, and the session stays usable', async () => {
    h.setPolicy('smtp', { message_size_limit: 2000 });
    try {
      const before = h.received.length;
      const c = await greeted(h);
      await c.cmd('MAIL FROM:<a@example.org>');
      await c.cmd('RCPT TO:<b@example.test>');
      await c.cmd('DATA');
      const line = 'x'.repeat(78) + '\r\n';
      c.write('Subject: big\r\n\r\n' + line.repeat(200));
      assert.equal(await c.cmd('.'), '552 5.3.4 Message size exceeds fixed limit');
      assert.equal(h.received.length, before);
      assert.deepEqual(await h.blobKeys(), []);
      assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 2\.1\.0/);
      await c.cmd('RCPT TO:<b@example.test>');
      await c.cmd('DATA');
      assert.match(
        (await c.cmd('Subject: small\r\n\r\nok\r\n.')) ?? '',
        /^250 2\.0\.0 Ok: queued as /,
      );
      await c.cmd('QUIT');
      c.close();
    } finally {
      h.setPolicy('smtp', { message_size_limit: 10_240_000 });
    }
  });

  test('smtpd_recipient_limit: the recipient over the limit gets 452 4.5.3', async () => {
    h.setPolicy('smtp', { smtpd_recipient_limit: 3 });
    try {
      const c = await greeted(h);
      await c.cmd('MAIL FROM:<a@example.org>');
      for (const r of ['r1', 'r2', 'r3']) {
        assert.match((await c.cmd(`RCPT TO:<${r}@example.test>`)) ?? '', /^250 2\.1\.5/);
      }
      assert.equal(
        await c.cmd('RCPT TO:<r4@example.test>'),
        '452 4.5.3 Error: too many recipients',
      );
      await c.cmd('DATA');
      assert.match((await c.cmd('Subject: l\r\n\r\nok\r\n.')) ?? '', /^250 /);
      assert.equal(h.received.at(-1)?.req.recipients.length, 3);
      await c.cmd('QUIT');
      c.close();
    } finally {
      h.setPolicy('smtp', { smtpd_recipient_limit: 1000 });
    }
  });

  test('smtpd_hard_error_limit: after the limit of errors, 421 4.7.0 Error: too many errors and disconnect', async () => {
    h.setPolicy('smtp', { smtpd_hard_error_limit: 3 });
    try {
      const c = await greeted(h);
      assert.match((await c.cmd('BOGUS 1')) ?? '', /^500 /);
      assert.match((await c.cmd('RCPT TO:<x@example.test>')) ?? '', /^503 /);
      c.write('MAIL FROM:<broken\r\n');
      assert.match((await c.reply()) ?? '', /^501 /);
      assert.equal(await c.reply(), `421 4.7.0 ${MYHOSTNAME} Error: too many errors`);
      assert.ok(await c.waitClosed());
    } finally {
      h.setPolicy('smtp', { smtpd_hard_error_limit: 20 });
    }
  });

  test('smtpd_junk_command_limit: NOOPs past the limit count as errors toward the hard limit', async () => {
    h.setPolicy('smtp', { smtpd_junk_command_limit: 2, smtpd_hard_error_limit: 3 });
    try {
      const c = await greeted(h);
      for (let i = 0; i < 4; i++) assert.match((await c.cmd('NOOP')) ?? '', /^250 /);
      c.write('NOOP\r\n');
      assert.match((await c.reply()) ?? '', /^250 /);
      assert.equal(await c.reply(), `421 4.7.0 ${MYHOSTNAME} Error: too many errors`);
      assert.ok(await c.waitClosed());
    } finally {
      h.setPolicy('smtp', { smtpd_junk_command_limit: 100, smtpd_hard_error_limit: 20 });
    }
  });

  test('smtpd_soft_error_limit: past it, each reply waits smtpd_error_sleep_time', async () => {
    h.setPolicy('smtp', { smtpd_soft_error_limit: 1, smtpd_error_sleep_time: 1 });
    try {
      const c = await greeted(h);
      let t0 = Date.now();
      assert.match((await c.cmd('BOGUS')) ?? '', /^500 /);
      assert.ok(Date.now() - t0 < 900, 'the first error was delayed');
      t0 = Date.now();
      assert.match((await c.cmd('NOOP')) ?? '', /^250 /);
      assert.ok(Date.now() - t0 >= 900, `no tarpit delay (${Date.now() - t0} ms)`);
      c.close();
    } finally {
      h.setPolicy('smtp', { smtpd_soft_error_limit: 10, smtpd_error_sleep_time: 0 });
    }
  });

  test('an over-long command line is refused with 421 and the connection closed', async () => {
    const c = await greeted(h);
    c.write('NOOP ' + 'a'.repeat(10_000) + '\r\n');
    assert.match((await c.reply()) ?? '', /^421 4\.7\.0 .*too long/);
    assert.ok(await c.waitClosed());
  });

  test('anvil: the connection over smtpd_client_connection_count_limit gets 421 4.7.0', async () => {
    await settle(300); // earlier sessions' close events
    // mynetworks (127.0.0.0/8 in the test policy) would be exempt from anvil's limits
    h.setPolicy('smtp', { smtpd_client_connection_count_limit: 2, mynetworks: [] });
    try {
      const a = await greeted(h);
      const b = await greeted(h);
      const c = await RawClient.connect(h.port('smtp'));
      assert.equal(
        await c.reply(),
        `421 4.7.0 ${MYHOSTNAME} Error: too many connections from 127.0.0.1`,
      );
      assert.ok(await c.waitClosed());
      await a.cmd('QUIT');
      a.close();
      await settle(300);
      const d = await RawClient.connect(h.port('smtp'));
      assert.match((await d.reply()) ?? '', /^220 /);
      d.close();
      b.close();
    } finally {
      h.setPolicy('smtp', { smtpd_client_connection_count_limit: 50, mynetworks: ['127.0.0.0/8'] });
    }
  });
});
