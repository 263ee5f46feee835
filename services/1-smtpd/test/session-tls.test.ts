// TLS and AUTH: STARTTLS on 25 and 587, implicit TLS on 465, AUTH never offered
// before TLS, AUTH required on the submission listeners (530 5.7.0), and the
// STARTTLS command-injection defence (plaintext pipelined after STARTTLS is dropped).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { RawClient } from './helpers/raw-client.ts';
import { PASSWORD, USER, useHarness } from './helpers/smtpd-harness.ts';

const run = promisify(execFile);
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('smtpd TLS and AUTH', () => {
  const h = useHarness();

  test('port 25: STARTTLS works, AUTH appears only after TLS, mail is queued as ESMTPS', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    const plain = (await c.cmd('EHLO client.example')) ?? '';
    assert.match(plain, /250-STARTTLS/);
    assert.doesNotMatch(plain, /AUTH/);
    assert.match((await c.cmd('AUTH PLAIN ' + b64(`\0${USER}\0${PASSWORD}`))) ?? '', /^5\d\d /);
    assert.match((await c.cmd('STARTTLS')) ?? '', /^220 /);
    await c.upgrade();
    const secure = (await c.cmd('EHLO client.example')) ?? '';
    assert.match(secure, /250[- ]AUTH PLAIN LOGIN/);
    assert.doesNotMatch(secure, /STARTTLS/);
    await c.cmd('MAIL FROM:<tls@example.org>');
    await c.cmd('RCPT TO:<bob@example.test>');
    await c.cmd('DATA');
    assert.match((await c.cmd('Subject: tls\r\n\r\nx\r\n.')) ?? '', /^250 2\.0\.0 Ok: queued as /);
    const req = h.received.at(-1)?.req;
    assert.equal(req?.client.protocol, 'ESMTPS');
    assert.match(req?.client.tls?.protocol ?? '', /^TLSv1\.[23]$/);
    await c.cmd('QUIT');
    c.close();
  });

  test('port 587: MAIL before STARTTLS gets 530 5.7.0, AUTH is not offered before TLS; 535 bad password, 454 authd tempfail', async () => {
    const c = await RawClient.connect(h.port('submission'));
    await c.reply();
    const ehlo = (await c.cmd('EHLO client.example')) ?? '';
    assert.doesNotMatch(ehlo, /AUTH/);
    assert.match(ehlo, /STARTTLS/);
    assert.match(
      (await c.cmd('MAIL FROM:<x@example.org>')) ?? '',
      /^530 5\.7\.0 Must issue a STARTTLS command first/,
    );
    assert.match((await c.cmd('STARTTLS')) ?? '', /^220 /);
    await c.upgrade();
    assert.match((await c.cmd('EHLO client.example')) ?? '', /AUTH PLAIN LOGIN/);
    assert.match(
      (await c.cmd('MAIL FROM:<x@example.org>')) ?? '',
      /^530 5\.7\.0 Authentication required/,
    );
    assert.match((await c.cmd('AUTH PLAIN ' + b64(`\0${USER}\0wrong`))) ?? '', /^535 5\.7\.8 /);
    assert.match((await c.cmd('AUTH PLAIN ' + b64(`\0${USER}\0tempfail`))) ?? '', /^454 4\.7\.0 /);
    assert.match(
      (await c.cmd('AUTH PLAIN ' + b64(`\0${USER}\0${PASSWORD}`))) ?? '',
      /^235 2\.7\.0 /,
    );
    assert.deepEqual(h.authCalls.at(-1), { address: '127.0.0.1', listener: 'submission' });
    assert.match((await c.cmd('MAIL FROM:<alice@example.test>')) ?? '', /^250 2\.1\.0/);
    await c.cmd('QUIT');
    c.close();
  });

  test('port 587: nodemailer with STARTTLS + AUTH LOGIN submits; the request carries the SASL user', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: h.port('submission'),
      secure: false,
      requireTLS: true,
      auth: { user: USER, pass: PASSWORD },
      authMethod: 'LOGIN',
      tls: { rejectUnauthorized: false },
    });
    const info = await t.sendMail({ from: USER, to: 'bob@example.test', subject: 's', text: 'x' });
    assert.match(info.response, /^250 2\.0\.0 Ok: queued as /);
    const req = h.received.at(-1)?.req;
    assert.equal(req?.client.saslUser, USER);
    assert.equal(req?.client.saslMethod, 'LOGIN');
    assert.equal(req?.client.protocol, 'ESMTPSA');
    assert.equal(req?.client.listener, 'submission');
    t.close();
  });

  test('port 465: implicit TLS, AUTH offered at once, swaks submits with AUTH PLAIN', async () => {
    const c = await RawClient.connect(h.port('submissions'), { tls: true });
    assert.match((await c.reply()) ?? '', /^220 /);
    const ehlo = (await c.cmd('EHLO client.example')) ?? '';
    assert.match(ehlo, /AUTH PLAIN LOGIN/);
    assert.doesNotMatch(ehlo, /STARTTLS/);
    await c.cmd('QUIT');
    c.close();
    const { stdout } = await run('swaks', [
      '--server',
      '127.0.0.1',
      '--port',
      String(h.port('submissions')),
      '--tlsc',
      '--auth',
      'PLAIN',
      '--auth-user',
      USER,
      '--auth-password',
      PASSWORD,
      '--from',
      USER,
      '--to',
      'bob@example.test',
      '--helo',
      'swaks.example',
    ]);
    assert.match(stdout, /250 2\.0\.0 Ok: queued as /);
    assert.equal(h.received.at(-1)?.req.client.listener, 'submissions');
  });

  test('port 465: MAIL without AUTH gets 530 5.7.0 Authentication required', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: h.port('submissions'),
      secure: true,
      tls: { rejectUnauthorized: false },
    });
    await assert.rejects(
      t.sendMail({ from: 'x@example.org', to: 'bob@example.test', subject: 's', text: 'x' }),
      (err: Error & { response?: string }) =>
        /^530 5\.7\.0 Authentication required/.test(err.response ?? ''),
    );
    t.close();
  });

  test('port 465: too many commands without AUTH end the session with 421 4.7.0', async () => {
    const c = await RawClient.connect(h.port('submissions'), { tls: true });
    await c.reply();
    const replies: string[] = [];
    for (let i = 0; i < 12 && !replies.at(-1)?.startsWith('421'); i++) {
      replies.push((await c.cmd('NOOP')) ?? '');
    }
    assert.equal(replies.length, 10); // smtp-server's default of 10 unauthenticated commands
    assert.match(
      replies.at(-1) ?? '',
      /^421 4\.7\.0 Error: too many unauthenticated commands/,
      JSON.stringify(c.transcript),
    );
    assert.ok(await c.waitClosed());
  });

  test('STARTTLS injection: "STARTTLS\\r\\nRSET\\r\\n" in one packet, the RSET is never answered', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    await c.cmd('EHLO client.example');
    c.write('STARTTLS\r\nRSET\r\n');
    assert.match((await c.reply()) ?? '', /^220 /);
    await c.upgrade();
    // the first reply on the TLS channel must be the one to our NOOP, not to the injected RSET
    assert.match((await c.cmd('NOOP')) ?? '', /^250 2\.0\.0 OK/);
    assert.equal(await c.pending(), '');
    assert.doesNotMatch(c.transcript, /Flushed/);
    await c.cmd('QUIT');
    c.close();
  });
});
