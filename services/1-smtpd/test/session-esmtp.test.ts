// ESMTP on the MX listener: the EHLO reply advertises every extension, and a
// message sent by nodemailer, swaks and Python smtplib reaches cleanup intact
// (DSN parameters included) and is answered "250 2.0.0 Ok: queued as <id>".
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { isQueueId, rawBlobKey } from '@postfleet/queue-record';
import { RawClient } from './helpers/raw-client.ts';
import { MYHOSTNAME, useHarness } from './helpers/smtpd-harness.ts';

const run = promisify(execFile);

describe('smtpd ESMTP session', () => {
  const h = useHarness();

  test('EHLO advertises PIPELINING SIZE 8BITMIME SMTPUTF8 ENHANCEDSTATUSCODES DSN STARTTLS, no AUTH before TLS', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    assert.match((await c.reply()) ?? '', new RegExp(`^220 ${MYHOSTNAME} ESMTP`));
    const ehlo = (await c.cmd('EHLO client.example')) ?? '';
    const lines = ehlo.split(/\r?\n/).map((l) => l.slice(4));
    assert.equal(lines[0], MYHOSTNAME);
    for (const ext of [
      'PIPELINING',
      'SIZE 10240000',
      '8BITMIME',
      'SMTPUTF8',
      'ENHANCEDSTATUSCODES',
      'DSN',
      'STARTTLS',
    ]) {
      assert.ok(lines.includes(ext), `${ext} missing from ${JSON.stringify(lines)}`);
    }
    assert.ok(!lines.some((l) => l.startsWith('AUTH')), 'AUTH offered before TLS');
    assert.match((await c.cmd('QUIT')) ?? '', /^221 /);
    c.close();
  });

  test('nodemailer message is queued; the raw blob holds the dot-unstuffed message', async () => {
    const before = h.received.length;
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: h.port('smtp'),
      secure: false,
      ignoreTLS: true,
    });
    const info = await t.sendMail({
      from: 'sender@example.org',
      to: ['bob@example.test', 'carol@example.test'],
      subject: 'hello',
      text: 'line one\n.leading dot\nend\n',
    });
    assert.match(info.response, /^250 2\.0\.0 Ok: queued as (\S+)$/);
    const id = /queued as (\S+)$/.exec(info.response)?.[1] ?? '';
    assert.ok(isQueueId(id), id);
    const got = h.received[before];
    assert.ok(got);
    assert.equal(got.req.queueId, id);
    assert.equal(got.req.sender, 'sender@example.org');
    assert.deepEqual(
      got.req.recipients.map((r) => r.address),
      ['bob@example.test', 'carol@example.test'],
    );
    assert.equal(got.req.rawBlobKey, rawBlobKey(id));
    assert.equal(got.req.client.address, '127.0.0.1');
    assert.equal(got.req.client.listener, 'smtp');
    assert.equal(got.req.client.helo !== undefined, true);
    assert.match(got.raw.toString(), /\r\n\.leading dot\r\n/);
    assert.equal(got.req.rawSize, got.raw.length);
    assert.ok(
      h.logs.some((l) => l === `${id}: client=localhost[127.0.0.1]`),
      h.logs.join('\n'),
    );
    assert.ok(
      h.logs.some((l) =>
        l.startsWith(
          `${id}: from=<sender@example.org>, to=<bob@example.test>,<carol@example.test>`,
        ),
      ),
    );
    t.close();
  });

  test('DSN (RET, ENVID, NOTIFY, ORCPT), BODY=8BITMIME and SMTPUTF8 reach the CleanupRequest', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    await c.cmd('EHLO client.example');
    assert.match(
      (await c.cmd('MAIL FROM:<s@example.org> RET=HDRS ENVID=env+2B42 BODY=8BITMIME SMTPUTF8')) ??
        '',
      /^250 2\.1\.0/,
    );
    assert.match(
      (await c.cmd(
        'RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.test',
      )) ?? '',
      /^250 2\.1\.5/,
    );
    assert.match((await c.cmd('RCPT TO:<dan@example.test> NOTIFY=NEVER')) ?? '', /^250 2\.1\.5/);
    assert.match((await c.cmd('DATA')) ?? '', /^354 /);
    const r = await c.cmd('Subject: dsn\r\n\r\nbody ü\r\n.');
    assert.match(r ?? '', /^250 2\.0\.0 Ok: queued as /);
    const req = h.received.at(-1)?.req;
    assert.ok(req);
    assert.equal(req.ret, 'HDRS');
    assert.equal(req.envId, 'env+42');
    assert.equal(req.bodyType, '8BITMIME');
    assert.equal(req.smtputf8, true);
    assert.deepEqual(req.recipients, [
      {
        address: 'bob@example.test',
        orcpt: 'rfc822;bob@example.test',
        notify: ['SUCCESS', 'FAILURE'],
      },
      { address: 'dan@example.test', notify: ['NEVER'] },
    ]);
    await c.cmd('QUIT');
    c.close();
  });

  test('PIPELINING: a whole transaction in one packet gets every reply in order', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    await c.cmd('EHLO client.example');
    c.write(
      'MAIL FROM:<p@example.org>\r\nRCPT TO:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n',
    );
    assert.match((await c.reply()) ?? '', /^250 2\.1\.0/);
    assert.match((await c.reply()) ?? '', /^250 2\.1\.5/);
    assert.match((await c.reply()) ?? '', /^250 2\.1\.5/);
    assert.match((await c.reply()) ?? '', /^354 /);
    c.write('Subject: p\r\n\r\nx\r\n.\r\nQUIT\r\n');
    assert.match((await c.reply()) ?? '', /^250 2\.0\.0 Ok: queued as /);
    assert.match((await c.reply()) ?? '', /^221 /);
    c.close();
  });

  test('swaks delivers through the MX listener', async () => {
    const { stdout } = await run('swaks', [
      '--server',
      '127.0.0.1',
      '--port',
      String(h.port('smtp')),
      '--from',
      'swaks@example.org',
      '--to',
      'bob@example.test',
      '--helo',
      'swaks.example',
      '--body',
      'from swaks',
    ]);
    assert.match(stdout, /<[-~]\s+250 2\.0\.0 Ok: queued as /);
    assert.equal(h.received.at(-1)?.req.sender, 'swaks@example.org');
  });

  test('Python smtplib sends (it adds SIZE= itself) with BODY=8BITMIME', async () => {
    const script = `
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', ${h.port('smtp')})
s.ehlo('py.example')
assert s.has_extn('size') and s.has_extn('8bitmime') and s.has_extn('dsn'), s.esmtp_features
r = s.sendmail('py@example.org', ['bob@example.test'], b'Subject: py\\r\\n\\r\\nhi\\r\\n', mail_options=['BODY=8BITMIME'])
print('ok', r)
s.quit()
`;
    const { stdout } = await run('python3', ['-c', script]);
    assert.match(stdout, /^ok \{\}/);
    assert.equal(h.received.at(-1)?.req.sender, 'py@example.org');
  });

  test('the disconnect line counts commands as Postfix does', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    await c.cmd('EHLO client.example');
    await c.cmd('MAIL FROM:<x@example.org>');
    await c.cmd('RCPT TO:<bad address>');
    await c.cmd('QUIT');
    await c.waitClosed();
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      h.logs.includes(
        'disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4',
      ),
      h.logs.filter((l) => l.startsWith('disconnect')).join('\n'),
    );
  });
});
