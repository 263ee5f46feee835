// Issue 8's command-layer items, each against a real socket: bare <postmaster>
// before any restriction (9), domainless addresses (10), a trailing dot (11),
// multi-word HELO (13), VRFY (14), ETRN (15), smtpd_forbidden_commands (17),
// DATA without recipients (18), reply codes (19), duplicate RCPTs counted (20),
// "MAIL FROM:" and BODY= replies, broken_sasl_auth_clients.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import type { StageInput, Verdict } from '../src/restrictions/types.ts';
import { parseForbiddenCommands } from '../src/forbidden-commands.ts';
import { RawClient } from './helpers/raw-client.ts';
import { MYHOSTNAME, PASSWORD, USER, type Harness, useHarness } from './helpers/smtpd-harness.ts';

const b64 = (t: string): string => Buffer.from(t).toString('base64');

const reject = (code: number, enhanced: string, text: string): Verdict => ({
  action: 'reject',
  code,
  enhanced,
  text,
  effects: [],
});

async function greeted(h: Harness, listener: 'smtp' | 'submissions' = 'smtp'): Promise<RawClient> {
  const c = await RawClient.connect(h.port(listener), { tls: listener === 'submissions' });
  assert.match((await c.reply()) ?? '', /^220 /);
  assert.match((await c.cmd('EHLO client.example')) ?? '', /^250/);
  return c;
}

/** Drop the verdicts a test installed (the stub engine reads this very object). */
function clearRules(h: Harness): void {
  for (const k of Object.keys(h.engine.rules))
    delete h.engine.rules[k as keyof typeof h.engine.rules];
}

/** The recipients the engine was asked about at RCPT (and VRFY). */
function rcptChecks(h: Harness): (string | undefined)[] {
  return h.engine.calls.filter((c) => c.stage === 'onRcptTo').map((c) => c.input.facts.recipient);
}

describe('smtpd commands with Postfix 3.7 semantics (issue 8)', () => {
  const h = useHarness();
  beforeEach(() => {
    clearRules(h);
    h.engine.calls.length = 0;
    h.setSettings({});
  });

  test('item 9: bare RCPT TO:<postmaster> is accepted before any restriction', async () => {
    h.engine.rules.onRcptTo = () => reject(554, '5.7.1', 'Service unavailable; client blocked');
    const c = await greeted(h);
    assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 /);
    assert.equal(await c.cmd('RCPT TO:<postmaster>'), '250 2.1.5 Accepted');
    assert.equal(await c.cmd('RCPT TO:<PostMaster>'), '250 2.1.5 Accepted');
    assert.deepEqual(rcptChecks(h), []);
    assert.match((await c.cmd('RCPT TO:<postmaster@example.test>')) ?? '', /^554 5\.7\.1 /);
    c.close();
  });

  test('item 10: domainless MAIL FROM:<a> and RCPT TO:<tom> are taken; the restrictions decide', async () => {
    h.engine.rules.onRcptTo = (i: StageInput) =>
      i.facts.recipient?.includes('@')
        ? undefined
        : reject(
            504,
            '5.5.2',
            `<${i.facts.recipient}>: Recipient address rejected: need fully-qualified address`,
          );
    const c = await greeted(h);
    assert.equal(await c.cmd('MAIL FROM:<a>'), '250 2.1.0 Accepted');
    assert.match((await c.cmd('RCPT TO:<tom>')) ?? '', /^504 5\.5\.2 <tom>: /);
    assert.equal(
      await c.cmd('RCPT TO:tom'),
      '504 5.5.2 <tom>: Recipient address rejected: need fully-qualified address',
    );
    const rcpt = h.engine.calls.find((x) => x.stage === 'onRcptTo');
    assert.equal(rcpt?.input.facts.sender, 'a');
    assert.equal(rcpt?.input.facts.recipient, 'tom');
    // still refused: an empty local part, "@domain", a bad local part
    assert.match((await c.cmd('RCPT TO:<@example.test>')) ?? '', /^501 5\.1\.3 /);
    assert.match((await c.cmd('RCPT TO:<a..b>')) ?? '', /^501 5\.1\.3 /);
    c.close();
  });

  test('item 11: a trailing dot in an envelope domain is stripped', async () => {
    const c = await greeted(h);
    assert.equal(await c.cmd('MAIL FROM:<a@example.org.>'), '250 2.1.0 Accepted');
    assert.equal(await c.cmd('RCPT TO:<bob@example.test.>'), '250 2.1.5 Accepted');
    const rcpt = h.engine.calls.find((x) => x.stage === 'onRcptTo');
    assert.equal(rcpt?.input.facts.sender, 'a@example.org');
    assert.equal(rcpt?.input.facts.recipient, 'bob@example.test');
    assert.match((await c.cmd('RCPT TO:<bob@example.test..>')) ?? '', /^501 5\.1\.3 /);
    c.close();
  });

  test('item 13: a multi-word HELO/EHLO is joined and handed to smtpd_helo_restrictions', async () => {
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    assert.match((await c.cmd('HELO two  words')) ?? '', /^250 /);
    assert.match((await c.cmd('EHLO client.example.org extra')) ?? '', /^250-/);
    const helos = h.engine.calls.filter((x) => x.stage === 'onHelo').map((x) => x.input.facts.helo);
    assert.deepEqual(helos, ['two words', 'client.example.org extra']);
    assert.equal(await c.cmd('EHLO'), '501 Syntax: EHLO hostname');
    c.close();
  });

  test('item 14: VRFY runs the recipient checks (client lists included) and answers 252 2.0.0', async () => {
    h.engine.rules.onRcptTo = (i) =>
      i.facts.recipient === 'nobody@example.test'
        ? reject(550, '5.1.1', '<nobody@example.test>: Recipient address rejected: User unknown')
        : i.facts.recipient === 'x@elsewhere.example'
          ? reject(454, '4.7.1', '<x@elsewhere.example>: Relay access denied')
          : undefined;
    const c = await greeted(h);
    assert.match(c.transcript, /\r\n250-VRFY\r\n250-ETRN\r\n/);
    assert.match((await c.cmd('VRFY nobody@example.test')) ?? '', /^550 5\.1\.1 /);
    assert.match((await c.cmd('VRFY <x@elsewhere.example>')) ?? '', /^454 4\.7\.1 /);
    assert.equal(await c.cmd('VRFY <bob@example.test>'), '252 2.0.0 <bob@example.test>');
    assert.equal(await c.cmd('VRFY'), '501 5.5.4 Syntax: VRFY address');
    assert.equal(await c.cmd('VRFY <>'), '501 5.1.3 Bad recipient address syntax');
    assert.deepEqual(rcptChecks(h), [
      'nobody@example.test',
      'x@elsewhere.example',
      'bob@example.test',
    ]);
    c.close();
  });

  test('item 14: disable_vrfy_command = yes answers 502 5.5.1 and is not advertised', async () => {
    h.setSettings({ disable_vrfy_command: true });
    const c = await greeted(h);
    assert.doesNotMatch(c.transcript, /250-VRFY/);
    assert.equal(await c.cmd('VRFY bob@example.test'), '502 5.5.1 VRFY command is disabled');
    assert.deepEqual(rcptChecks(h), []);
    c.close();
  });

  test('item 15: ETRN is parsed and authorised with Postfix replies and fast_flush_domains', async () => {
    h.setSettings({ fast_flush_domains: 'relay.example' });
    let c = await greeted(h);
    assert.equal(await c.cmd('ETRN relay.example'), '250 Queuing started');
    assert.equal(await c.cmd('ETRN @sub.relay.example'), '250 Queuing started');
    assert.equal(await c.cmd('ETRN #relay.example'), '250 Queuing started');
    assert.equal(await c.cmd('ETRN example.test'), '459 <example.test>: service unavailable');
    assert.equal(await c.cmd('ETRN'), '500 Syntax: ETRN domain');
    assert.equal(await c.cmd('ETRN a b'), '500 Syntax: ETRN domain');
    assert.equal(await c.cmd('ETRN bad_name!'), '501 Error: invalid parameter syntax');
    assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 /);
    assert.equal(await c.cmd('ETRN relay.example'), '503 Error: MAIL transaction in progress');
    c.close();

    // fast_flush_domains out of parent_domain_matches_subdomains: only ".relay.example"
    // patterns reach subdomains
    h.setSettings({
      fast_flush_domains: 'relay.example',
      parent_domain_matches_subdomains: 'relay_domains',
    });
    c = await greeted(h);
    assert.equal(await c.cmd('ETRN relay.example'), '250 Queuing started');
    assert.equal(
      await c.cmd('ETRN sub.relay.example'),
      '459 <sub.relay.example>: service unavailable',
    );
    c.close();
    h.setSettings({ fast_flush_domains: '.relay.example', parent_domain_matches_subdomains: '' });
    c = await greeted(h);
    assert.equal(await c.cmd('ETRN sub.relay.example'), '250 Queuing started');
    c.close();
    h.setSettings({ fast_flush_domains: 'relay.example' });

    // smtpd_helo_required (the test policy sets it): HELO first
    c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    assert.equal(await c.cmd('ETRN relay.example'), '503 Error: send HELO/EHLO first');
    c.close();
  });

  test('item 15: ETRN runs the delayed client list, then smtpd_etrn_restrictions', async () => {
    h.setSettings({ fast_flush_domains: 'relay.example' });
    h.engine.rules.onConnect = (i) =>
      i.policy.smtpd_delay_reject
        ? undefined
        : reject(554, '5.7.1', 'Service unavailable; Client host [127.0.0.1] blocked');
    let c = await greeted(h);
    assert.match((await c.cmd('ETRN relay.example')) ?? '', /^554 5\.7\.1 Service unavailable/);
    c.close();

    clearRules(h);
    h.engine.rules.onData = (i) =>
      i.policy.smtpd_data_restrictions.includes('check_client_access AccessMap/etrn')
        ? reject(554, '5.7.1', '<relay.example>: Etrn command rejected: Access denied')
        : undefined;
    h.setSettings({
      fast_flush_domains: 'relay.example',
      smtpd_etrn_restrictions: 'permit_mynetworks, check_client_access AccessMap/etrn',
    });
    c = await greeted(h);
    assert.match((await c.cmd('ETRN relay.example')) ?? '', /^554 5\.7\.1 <relay\.example>/);
    c.close();
  });

  test('item 17: smtpd_forbidden_commands and header lines: 221 2.7.0 and disconnect', async () => {
    const bye = '221 2.7.0 Error: I can break rules, too. Goodbye.';
    for (const line of [
      'Subject: x',
      'Host: mx.test.example',
      'CONNECT mx:25 HTTP/1.0',
      'post /',
      '123 x',
    ]) {
      const c = await greeted(h);
      assert.equal(await c.cmd(line), bye, line);
      assert.ok(await c.waitClosed(), line);
    }
    // a pipelined body sent without DATA: the header line ends it, its RSET never runs
    const c = await greeted(h);
    assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 /);
    c.write('Subject: hi\r\n\r\nRSET\r\n');
    assert.equal(await c.reply(), bye);
    assert.ok(await c.waitClosed());
    assert.equal(await c.pending(50), '');

    h.setSettings({ smtpd_forbidden_commands: 'FOO' });
    const d = await greeted(h);
    assert.equal(await d.cmd('GET /'), '500 5.5.2 Error: command not recognized');
    assert.equal(await d.cmd('foo bar'), bye);
    assert.ok(await d.waitClosed());
  });

  test('item 18: DATA after MAIL with no accepted recipient: 554 5.5.1', async () => {
    h.engine.rules.onRcptTo = () => reject(550, '5.1.1', 'User unknown');
    const c = await greeted(h);
    assert.equal(await c.cmd('DATA'), '503 5.5.1 Error: need RCPT command');
    assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 /);
    assert.match((await c.cmd('RCPT TO:<nobody@example.test>')) ?? '', /^550 /);
    assert.equal(await c.cmd('DATA'), '554 5.5.1 Error: no valid recipients');
    c.close();
  });

  test('item 19: a comment after the address is 555 5.5.4; HELP is 500 (not implemented, as Postfix)', async () => {
    const c = await greeted(h);
    assert.equal(
      await c.cmd('MAIL FROM:<a@example.org> (the sender)'),
      '555 5.5.4 Unsupported option: (the',
    );
    assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 /);
    assert.equal(
      await c.cmd('RCPT TO:<bob@example.test> (bob)'),
      '555 5.5.4 Unsupported option: (bob)',
    );
    assert.equal(await c.cmd('HELP'), '500 5.5.2 Error: command not recognized');
    c.close();
  });

  test('item 20: every accepted RCPT counts against smtpd_recipient_limit, duplicates too', async () => {
    h.setPolicy('smtp', { smtpd_recipient_limit: 2 });
    try {
      const c = await greeted(h);
      assert.match((await c.cmd('MAIL FROM:<a@example.org>')) ?? '', /^250 /);
      assert.match((await c.cmd('RCPT TO:<bob@example.test>')) ?? '', /^250 /);
      assert.match((await c.cmd('RCPT TO:<bob@example.test>')) ?? '', /^250 /);
      assert.equal(
        await c.cmd('RCPT TO:<bob@example.test>'),
        '452 4.5.3 Error: too many recipients',
      );
      assert.equal(
        await c.cmd('RCPT TO:<carol@example.test>'),
        '452 4.5.3 Error: too many recipients',
      );
      c.close();
    } finally {
      h.setPolicy('smtp', { smtpd_recipient_limit: 1000 });
    }
  });

  test('MAIL FROM: without an address is the Syntax reply; an unknown BODY= is 555 5.5.4', async () => {
    const c = await greeted(h);
    assert.equal(await c.cmd('MAIL FROM:'), '501 5.5.4 Syntax: MAIL FROM:<address>');
    assert.equal(await c.cmd('MAIL FROM: '), '501 5.5.4 Syntax: MAIL FROM:<address>');
    assert.equal(
      await c.cmd('MAIL FROM:<a@example.org> BODY=FOO'),
      '555 5.5.4 Unsupported option: BODY=FOO',
    );
    c.close();
  });

  test('broken_sasl_auth_clients adds the AUTH=PLAIN LOGIN line', async () => {
    let c = await greeted(h, 'submissions');
    assert.match(c.transcript, /250-AUTH PLAIN LOGIN\r\n/);
    assert.doesNotMatch(c.transcript, /AUTH=/);
    c.close();
    h.setSettings({ broken_sasl_auth_clients: true });
    c = await greeted(h, 'submissions');
    assert.match(c.transcript, /250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n/);
    c.close();
  });

  test('smtpd_sasl_security_options = noplaintext leaves no mechanism: no AUTH offered', async () => {
    h.setSettings({ smtpd_sasl_security_options: 'noanonymous, noplaintext' });
    const c = await greeted(h, 'submissions');
    assert.doesNotMatch(c.transcript, /AUTH/);
    assert.equal(
      await c.cmd(`AUTH PLAIN ${b64(`\0${USER}\0${PASSWORD}`)}`),
      '503 5.5.1 Error: authentication not enabled',
    );
    c.close();
  });

  test('smtpd_sasl_local_domain completes a login name without "@"', async () => {
    const [local, domain] = USER.split('@') as [string, string];
    let c = await greeted(h, 'submissions');
    assert.match((await c.cmd(`AUTH PLAIN ${b64(`\0${local}\0${PASSWORD}`)}`)) ?? '', /^535 /);
    c.close();
    h.setSettings({ smtpd_sasl_local_domain: domain });
    c = await greeted(h, 'submissions');
    assert.equal(
      await c.cmd(`AUTH PLAIN ${b64(`\0${local}\0${PASSWORD}`)}`),
      '235 2.7.0 Authentication successful',
    );
    c.close();
  });

  test('item 16: one error limit, smtpd_hard_error_limit (20): the 20th error ends the session', async () => {
    const c = await greeted(h);
    for (let i = 1; i < 20; i++) {
      assert.equal(await c.cmd(`XYZZY${i}`), '500 5.5.2 Error: command not recognized', `${i}`);
    }
    c.write('XYZZY20\r\n');
    assert.equal(await c.reply(), '500 5.5.2 Error: command not recognized');
    assert.equal(await c.reply(), `421 4.7.0 ${MYHOSTNAME} Error: too many errors`);
    assert.ok(await c.waitClosed());
  });
});

describe('smtpd_forbidden_commands values', () => {
  test('words, inline regexp tables (case-insensitive) and header labels', () => {
    const f = parseForbiddenCommands('CONNECT GET POST regexp:{{/^[^A-Z]/ Bogus}}');
    for (const w of ['GET', 'post', 'Subject:', 'X-Mailer:', '123', '(a'])
      assert.ok(f.matches(w), w);
    for (const w of ['EHLO', 'XYZZY', '']) assert.ok(!f.matches(w), w);
    const two = parseForbiddenCommands('regexp:{{/^FOO/}{/^BAR$/}}');
    assert.ok(two.matches('foobar') && two.matches('BAR') && !two.matches('BARN'));
    // a pattern the linear-time engine refuses matches nothing; the words still apply
    const bad = parseForbiddenCommands('regexp:{{/(a)\\1/ x}} QUUX');
    assert.ok(bad.matches('QUUX') && !bad.matches('aa'));
  });
});
