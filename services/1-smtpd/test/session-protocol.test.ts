// The protocol layer smtpd owns: SASL exchanges (334, "*", SASL-IR), bare SIZE,
// unknown commands limited by smtpd_hard_error_limit only, limits fixed at connect,
// an immediate greeting, forbidden commands.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RawClient } from './helpers/raw-client.ts';
import { MYHOSTNAME, PASSWORD, USER, type Harness, useHarness } from './helpers/smtpd-harness.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function greeted(h: Harness, listener: 'smtp' | 'submissions' = 'smtp'): Promise<RawClient> {
  const c = await RawClient.connect(h.port(listener), { tls: listener === 'submissions' });
  assert.match((await c.reply()) ?? '', /^220 /);
  assert.match((await c.cmd('EHLO client.example')) ?? '', /^250/);
  return c;
}

describe('smtpd protocol layer', () => {
  const h = useHarness();

  test('AUTH LOGIN with 334 continuations; AUTH PLAIN with an empty challenge; "*" cancels', async () => {
    let c = await greeted(h, 'submissions');
    assert.equal(await c.cmd('AUTH LOGIN'), '334 VXNlcm5hbWU6');
    assert.equal(await c.cmd(b64(USER)), '334 UGFzc3dvcmQ6');
    assert.equal(await c.cmd(b64(PASSWORD)), '235 2.7.0 Authentication successful');
    assert.equal(await c.cmd('AUTH PLAIN'), '503 5.5.1 Error: already authenticated');
    c.close();

    c = await greeted(h, 'submissions');
    assert.equal(await c.cmd('AUTH PLAIN'), '334 ');
    assert.equal(await c.cmd('*'), '501 5.7.0 Authentication aborted');
    assert.equal(await c.cmd('AUTH PLAIN'), '334 ');
    assert.equal(await c.cmd(b64(`\0${USER}\0${PASSWORD}`)), '235 2.7.0 Authentication successful');
    c.close();

    c = await greeted(h, 'submissions');
    assert.equal(await c.cmd(`AUTH LOGIN ${b64(USER)}`), '334 UGFzc3dvcmQ6'); // SASL-IR
    assert.equal(
      await c.cmd(b64('wrong')),
      '535 5.7.8 Error: authentication failed: authentication failure',
    );
    assert.equal(
      await c.cmd('AUTH CRAM-MD5'),
      '535 5.7.8 Error: authentication failed: Invalid authentication mechanism',
    );
    assert.equal(
      await c.cmd('AUTH PLAIN !!!'),
      '501 5.5.2 Error: authentication failed: malformed initial response',
    );
    c.close();
  });

  test('message_size_limit = 0 advertises a bare SIZE', async () => {
    h.setPolicy('smtp', { message_size_limit: 0 });
    try {
      const c = await greeted(h);
      assert.match(c.transcript, /\r\n250-SIZE\r\n/);
      assert.match((await c.cmd('MAIL FROM:<a@example.org> SIZE=99999999999')) ?? '', /^250 /);
      c.close();
    } finally {
      h.setPolicy('smtp', { message_size_limit: 10_240_000 });
    }
  });

  test('unknown commands: only smtpd_hard_error_limit ends the session', async () => {
    const c = await greeted(h);
    for (let i = 0; i < 15; i++) {
      assert.equal(await c.cmd(`BOGUS${i}`), '500 5.5.2 Error: command not recognized');
    }
    assert.match((await c.cmd('NOOP')) ?? '', /^250 /);
    c.close();
  });

  test('a reload changes the next session, never a live one', async () => {
    const live = await greeted(h);
    h.setPolicy('smtp', { message_size_limit: 100 });
    try {
      assert.match((await live.cmd('MAIL FROM:<a@example.org> SIZE=5000')) ?? '', /^250 /);
      const next = await greeted(h);
      assert.match(next.transcript, /250-SIZE 100\r\n/);
      assert.match((await next.cmd('MAIL FROM:<a@example.org> SIZE=5000')) ?? '', /^552 5\.3\.4 /);
      next.close();
      live.close();
    } finally {
      h.setPolicy('smtp', { message_size_limit: 10_240_000 });
    }
  });

  test('the greeting is written at once (no pre-greeting pause)', async () => {
    const t0 = Date.now();
    const c = await RawClient.connect(h.port('smtp'));
    assert.equal(await c.reply(), `220 ${MYHOSTNAME} ESMTP Postfleet`);
    assert.ok(Date.now() - t0 < 80, `greeting after ${Date.now() - t0} ms`);
    c.close();
  });

  test('HTTP on port 25 is dropped (smtpd_forbidden_commands)', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    assert.equal(
      await c.cmd('GET / HTTP/1.0'),
      '221 2.7.0 Error: I can break rules, too. Goodbye.',
    );
    assert.ok(await c.waitClosed());
  });

  test('HELO answers the hostname; VRFY that passes the checks is 252; QUIT says Bye', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    assert.equal(await c.cmd('HELO client.example'), `250 ${MYHOSTNAME}`);
    assert.match((await c.cmd('VRFY bob')) ?? '', /^252 /);
    assert.equal(await c.cmd('QUIT'), '221 2.0.0 Bye');
    assert.ok(await c.waitClosed());
  });
});
