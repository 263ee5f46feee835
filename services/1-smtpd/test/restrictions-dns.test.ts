// Restriction rules that ask the DNS, against a real DNS server from the harness:
// reject_rbl_client (filters, reply maps, IPv6 and IPv4-mapped clients),
// reject_rhsbl_*, reject_unknown_helo_hostname, reject_unknown_sender/recipient_domain,
// the rule that a name-check tempfail is a 450, never an accept, and that a DNS list
// that does not answer lists nobody (smtpd_dnsbl_tempfail_defer = yes defers instead).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EffectivePolicy, RuntimeConfig } from '@postfleet/config';
import { createResolver } from '@postfleet/dns';
import { reverseName, startDnsServer, type DnsServerHandle } from '@postfleet/harness';
import { createRestrictionEngine } from '../src/restrictions/index.ts';
import type { RestrictionResolver } from '../src/restrictions/dns-port.ts';
import type { RestrictionEngine, SessionFacts, Verdict } from '../src/restrictions/index.ts';
import { domainsOf, engineConfig, factsWith, usersOf } from './helpers/engine-fixtures.ts';

type FactsOver = Partial<Omit<SessionFacts, 'client'>> & {
  client?: Partial<SessionFacts['client']>;
};

function makeConfig(policy: Partial<EffectivePolicy> = {}): RuntimeConfig {
  return engineConfig(policy, {
    domains: domainsOf({ 'example.test': 'virtual' }),
    users: usersOf('bob@example.test'),
  });
}

const facts = factsWith({ helo: 'mail.good.test', sender: 'someone@good.test' });

function assertReject(v: Verdict, code: number, enhanced: string, text?: string | RegExp): void {
  assert.equal(v.action, 'reject', `expected reject, got ${JSON.stringify(v)}`);
  if (v.action !== 'reject') return;
  assert.equal(v.code, code, v.text);
  assert.equal(v.enhanced, enhanced, v.text);
  if (typeof text === 'string') assert.equal(v.text, text);
  else if (text) assert.match(v.text, text);
}
function assertAccept(v: Verdict): void {
  assert.equal(v.action, 'accept', `expected accept, got ${JSON.stringify(v)}`);
}

const v6Listed = '2001:db8::bad';
const v6Rbl = `${reverseName(v6Listed).replace(/\.ip6\.arpa$/, '')}.zen.test`;

let dns: DnsServerHandle;
let engine: RestrictionEngine;

before(async () => {
  dns = await startDnsServer([
    { name: '2.2.0.192.zen.test', type: 'A', value: '127.0.0.2' },
    { name: '2.2.0.192.zen.test', type: 'TXT', value: 'see https://zen.test/192.0.2.2' },
    { name: '4.2.0.192.zen.test', type: 'A', value: '127.0.0.10' },
    { name: v6Rbl, type: 'A', value: '127.0.0.3' },
    { name: 'spam.test.dbl.test', type: 'A', value: '127.0.1.2' },
    { name: 'spam.test.dbl.test', type: 'TXT', value: 'spammy domain' },
    { name: 'mx.spam.test.dbl.test', type: 'A', value: '127.0.1.2' },
    { name: 'mail.good.test', type: 'A', value: '192.0.2.10' },
    { name: 'v6only.test', type: 'AAAA', value: '2001:db8::10' },
    { name: 'good.test', type: 'MX', value: 'mail.good.test', priority: 10 },
    { name: 'aonly.test', type: 'A', value: '192.0.2.20' },
    { name: 'mxfail.test', type: 'A', value: '192.0.2.30' },
    { name: 'nullmx.test', type: 'MX', value: '.', priority: 0 },
    { name: 'txtonly.test', type: 'TXT', value: 'v=spf1 -all' },
  ]);
  dns.servfail(['3.2.0.192.zen.test', 'slowhelo.test', 'tempfail.test', 'tempfail.test.dbl.test']);
  dns.blackhole(['5.2.0.192.zen.test']);
  engine = createRestrictionEngine({
    resolver: createResolver({ servers: [dns.address], timeoutMs: 300, tries: 1, cacheTtlMs: 0 }),
  });
});
after(async () => {
  await dns.stop();
});

const rcpt = (config: RuntimeConfig, over: FactsOver = {}): Promise<Verdict> =>
  engine.onRcptTo({ facts: facts(over), policy: config.policies.smtp, config });

describe('reject_rbl_client', () => {
  const config = makeConfig({ smtpd_client_restrictions: ['reject_rbl_client zen.test'] });
  it('a listed client: 554 5.7.1 Service unavailable; Client host [ip] blocked using zone; TXT reason', async () => {
    assertReject(
      await rcpt(config, { client: { address: '192.0.2.2' } }),
      554,
      '5.7.1',
      'Service unavailable; Client host [192.0.2.2] blocked using zen.test; see https://zen.test/192.0.2.2',
    );
    assertAccept(await rcpt(config, { client: { address: '192.0.2.1' } }));
  });
  it('IPv4-mapped IPv6 clients are looked up as IPv4; IPv6 clients by nibbles', async () => {
    assertReject(
      await rcpt(config, { client: { address: '::ffff:192.0.2.2' } }),
      554,
      '5.7.1',
      /\[192\.0\.2\.2\]/,
    );
    assertReject(
      await rcpt(config, { client: { address: v6Listed } }),
      554,
      '5.7.1',
      /Client host \[2001:db8::bad\] blocked using zen\.test$/,
    );
  });
  it('zone=d.d.d.d reply filters, with [n..m] octet ranges', async () => {
    const exact = makeConfig({
      smtpd_client_restrictions: ['reject_rbl_client zen.test=127.0.0.2'],
    });
    assertReject(await rcpt(exact, { client: { address: '192.0.2.2' } }), 554, '5.7.1');
    assertAccept(await rcpt(exact, { client: { address: '192.0.2.4' } }));
    const range = makeConfig({
      smtpd_client_restrictions: ['reject_rbl_client zen.test=127.0.0.[9..11]'],
    });
    assertReject(await rcpt(range, { client: { address: '192.0.2.4' } }), 554, '5.7.1');
    assertAccept(await rcpt(range, { client: { address: '192.0.2.2' } }));
  });
  it('maps_rbl_reject_code and rbl_reply_maps templates', async () => {
    const c = makeConfig({
      smtpd_client_restrictions: ['reject_rbl_client zen.test'],
      maps_rbl_reject_code: 550,
      rbl_reply_maps: {
        'zen.test':
          '$rbl_code 5.7.0 $client_address listed by $rbl_domain${rbl_reason?: $rbl_reason}',
      },
    });
    assertReject(
      await rcpt(c, { client: { address: '192.0.2.2' } }),
      550,
      '5.7.0',
      '192.0.2.2 listed by zen.test: see https://zen.test/192.0.2.2',
    );
    const plain = makeConfig({
      smtpd_client_restrictions: ['reject_rbl_client zen.test'],
      maps_rbl_reject_code: 521,
    });
    assertReject(
      await rcpt(plain, { client: { address: '192.0.2.4' } }),
      521,
      '5.7.1',
      /blocked using zen\.test$/,
    );
  });
});

describe('a DNS list that does not answer lists nobody (Postfix), unless smtpd_dnsbl_tempfail_defer', () => {
  const deferring = (policy: Partial<EffectivePolicy>): RuntimeConfig => ({
    ...makeConfig(policy),
    settings: { smtpd_dnsbl_tempfail_defer: true },
  });
  it('SERVFAIL from the list: not listed, a warning is logged, later rules decide', async () => {
    const warnings: string[] = [];
    const logged = createRestrictionEngine({
      resolver: createResolver({ servers: [dns.address], timeoutMs: 300, tries: 1, cacheTtlMs: 0 }),
      log: { info() {}, warn: (_f, msg) => warnings.push(msg) },
    });
    const c = makeConfig({ smtpd_client_restrictions: ['reject_rbl_client zen.test'] });
    const input = { facts: facts({ client: { address: '192.0.2.3' } }), policy: c.policies.smtp };
    assertAccept(await logged.onRcptTo({ ...input, config: c }));
    assert.ok(warnings.some((w) => /zen\.test: DNS lookup failed for 192\.0\.2\.3/.test(w)));
    const rejecting = makeConfig({
      smtpd_client_restrictions: ['reject_rbl_client zen.test', 'reject'],
    });
    assertReject(await rcpt(rejecting, { client: { address: '192.0.2.3' } }), 554, '5.7.1');
  });
  it('a timeout (no answer at all): not listed', async () => {
    const c = makeConfig({ smtpd_client_restrictions: ['reject_rbl_client zen.test'] });
    assertAccept(await rcpt(c, { client: { address: '192.0.2.5' } }));
  });
  it('smtpd_dnsbl_tempfail_defer = yes: 450 4.7.1 even when a later rule permits', async () => {
    const c = deferring({ smtpd_client_restrictions: ['reject_rbl_client zen.test', 'permit'] });
    assertReject(
      await rcpt(c, { client: { address: '192.0.2.3' } }),
      450,
      '4.7.1',
      /zen\.test: temporary DNS failure/,
    );
    const timeout = deferring({ smtpd_client_restrictions: ['reject_rbl_client zen.test'] });
    assertReject(await rcpt(timeout, { client: { address: '192.0.2.5' } }), 450, '4.7.1');
  });
  it('smtpd_dnsbl_tempfail_defer = yes: a later definite reject wins (defer_if_permit)', async () => {
    const c = deferring({ smtpd_client_restrictions: ['reject_rbl_client zen.test', 'reject'] });
    assertReject(
      await rcpt(c, { client: { address: '192.0.2.3' } }),
      554,
      '5.7.1',
      /Access denied/,
    );
  });
  it('smtpd_dnsbl_tempfail_defer = yes: not an accept even from a trusted network client', async () => {
    const c = deferring({
      smtpd_client_restrictions: ['reject_rbl_client zen.test'],
      mynetworks: ['192.0.2.0/24'],
    });
    assertReject(
      await rcpt(c, { client: { address: '192.0.2.3' }, recipient: 'x@foreign.test' }),
      450,
      '4.7.1',
    );
  });
});

describe('reject_rhsbl_*', () => {
  it('reject_rhsbl_client uses the verified client hostname, never "unknown"', async () => {
    const c = makeConfig({ smtpd_client_restrictions: ['reject_rhsbl_client dbl.test'] });
    assertReject(
      await rcpt(c, { client: { hostname: 'mx.spam.test' } }),
      554,
      '5.7.1',
      'Service unavailable; Client host [mx.spam.test] blocked using dbl.test',
    );
    assertAccept(await rcpt(c));
  });
  it('reject_rhsbl_helo', async () => {
    const c = makeConfig({ smtpd_helo_restrictions: ['reject_rhsbl_helo dbl.test'] });
    assertReject(
      await rcpt(c, { helo: 'spam.test' }),
      554,
      '5.7.1',
      'Service unavailable; Helo command [spam.test] blocked using dbl.test; spammy domain',
    );
    assertAccept(await rcpt(c));
  });
  it('reject_rhsbl_sender (the null sender is never looked up)', async () => {
    const c = makeConfig({ smtpd_sender_restrictions: ['reject_rhsbl_sender dbl.test'] });
    assertReject(
      await rcpt(c, { sender: 'x@spam.test' }),
      554,
      '5.7.1',
      'Service unavailable; Sender address [spam.test] blocked using dbl.test; spammy domain',
    );
    assertAccept(await rcpt(c, { sender: '' }));
    assertAccept(await rcpt(c, { sender: 'x@tempfail.test' }));
  });
  it('reject_rhsbl_recipient', async () => {
    const c = makeConfig({
      smtpd_recipient_restrictions: [
        'reject_rhsbl_recipient dbl.test',
        'permit_mynetworks',
        'reject_unauth_destination',
      ],
    });
    assertReject(
      await rcpt(c, { recipient: 'x@spam.test', client: { address: '127.0.0.1' } }),
      554,
      '5.7.1',
      /Recipient address \[spam\.test\] blocked using dbl\.test/,
    );
    assertAccept(await rcpt(c));
  });
});

describe('reject_unknown_helo_hostname', () => {
  const c = makeConfig({ smtpd_helo_restrictions: ['reject_unknown_helo_hostname'] });
  it('A, AAAA or MX makes a HELO name known', async () => {
    assertAccept(await rcpt(c, { helo: 'mail.good.test' }));
    assertAccept(await rcpt(c, { helo: 'v6only.test' }));
    assertAccept(await rcpt(c, { helo: 'good.test' }));
  });
  it('no such host: 450 4.7.1 Host not found (Postfix unknown_hostname_reject_code); tempfail: 450 4.7.1', async () => {
    assertReject(
      await rcpt(c, { helo: 'nohost.test' }),
      450,
      '4.7.1',
      '<nohost.test>: Helo command rejected: Host not found',
    );
    const strict = makeConfig({
      smtpd_helo_restrictions: ['reject_unknown_helo_hostname'],
      ...({ unknown_hostname_reject_code: 550 } as Partial<EffectivePolicy>),
    });
    assertReject(await rcpt(strict, { helo: 'nohost.test' }), 550, '5.7.1');
    assertReject(
      await rcpt(c, { helo: 'slowhelo.test' }),
      450,
      '4.7.1',
      '<slowhelo.test>: Helo command rejected: Host not found',
    );
  });
});

describe('reject_unknown_sender_domain / reject_unknown_recipient_domain', () => {
  const s = makeConfig({ smtpd_sender_restrictions: ['reject_unknown_sender_domain'] });
  it('MX or A makes a sender domain known; hosted domains and <> are not looked up', async () => {
    assertAccept(await rcpt(s, { sender: 'a@good.test' }));
    assertAccept(await rcpt(s, { sender: 'a@aonly.test' }));
    assertAccept(await rcpt(s, { sender: '' }));
    assertAccept(await rcpt(s, { sender: 'bob@example.test' }));
  });
  it('unknown: 450 4.1.8 Domain not found (Postfix unknown_address_reject_code); tempfail: 450 4.1.8', async () => {
    assertReject(
      await rcpt(s, { sender: 'a@nodomain.test' }),
      450,
      '4.1.8',
      '<a@nodomain.test>: Sender address rejected: Domain not found',
    );
    assertReject(await rcpt(s, { sender: 'a@txtonly.test' }), 450, '4.1.8');
    const strict = makeConfig({
      smtpd_sender_restrictions: ['reject_unknown_sender_domain'],
      ...({ unknown_address_reject_code: 550 } as Partial<EffectivePolicy>),
    });
    assertReject(await rcpt(strict, { sender: 'a@nodomain.test' }), 550, '5.1.8');
    assertReject(
      await rcpt(s, { sender: 'a@tempfail.test' }),
      450,
      '4.1.8',
      '<a@tempfail.test>: Sender address rejected: Domain not found',
    );
  });
  it('null MX: 550 5.7.27 does not accept mail', async () => {
    assertReject(
      await rcpt(s, { sender: 'a@nullmx.test' }),
      550,
      '5.7.27',
      /Domain nullmx\.test does not accept mail \(nullMX\)/,
    );
  });
  it('recipient: 450 4.1.2 unknown / 450 4.1.2 tempfail', async () => {
    const r = makeConfig({
      smtpd_recipient_restrictions: [
        'reject_unknown_recipient_domain',
        'permit_mynetworks',
        'reject_unauth_destination',
      ],
    });
    const trusted = { client: { address: '127.0.0.1' } };
    assertReject(
      await rcpt(r, { ...trusted, recipient: 'a@nodomain.test' }),
      450,
      '4.1.2',
      '<a@nodomain.test>: Recipient address rejected: Domain not found',
    );
    assertReject(await rcpt(r, { ...trusted, recipient: 'a@tempfail.test' }), 450, '4.1.2');
    assertAccept(await rcpt(r, { ...trusted, recipient: 'a@good.test' }));
  });
});

describe('reject_unknown_*_domain ask MX, then A/AAAA: the first answer accepts (Postfix)', () => {
  // The harness server fails whole names; this resolver makes only the MX question of
  // mxfail.test fail (SERVFAIL) and passes every other question to the real resolver.
  const mxFails = (): RestrictionResolver => {
    const real = createResolver({
      servers: [dns.address],
      timeoutMs: 300,
      tries: 1,
      cacheTtlMs: 0,
    });
    return {
      a: (name) => real.a(name),
      aaaa: (name) => real.aaaa(name),
      rbl: (ip, zone) => real.rbl(ip, zone),
      rhsbl: (name, zone) => real.rhsbl(name, zone),
      mx: async (name) =>
        name === 'mxfail.test' ? { status: 'tempfail', reason: 'SERVFAIL' } : real.mx(name),
    };
  };
  const config = makeConfig({
    smtpd_sender_restrictions: ['reject_unknown_sender_domain'],
    smtpd_recipient_restrictions: [
      'reject_unknown_recipient_domain',
      'permit_mynetworks',
      'reject_unauth_destination',
    ],
  });
  it('MX SERVFAIL with an A record: accepted (sender and recipient)', async () => {
    const e = createRestrictionEngine({ resolver: mxFails() });
    const run = (over: FactsOver) =>
      e.onRcptTo({ facts: facts(over), policy: config.policies.smtp, config });
    assertAccept(await run({ sender: 'a@mxfail.test' }));
    assertAccept(await run({ client: { address: '127.0.0.1' }, recipient: 'a@mxfail.test' }));
  });
  it('MX SERVFAIL and no address record: 450 (defer_if_permit)', async () => {
    const e = createRestrictionEngine({ resolver: mxFails() });
    assertReject(
      await e.onRcptTo({
        facts: facts({ sender: 'a@tempfail.test' }),
        policy: config.policies.smtp,
        config,
      }),
      450,
      '4.1.8',
    );
  });
});
