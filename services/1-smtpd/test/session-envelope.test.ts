// MAIL FROM / RCPT TO read as Postfix reads them (quoted local parts, bare
// addresses unless strict_rfc821_envelopes, Postfix's syntax replies) and
// smtpd_client_message_rate_limit with the mynetworks exemption, over raw sockets.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { localForm, splitEnvelopeCommand } from '../src/envelope-parse.ts';
import { hasRoutingTricks } from '../src/restrictions/domains.ts';
import { RawClient } from './helpers/raw-client.ts';
import { suiteFixture } from '@postfleet/harness';
import { MYHOSTNAME, startHarness, type Harness, useHarness } from './helpers/smtpd-harness.ts';

async function greeted(h: Harness): Promise<RawClient> {
  const c = await RawClient.connect(h.port('smtp'));
  assert.match((await c.reply()) ?? '', /^220 /);
  assert.match((await c.cmd('EHLO client.example')) ?? '', /^250/);
  return c;
}

describe('envelope parsing', () => {
  test('split: <> with quoted spaces and ">", bare after "FROM: ", parameters kept', () => {
    assert.deepEqual(splitEnvelopeCommand('RCPT', 'RCPT TO:<"a >b"@d.example> NOTIFY=NEVER'), {
      ok: true,
      address: '"a >b"@d.example',
      bracketed: true,
      params: 'NOTIFY=NEVER',
    });
    assert.deepEqual(splitEnvelopeCommand('MAIL', 'mail from: a@b.example SIZE=10'), {
      ok: true,
      address: 'a@b.example',
      bracketed: false,
      params: 'SIZE=10',
    });
    assert.deepEqual(splitEnvelopeCommand('MAIL', 'MAIL FROM <a@b>'), {
      ok: false,
      reason: 'verb',
    });
    for (const bad of ['MAIL FROM:<a@b', 'MAIL FROM:<"a@b>', 'MAIL FROM:<a@b>x']) {
      assert.deepEqual(splitEnvelopeCommand('MAIL', bad), { ok: false, reason: 'syntax' }, bad);
    }
    // no address at all is Postfix's "501 5.5.4 Syntax: MAIL FROM:<address>"
    assert.deepEqual(splitEnvelopeCommand('MAIL', 'MAIL FROM:'), { ok: false, reason: 'verb' });
  });

  test('local form: quotes go when the content is a dot-atom, stay otherwise', () => {
    assert.deepEqual(localForm('"bob"@example.test'), {
      address: 'bob@example.test',
      quoted: null,
    });
    assert.deepEqual(localForm('"b\\ob.x"@example.test'), {
      address: 'bob.x@example.test',
      quoted: null,
    });
    assert.deepEqual(localForm('"john doe"@example.test'), {
      address: '"john doe"@example.test',
      quoted: '"john doe"',
    });
    assert.deepEqual(localForm('plain@example.test'), {
      address: 'plain@example.test',
      quoted: null,
    });
    assert.ok(hasRoutingTricks(localForm('"user@elsewhere.example"@example.test').address));
  });
});

describe('smtpd envelope syntax', () => {
  const h = useHarness();
  beforeEach(() => {
    h.setPolicy('smtp', { strict_rfc821_envelopes: false });
  });

  test('quoted local parts are parsed; the rules see "bob"@ as bob@, and "a@b"@ as a routing trick', async () => {
    const c = await greeted(h);
    assert.equal(
      await c.cmd('MAIL FROM:<"a b"@example.org> SIZE=100 BODY=8BITMIME'),
      '250 2.1.0 Accepted',
    );
    const from = h.engine.calls.length;
    assert.equal(
      await c.cmd('RCPT TO:<"john doe"@example.test> NOTIFY=SUCCESS,FAILURE'),
      '250 2.1.5 Accepted',
    );
    assert.equal(await c.cmd('RCPT TO:<"bob"@example.test>'), '250 2.1.5 Accepted');
    assert.equal(
      await c.cmd('RCPT TO:<"user@elsewhere.example"@example.test>'),
      '250 2.1.5 Accepted',
    );
    const seen = h.engine.calls
      .slice(from)
      .filter((x) => x.stage === 'onRcptTo')
      .map((x) => x.input.facts.recipient);
    assert.deepEqual(seen, [
      '"john doe"@example.test',
      'bob@example.test',
      '"user@elsewhere.example"@example.test',
    ]);
    assert.ok(hasRoutingTricks(seen[2] ?? ''));
    assert.match((await c.cmd('DATA')) ?? '', /^354 /);
    assert.match((await c.cmd('Subject: x\r\n\r\nx\r\n.')) ?? '', /^250 /);
    const req = h.received.at(-1)?.req;
    assert.equal(req?.sender, '"a b"@example.org');
    assert.deepEqual(req?.recipients[0], {
      address: '"john doe"@example.test',
      notify: ['SUCCESS', 'FAILURE'],
    });
    c.close();
  });

  test('bare addresses after "FROM: " / "TO: " are accepted when not strict, 501 when strict', async () => {
    let c = await greeted(h);
    assert.equal(await c.cmd('MAIL FROM: a@example.org SIZE=10'), '250 2.1.0 Accepted');
    assert.equal(await c.cmd('RCPT TO: b@example.test'), '250 2.1.5 Accepted');
    c.close();
    h.setPolicy('smtp', { strict_rfc821_envelopes: true });
    c = await greeted(h);
    assert.equal(await c.cmd('MAIL FROM: a@example.org'), '501 5.1.7 Bad sender address syntax');
    assert.equal(await c.cmd('MAIL FROM: <a@example.org>'), '250 2.1.0 Accepted');
    assert.equal(await c.cmd('RCPT TO:b@example.test'), '501 5.1.3 Bad recipient address syntax');
    assert.equal(await c.cmd('RCPT TO:<"b c"@example.test>'), '250 2.1.5 Accepted');
    c.close();
  });

  test('syntax refusals carry Postfix\'s text, without smtp-server\'s "Error:"', async () => {
    const c = await greeted(h);
    assert.equal(await c.cmd('MAIL FROM <a@example.org>'), '501 5.5.4 Syntax: MAIL FROM:<address>');
    assert.equal(await c.cmd('MAIL FROM:<a@bad..example>'), '501 5.1.7 Bad sender address syntax');
    assert.equal(await c.cmd('MAIL FROM:<"a@example.org>'), '501 5.1.7 Bad sender address syntax');
    assert.equal(await c.cmd('RCPT TO:<b@example.test>'), '503 5.5.1 Error: need MAIL command');
    assert.equal(await c.cmd('MAIL FROM:<>'), '250 2.1.0 Accepted');
    assert.equal(await c.cmd('MAIL FROM:<a@example.org>'), '503 5.5.1 Error: nested MAIL command');
    assert.equal(await c.cmd('RCPT TO:<>'), '501 5.1.3 Bad recipient address syntax');
    assert.equal(await c.cmd('RCPT TO <b@example.test>'), '501 5.5.4 Syntax: RCPT TO:<address>');
    assert.equal(
      await c.cmd('RCPT TO:<b@example.test> NOTIFY=BOGUS'),
      '501 5.5.4 Error: NOTIFY parameter must be NEVER, SUCCESS, FAILURE, or DELAY',
    );
    assert.equal(await c.cmd('RCPT TO:<postmaster>'), '250 2.1.5 Accepted');
    c.close();
  });
});

describe('smtpd_client_message_rate_limit', () => {
  const h = suiteFixture(
    () =>
      startHarness({
        policies: { smtp: { smtpd_client_message_rate_limit: 2, mynetworks: [] } },
      }),
    (harness) => harness.stop(),
  );

  test('the third MAIL FROM in a minute gets 450 4.7.1 too much mail, across connections', async () => {
    let c = await greeted(h);
    assert.equal(await c.cmd('MAIL FROM:<a@example.org>'), '250 2.1.0 Accepted');
    assert.match((await c.cmd('RSET')) ?? '', /^250 /);
    c.close();
    c = await greeted(h);
    assert.equal(await c.cmd('MAIL FROM:<a@example.org>'), '250 2.1.0 Accepted');
    assert.match((await c.cmd('RSET')) ?? '', /^250 /);
    assert.equal(
      await c.cmd('MAIL FROM:<a@example.org>'),
      '450 4.7.1 Error: too much mail from 127.0.0.1',
    );
    assert.ok(
      h.logs.includes(
        'warning: Message delivery request rate limit exceeded: 3 from localhost[127.0.0.1] for service smtp',
      ),
      h.logs.join('\n'),
    );
    // the session goes on: it is a per-request limit, not a disconnect
    assert.equal(await c.cmd('RCPT TO:<b@example.test>'), '503 5.5.1 Error: need MAIL command');
    c.close();
  });

  test('mynetworks clients are exempt (smtpd_client_event_limit_exceptions = $mynetworks)', async () => {
    h.setPolicy('smtp', { smtpd_client_message_rate_limit: 2, mynetworks: ['127.0.0.0/8'] });
    const c = await greeted(h);
    for (let i = 0; i < 4; i++) {
      assert.equal(await c.cmd('MAIL FROM:<a@example.org>'), '250 2.1.0 Accepted');
      assert.match((await c.cmd('RSET')) ?? '', /^250 /);
    }
    c.close();
  });

  test('mynetworks clients are exempt from the connection rate limit too', async () => {
    h.setPolicy('smtp', { smtpd_client_connection_rate_limit: 1, mynetworks: ['127.0.0.0/8'] });
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(h.port('smtp'));
      assert.match((await c.reply()) ?? '', /^220 /);
      c.close();
    }
    h.setPolicy('smtp', { smtpd_client_connection_rate_limit: 1, mynetworks: [] });
    const first = await RawClient.connect(h.port('smtp')); // counted now (earlier ones may be too)
    await first.reply();
    first.close();
    const c = await RawClient.connect(h.port('smtp'));
    assert.equal(
      await c.reply(),
      `421 4.7.0 ${MYHOSTNAME} Error: too many connection requests from 127.0.0.1`,
    );
    c.close();
  });
});
