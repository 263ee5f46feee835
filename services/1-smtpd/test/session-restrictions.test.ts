// The session calls the restriction engine at every stage with the facts it
// knows, renders a reject as "code enhanced text" with a Postfix-style log
// line, and carries accepted effects into the CleanupRequest. Envelope syntax
// (strict_rfc821_envelopes) and smtpd_helo_required are enforced by smtpd.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import type { Verdict } from '../src/restrictions/types.ts';
import { RawClient } from './helpers/raw-client.ts';
import { type Harness, useHarness } from './helpers/smtpd-harness.ts';

const reject = (code: number, enhanced: string, text: string): Verdict => ({
  action: 'reject',
  code,
  enhanced,
  text,
  effects: [],
});

async function greeted(h: Harness): Promise<RawClient> {
  const c = await RawClient.connect(h.port('smtp'));
  assert.match((await c.reply()) ?? '', /^220 /);
  assert.match((await c.cmd('EHLO client.example')) ?? '', /^250/);
  return c;
}

describe('smtpd restrictions', () => {
  const h = useHarness();
  beforeEach(() => {
    for (const k of Object.keys(h.engine.rules))
      delete h.engine.rules[k as keyof typeof h.engine.rules];
    h.setPolicy('smtp', { strict_rfc821_envelopes: false });
  });

  test('RCPT reject is rendered as "554 5.7.1 text" and logged as Postfix does', async () => {
    h.engine.rules.onRcptTo = (i) =>
      i.facts.recipient === 'x@elsewhere.example'
        ? reject(554, '5.7.1', '<x@elsewhere.example>: Relay access denied')
        : undefined;
    const c = await greeted(h);
    await c.cmd('MAIL FROM:<s@example.org>');
    assert.equal(
      await c.cmd('RCPT TO:<x@elsewhere.example>'),
      '554 5.7.1 <x@elsewhere.example>: Relay access denied',
    );
    assert.match((await c.cmd('RCPT TO:<ok@example.test>')) ?? '', /^250 /);
    await c.cmd('QUIT');
    c.close();
    assert.ok(
      h.logs.includes(
        'NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 554 5.7.1 <x@elsewhere.example>: Relay access denied; from=<s@example.org> to=<x@elsewhere.example> proto=ESMTP helo=<client.example>',
      ),
      h.logs.filter((l) => l.includes('reject')).join('\n'),
    );
  });

  test('the engine sees the facts of each stage', async () => {
    const from = h.engine.calls.length;
    const c = await greeted(h);
    await c.cmd('MAIL FROM:<s@example.org>');
    await c.cmd('RCPT TO:<a@example.test>');
    await c.cmd('RCPT TO:<b@example.test>');
    await c.cmd('DATA');
    await c.cmd('x\r\n.');
    await c.cmd('QUIT');
    c.close();
    const calls = h.engine.calls.slice(from);
    assert.deepEqual(
      calls.map((x) => x.stage),
      ['onConnect', 'onHelo', 'onMailFrom', 'onRcptTo', 'onRcptTo', 'onData'],
    );
    const [conn, helo, mail, rcpt1, rcpt2, data] = calls.map((x) => x.input.facts);
    assert.equal(conn?.client.hostname, 'localhost');
    assert.equal(conn?.helo, undefined);
    assert.equal(helo?.helo, 'client.example');
    assert.equal(mail?.sender, 's@example.org');
    assert.equal(rcpt1?.recipient, 'a@example.test');
    assert.equal(rcpt1?.recipientCount, 0);
    assert.equal(rcpt2?.recipientCount, 1);
    assert.equal(data?.recipientCount, 2);
    assert.equal(data?.tls, false);
    assert.equal(calls[0]?.input.policy.source, '(test)');
  });

  test('connect reject answers in place of the greeting and closes', async () => {
    h.engine.rules.onConnect = () => reject(554, '5.7.1', 'Client host rejected: Access denied');
    const c = await RawClient.connect(h.port('smtp'));
    assert.equal(await c.reply(), '554 5.7.1 Client host rejected: Access denied');
    assert.ok(await c.waitClosed());
  });

  test('HELO, MAIL and DATA rejects', async () => {
    h.engine.rules.onHelo = (i) =>
      i.facts.helo === 'bad.example'
        ? reject(
            504,
            '5.5.2',
            '<bad.example>: Helo command rejected: need fully-qualified hostname',
          )
        : undefined;
    h.engine.rules.onMailFrom = (i) =>
      i.facts.sender === 'spam@example.org'
        ? reject(553, '5.7.1', '<spam@example.org>: Sender address rejected: Access denied')
        : undefined;
    h.engine.rules.onData = () => reject(554, '5.5.1', 'Error: no valid recipients');
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    assert.equal(
      await c.cmd('EHLO bad.example'),
      '504 5.5.2 <bad.example>: Helo command rejected: need fully-qualified hostname',
    );
    assert.match((await c.cmd('EHLO good.example')) ?? '', /^250-/);
    assert.equal(
      await c.cmd('MAIL FROM:<spam@example.org>'),
      '553 5.7.1 <spam@example.org>: Sender address rejected: Access denied',
    );
    await c.cmd('MAIL FROM:<ok@example.org>');
    await c.cmd('RCPT TO:<a@example.test>');
    assert.equal(await c.cmd('DATA'), '554 5.5.1 Error: no valid recipients');
    assert.match((await c.cmd('RSET')) ?? '', /^250 /);
    await c.cmd('QUIT');
    c.close();
  });

  test('accepted effects (HOLD, PREPEND, REDIRECT, DISCARD) are carried in the CleanupRequest', async () => {
    h.engine.rules.onConnect = () => ({
      action: 'accept',
      effects: [{ kind: 'prepend', header: 'X-Client: seen' }],
    });
    h.engine.rules.onMailFrom = () => ({
      action: 'accept',
      effects: [{ kind: 'hold', reason: 'sender on watch list' }],
    });
    h.engine.rules.onRcptTo = () => ({
      action: 'accept',
      effects: [
        { kind: 'redirect', address: 'quarantine@example.test' },
        { kind: 'prepend', header: 'X-Rcpt: checked' },
        { kind: 'discard', reason: 'x' },
      ],
    });
    const c = await greeted(h);
    await c.cmd('MAIL FROM:<s@example.org>');
    await c.cmd('RCPT TO:<a@example.test>');
    await c.cmd('DATA');
    assert.match((await c.cmd('x\r\n.')) ?? '', /^250 /);
    await c.cmd('QUIT');
    c.close();
    const req = h.received.at(-1)?.req;
    assert.equal(req?.hold, true);
    assert.equal(req?.holdReason, 'sender on watch list');
    assert.equal(req?.redirect, 'quarantine@example.test');
    assert.equal(req?.discard, true);
    assert.deepEqual(req?.prepend, ['X-Client: seen', 'X-Rcpt: checked']);
  });

  test('effects of one transaction do not leak into the next', async () => {
    let first = true;
    h.engine.rules.onMailFrom = () => {
      const effects = first ? [{ kind: 'hold', reason: 'once' } as const] : [];
      first = false;
      return { action: 'accept', effects };
    };
    const c = await greeted(h);
    for (let i = 0; i < 2; i++) {
      await c.cmd('MAIL FROM:<s@example.org>');
      await c.cmd('RCPT TO:<a@example.test>');
      await c.cmd('DATA');
      await c.cmd('x\r\n.');
    }
    await c.cmd('QUIT');
    c.close();
    assert.equal(h.received.at(-2)?.req.hold, true);
    assert.equal(h.received.at(-1)?.req.hold, undefined);
  });

  test('smtpd_helo_required: MAIL before HELO/EHLO gets 503 5.5.1', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    assert.equal(await c.cmd('MAIL FROM:<a@example.org>'), '503 5.5.1 Error: send HELO/EHLO first');
    c.close();
  });

  test('smtpd_helo_required = no: MAIL without HELO is accepted and the HELO counts as absent', async () => {
    h.setPolicy('smtp', { smtpd_helo_required: false });
    try {
      const from = h.engine.calls.length;
      const c = await RawClient.connect(h.port('smtp'));
      await c.reply();
      assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 2\.1\.0/);
      assert.match((await c.cmd('RCPT TO:<b@example.test>')) ?? '', /^250 /);
      await c.cmd('DATA');
      assert.match((await c.cmd('x\r\n.')) ?? '', /^250 /);
      await c.cmd('QUIT');
      c.close();
      const rcpt = h.engine.calls.slice(from).find((x) => x.stage === 'onRcptTo');
      assert.equal(rcpt?.input.facts.helo, undefined);
      assert.equal(h.received.at(-1)?.req.client.helo, undefined);
      assert.equal(h.received.at(-1)?.req.client.protocol, 'SMTP');
    } finally {
      h.setPolicy('smtp', { smtpd_helo_required: true });
    }
  });

  test('strict_rfc821_envelopes: comments are refused with 501 5.1.7 / 5.1.3; when off an unknown option (555)', async () => {
    h.setPolicy('smtp', { strict_rfc821_envelopes: true });
    let c = await greeted(h);
    assert.equal(
      await c.cmd('MAIL FROM:<a@example.org> (comment)'),
      '501 5.1.7 Bad sender address syntax',
    );
    assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 /);
    assert.equal(
      await c.cmd('RCPT TO:<(c)b@example.test>'),
      '501 5.1.3 Bad recipient address syntax',
    );
    assert.match(
      (await c.cmd('RCPT TO:<b@example.test> FOO=1')) ?? '',
      /^555 5\.5\.4 Unsupported option: FOO/,
    );
    c.close();
    h.setPolicy('smtp', { strict_rfc821_envelopes: false });
    c = await greeted(h);
    assert.equal(
      await c.cmd('MAIL FROM:<a@example.org> (comment)'),
      '555 5.5.4 Unsupported option: (comment)',
    );
    assert.match((await c.cmd('MAIL FROM:a@example.org')) ?? '', /^250 /);
    c.close();
  });

  test('addresses without angle brackets: accepted when not strict, 501 5.1.7 when strict', async () => {
    let c = await greeted(h);
    assert.match((await c.cmd('MAIL FROM: a@example.org')) ?? '', /^250 /);
    c.close();
    h.setPolicy('smtp', { strict_rfc821_envelopes: true });
    c = await greeted(h);
    assert.equal(await c.cmd('MAIL FROM: a@example.org'), '501 5.1.7 Bad sender address syntax');
    c.close();
  });
});
