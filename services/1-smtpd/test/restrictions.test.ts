// Restriction engine without DNS lookups: list walking (first decisive result
// wins), delay_reject, every access(5) action, relay control and the open-relay
// tricks, recipient/sender validation, login mismatch, warn_if_reject, sleep.
// The DNS rules are in restrictions-dns.test.ts (real DNS server from the harness).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileResources, type EffectivePolicy, type RuntimeConfig } from '@postfleet/config';
import { createResolver } from '@postfleet/dns';
import { startDnsServer, type DnsServerHandle } from '@postfleet/harness';
import { createRestrictionEngine } from '../src/restrictions/index.ts';
import type { RestrictionEngine, SessionFacts, Verdict } from '../src/restrictions/index.ts';
import { domainsOf, engineConfig, factsWith, usersOf } from './helpers/engine-fixtures.ts';

type FactsOver = Partial<Omit<SessionFacts, 'client'>> & {
  client?: Partial<SessionFacts['client']>;
};

function makeConfig(
  policy: Partial<EffectivePolicy> = {},
  extra: Partial<RuntimeConfig> = {},
): RuntimeConfig {
  return engineConfig(policy, {
    domains: domainsOf({
      'example.test': 'virtual',
      'local.test': 'local',
      'relayed.test': 'relay',
    }),
    users: {
      ...usersOf('bob@example.test', 'carol@local.test'),
      'alice@example.test': {
        address: 'alice@example.test',
        enabled: true,
        aliases: ['al@example.test'],
        resource: 'alice',
      },
    },
    ...extra,
  });
}

const facts = factsWith();

let dns: DnsServerHandle;
let engine: RestrictionEngine;

before(async () => {
  dns = await startDnsServer([]);
  engine = createRestrictionEngine({
    resolver: createResolver({ servers: [dns.address], timeoutMs: 500, tries: 1, cacheTtlMs: 0 }),
  });
});
after(async () => {
  await dns.stop();
});

function input(config: RuntimeConfig, over: FactsOver = {}) {
  return { facts: facts(over), policy: config.policies.smtp, config };
}
const rcpt = (config: RuntimeConfig, over: FactsOver = {}): Promise<Verdict> =>
  engine.onRcptTo(input(config, over));

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

/** A config with one access map "acl" of the given type holding pattern → action. */
function withAccess(
  policy: Partial<EffectivePolicy>,
  entries: { pattern: string; action: string }[],
  type: 'hash' | 'cidr' | 'regexp' = 'hash',
): RuntimeConfig {
  return makeConfig(policy, { accessMaps: { acl: { type, entries } } });
}

describe('list walking', () => {
  it('permit: first decisive result wins within a list', async () => {
    assertAccept(await rcpt(makeConfig({ smtpd_client_restrictions: ['permit', 'reject'] })));
  });
  it('reject: 554 5.7.1 with the client as subject', async () => {
    const v = await rcpt(makeConfig({ smtpd_client_restrictions: ['reject', 'permit'] }));
    assertReject(v, 554, '5.7.1', '<unknown[192.0.2.1]>: Client host rejected: Access denied');
  });
  it('defer: 450 4.3.2 Try again later', async () => {
    const v = await rcpt(makeConfig({ smtpd_sender_restrictions: ['defer'] }));
    assertReject(
      v,
      450,
      '4.3.2',
      '<someone@sender.test>: Sender address rejected: Try again later',
    );
  });
  it('a permit ends only its own list: a later list still rejects', async () => {
    const v = await rcpt(
      makeConfig({
        smtpd_client_restrictions: ['permit'],
        smtpd_recipient_restrictions: ['reject'],
      }),
    );
    assertReject(v, 554, '5.7.1', '<bob@example.test>: Recipient address rejected: Access denied');
  });
  it('DUNNO continues to the next rule', async () => {
    const config = withAccess(
      { smtpd_client_restrictions: ['check_client_access AccessMap/acl', 'reject'] },
      [{ pattern: '192.0.2.1', action: 'DUNNO' }],
    );
    assertReject(await rcpt(config), 554, '5.7.1');
  });
  it('lists run in protocol order: client before helo before sender before recipient', async () => {
    const config = makeConfig({
      smtpd_helo_restrictions: ['reject'],
      smtpd_sender_restrictions: ['reject'],
      smtpd_recipient_restrictions: ['reject'],
    });
    assertReject(await rcpt(config), 554, '5.7.1', /Helo command rejected/);
    const c2 = makeConfig({ ...config.policies.smtp, smtpd_client_restrictions: ['reject'] });
    assertReject(await rcpt(c2), 554, '5.7.1', /Client host rejected/);
    const c3 = makeConfig({
      smtpd_sender_restrictions: ['reject'],
      smtpd_recipient_restrictions: ['reject'],
    });
    assertReject(await rcpt(c3), 554, '5.7.1', /Sender address rejected/);
  });
  it('an unknown restriction is a 451 4.3.5 configuration error, never a permit', async () => {
    const v = await rcpt(
      makeConfig({ smtpd_client_restrictions: ['permit_everything_please', 'permit'] }),
    );
    assertReject(v, 451, '4.3.5', 'Server configuration error');
  });
  it('a missing access map is a 451 4.3.5 configuration error', async () => {
    const v = await rcpt(
      makeConfig({ smtpd_client_restrictions: ['check_client_access AccessMap/nope'] }),
    );
    assertReject(v, 451, '4.3.5');
  });
  it('smtpd_data_restrictions at DATA (reject_multi_recipient_bounce)', async () => {
    const config = makeConfig({ smtpd_data_restrictions: ['reject_multi_recipient_bounce'] });
    const one = await engine.onData(
      input(config, { sender: '', recipient: undefined, recipientCount: 1 }),
    );
    assertAccept(one);
    const two = await engine.onData(
      input(config, { sender: '', recipient: undefined, recipientCount: 2 }),
    );
    assertReject(two, 550, '5.5.3', '<DATA>: Data command rejected: Multi-recipient bounce');
  });
});

describe('smtpd_delay_reject', () => {
  const lists = {
    smtpd_client_restrictions: ['reject'],
    smtpd_helo_restrictions: ['reject'],
    smtpd_sender_restrictions: ['reject'],
  };
  it('yes: connect, HELO and MAIL FROM accept; the client list rejects at RCPT TO', async () => {
    const config = makeConfig({ ...lists, smtpd_delay_reject: true });
    assertAccept(
      await engine.onConnect(
        input(config, { helo: undefined, sender: undefined, recipient: undefined }),
      ),
    );
    assertAccept(await engine.onHelo(input(config, { sender: undefined, recipient: undefined })));
    assertAccept(await engine.onMailFrom(input(config, { recipient: undefined })));
    assertReject(await rcpt(config), 554, '5.7.1', /Client host rejected/);
  });
  it('no: each list rejects at its own stage, and RCPT TO does not run them again', async () => {
    const config = makeConfig({ ...lists, smtpd_delay_reject: false });
    const at = { helo: undefined, sender: undefined, recipient: undefined };
    assertReject(await engine.onConnect(input(config, at)), 554, '5.7.1', /Client host rejected/);
    assertReject(
      await engine.onHelo(input(config, { sender: undefined, recipient: undefined })),
      554,
      '5.7.1',
      /Helo/,
    );
    assertReject(
      await engine.onMailFrom(input(config, { recipient: undefined })),
      554,
      '5.7.1',
      /Sender/,
    );
    assertAccept(await rcpt(config));
  });
  it('no: HOLD in the client list is skipped outside a mail transaction (as Postfix warns)', async () => {
    const config = withAccess(
      {
        smtpd_delay_reject: false,
        smtpd_client_restrictions: ['check_client_access AccessMap/acl'],
      },
      [{ pattern: '192.0.2.1', action: 'HOLD' }],
    );
    const v = await engine.onConnect(
      input(config, { helo: undefined, sender: undefined, recipient: undefined }),
    );
    assertAccept(v);
    assert.deepEqual(v.effects, []);
  });
});

describe('access(5) actions (check_client_access)', () => {
  const policy = { smtpd_client_restrictions: ['check_client_access AccessMap/acl'] };
  const one = (action: string, extra: Partial<EffectivePolicy> = {}) =>
    rcpt(withAccess({ ...policy, ...extra }, [{ pattern: '192.0.2.1', action }]));

  it('OK permits the client list (a later rule in it does not run)', async () => {
    const config = withAccess(
      { smtpd_client_restrictions: ['check_client_access AccessMap/acl', 'reject'] },
      [{ pattern: '192.0.2', action: 'OK' }],
    );
    assertAccept(await rcpt(config));
  });
  it('RELAY permits like OK', async () => {
    const config = withAccess(
      {
        smtpd_relay_restrictions: [
          'check_client_access AccessMap/acl',
          'reject_unauth_destination',
        ],
        smtpd_recipient_restrictions: [
          'check_client_access AccessMap/acl',
          'reject_unauth_destination',
        ],
      },
      [{ pattern: '192.0.2.1', action: 'RELAY' }],
    );
    assertAccept(await rcpt(config, { recipient: 'x@foreign.test' }));
  });
  it('REJECT: access_map_reject_code 554 5.7.1 Access denied', async () => {
    assertReject(
      await one('REJECT'),
      554,
      '5.7.1',
      '<unknown[192.0.2.1]>: Client host rejected: Access denied',
    );
  });
  it('REJECT text, with and without an enhanced status', async () => {
    assertReject(
      await one('REJECT go away'),
      554,
      '5.7.1',
      '<unknown[192.0.2.1]>: Client host rejected: go away',
    );
    assertReject(await one('REJECT 5.7.2 nope'), 554, '5.7.2', /rejected: nope$/);
  });
  it('DEFER: 450 4.7.1', async () => {
    assertReject(
      await one('DEFER later'),
      450,
      '4.7.1',
      '<unknown[192.0.2.1]>: Client host rejected: later',
    );
  });
  it('4NN / 5NN text', async () => {
    assertReject(await one('421 4.7.0 closing'), 421, '4.7.0', /rejected: closing$/);
    assertReject(await one('550 not welcome'), 550, '5.7.1', /rejected: not welcome$/);
  });
  it('DISCARD permits and records a discard effect', async () => {
    const config = withAccess(
      { smtpd_client_restrictions: ['check_client_access AccessMap/acl', 'reject'] },
      [{ pattern: '192.0.2.1', action: 'DISCARD spam trap' }],
    );
    const v = await rcpt(config);
    assertAccept(v);
    assert.deepEqual(v.effects, [
      { kind: 'discard', reason: '<unknown[192.0.2.1]>: Client host spam trap' },
    ]);
  });
  it('HOLD records an effect and continues: a later reject still rejects', async () => {
    const accepted = await one('HOLD');
    assertAccept(accepted);
    assert.deepEqual(accepted.effects, [
      { kind: 'hold', reason: '<unknown[192.0.2.1]>: Client host triggers HOLD action' },
    ]);
    const config = withAccess(
      { smtpd_client_restrictions: ['check_client_access AccessMap/acl', 'reject'] },
      [{ pattern: '192.0.2.1', action: 'HOLD' }],
    );
    assertReject(await rcpt(config), 554, '5.7.1');
  });
  it('PREPEND, REDIRECT, FILTER, WARN record effects and continue', async () => {
    const v1 = await one('PREPEND X-Seen: yes');
    assert.deepEqual(v1.effects, [{ kind: 'prepend', header: 'X-Seen: yes' }]);
    const v2 = await one('REDIRECT quarantine@example.test');
    assert.deepEqual(v2.effects, [{ kind: 'redirect', address: 'quarantine@example.test' }]);
    const v3 = await one('FILTER smtp:[127.0.0.1]:10025');
    assert.deepEqual(v3.effects, [{ kind: 'filter', nexthop: 'smtp:[127.0.0.1]:10025' }]);
    const v4 = await one('WARN odd client');
    assert.deepEqual(v4.effects, [
      { kind: 'warn', text: '<unknown[192.0.2.1]>: Client host odd client' },
    ]);
    for (const v of [v1, v2, v3, v4]) assertAccept(v);
    const bad = await one('PREPEND not a header');
    assert.deepEqual(bad.effects, []);
  });
  it('a restriction list as the action is evaluated in place', async () => {
    const reject = await one('reject_unauth_destination', {});
    assertAccept(reject); // hosted recipient: nested rule says DUNNO
    const config = withAccess(policy, [
      { pattern: '192.0.2.1', action: 'reject_unauth_destination' },
    ]);
    assertReject(
      await rcpt(config, { recipient: 'x@foreign.test' }),
      554,
      '5.7.1',
      '<x@foreign.test>: Relay access denied',
    );
  });
  it('DEFER_IF_PERMIT turns a later permit into 450; DEFER_IF_REJECT turns a later 5xx into 450', async () => {
    assertReject(
      await one('DEFER_IF_PERMIT'),
      450,
      '4.7.1',
      /Client host rejected: Service unavailable/,
    );
    const config = withAccess(
      { smtpd_client_restrictions: ['check_client_access AccessMap/acl', 'reject'] },
      [{ pattern: '192.0.2.1', action: 'DEFER_IF_REJECT maybe later' }],
    );
    assertReject(
      await rcpt(config),
      450,
      '4.7.1',
      '<unknown[192.0.2.1]>: Client host rejected: maybe later',
    );
  });
  it('client lookups: hostname and parent domain, cidr tables', async () => {
    const byName = withAccess(policy, [{ pattern: 'bad.test', action: 'REJECT by name' }]);
    assertReject(
      await rcpt(byName, { client: { hostname: 'mx.bad.test' } }),
      554,
      '5.7.1',
      /by name$/,
    );
    const cidr = withAccess(
      policy,
      [{ pattern: '2001:db8::/32', action: 'REJECT v6 net' }],
      'cidr',
    );
    assertReject(
      await rcpt(cidr, { client: { address: '2001:db8::25' } }),
      554,
      '5.7.1',
      /v6 net$/,
    );
  });
});

describe('check_helo_access, check_sender_access, check_recipient_access', () => {
  it('check_helo_access', async () => {
    const config = withAccess({ smtpd_helo_restrictions: ['check_helo_access AccessMap/acl'] }, [
      { pattern: 'localhost', action: 'REJECT You are not localhost' },
    ]);
    assertReject(
      await rcpt(config, { helo: 'localhost' }),
      554,
      '5.7.1',
      '<localhost>: Helo command rejected: You are not localhost',
    );
    assertAccept(await rcpt(config));
  });
  it('check_sender_access, including the null sender key <>', async () => {
    const config = withAccess(
      { smtpd_sender_restrictions: ['check_sender_access AccessMap/acl'] },
      [
        { pattern: 'sender.test', action: '550 5.7.0 no mail from there' },
        { pattern: '<>', action: 'REJECT no bounces' },
      ],
    );
    assertReject(
      await rcpt(config),
      550,
      '5.7.0',
      '<someone@sender.test>: Sender address rejected: no mail from there',
    );
    assertReject(
      await rcpt(config, { sender: '' }),
      554,
      '5.7.1',
      '<>: Sender address rejected: no bounces',
    );
  });
  it('check_recipient_access', async () => {
    const config = withAccess(
      {
        smtpd_recipient_restrictions: [
          'check_recipient_access AccessMap/acl',
          'reject_unauth_destination',
        ],
      },
      [{ pattern: 'bob@example.test', action: 'REJECT bob is away' }],
    );
    assertReject(
      await rcpt(config),
      554,
      '5.7.1',
      '<bob@example.test>: Recipient address rejected: bob is away',
    );
    assertAccept(await rcpt(config, { recipient: 'alice@example.test' }));
  });
});

describe('relay control', () => {
  const config = makeConfig(); // compiled defaults: permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
  it('reject_unauth_destination: 554 5.7.1 Relay access denied for a foreign domain from an untrusted client', async () => {
    assertReject(
      await rcpt(config, { recipient: 'victim@foreign.test' }),
      554,
      '5.7.1',
      '<victim@foreign.test>: Relay access denied',
    );
  });
  it('permit_auth_destination: every hosted class (virtual, local, relay) is ours', async () => {
    for (const r of [
      'bob@example.test',
      'carol@local.test',
      'anyone@relayed.test',
      'BOB@Example.Test.',
    ]) {
      assertAccept(await rcpt(config, { recipient: r }));
    }
    const explicit = makeConfig({
      smtpd_relay_restrictions: ['permit_auth_destination', 'reject'],
    });
    assertAccept(await rcpt(explicit, { recipient: 'anyone@relayed.test' }));
    assertReject(
      await rcpt(explicit, { recipient: 'x@foreign.test' }),
      554,
      '5.7.1',
      /Recipient address rejected: Access denied/,
    );
  });
  it('defer_unauth_destination: $relay_domains_reject_code - 100 = 454 4.7.1', async () => {
    const c = makeConfig({ smtpd_relay_restrictions: ['defer_unauth_destination'] });
    assertReject(
      await rcpt(c, { recipient: 'x@foreign.test' }),
      454,
      '4.7.1',
      '<x@foreign.test>: Relay access denied',
    );
    const custom = makeConfig(
      { smtpd_relay_restrictions: ['defer_unauth_destination'] },
      { settings: { relay_domains_reject_code: 550 } },
    );
    assertReject(await rcpt(custom, { recipient: 'x@foreign.test' }), 450, '4.7.1');
    const rejecting = makeConfig(
      { smtpd_relay_restrictions: ['reject_unauth_destination'] },
      { settings: { relay_domains_reject_code: 550 } },
    );
    assertReject(await rcpt(rejecting, { recipient: 'x@foreign.test' }), 550, '5.7.1');
  });
  it('open-relay tricks at our own domain are not ours', async () => {
    const tricks = [
      'victim%foreign.test@example.test',
      'foreign.test!victim@example.test',
      '"victim@foreign.test"@example.test',
      '"victim%foreign.test"@example.test',
      '@example.test,@hop.test:victim@foreign.test',
      '@example.test:victim@example.test',
      'victim@foreign.test@example.test',
      'victim@[192.0.2.7]',
    ];
    for (const r of tricks) {
      assertReject(
        await rcpt(config, { recipient: r }),
        554,
        '5.7.1',
        `<${r}>: Relay access denied`,
      );
    }
  });
  it('a domainless recipient is qualified with $myorigin (append_at_myorigin): local, so unknown users are 550, not relaying', async () => {
    assertReject(
      await rcpt(config, { recipient: 'victim' }),
      550,
      '5.1.1',
      '<victim>: Recipient address rejected: User unknown in local recipient table',
    );
  });
  it('permit_mynetworks: IPv4, IPv6 and IPv4-mapped IPv6 clients', async () => {
    const c = makeConfig({ mynetworks: ['10.0.0.0/8', '2001:db8:1::/48', '[::1]/128'] });
    const foreign = { recipient: 'x@foreign.test' };
    assertAccept(await rcpt(c, { ...foreign, client: { address: '10.1.2.3' } }));
    assertAccept(await rcpt(c, { ...foreign, client: { address: '2001:db8:1:ffff::25' } }));
    assertAccept(await rcpt(c, { ...foreign, client: { address: '::1' } }));
    assertAccept(await rcpt(c, { ...foreign, client: { address: '::ffff:10.9.9.9' } }));
    assertReject(
      await rcpt(c, { ...foreign, client: { address: '2001:db8:2::25' } }),
      554,
      '5.7.1',
    );
    assertReject(await rcpt(c, { ...foreign, client: { address: '11.0.0.1' } }), 554, '5.7.1');
    assertReject(
      await rcpt(c, { ...foreign, client: { address: '::ffff:11.0.0.1' } }),
      554,
      '5.7.1',
    );
  });
  it('permit_sasl_authenticated', async () => {
    assertAccept(
      await rcpt(config, { recipient: 'x@foreign.test', saslUser: 'alice@example.test' }),
    );
  });
  it('a policy without any relay guard still refuses relay (never an open relay)', async () => {
    const open = makeConfig({
      smtpd_relay_restrictions: [],
      smtpd_recipient_restrictions: ['permit'],
    });
    assertReject(
      await rcpt(open, { recipient: 'x@foreign.test' }),
      554,
      '5.7.1',
      '<x@foreign.test>: Relay access denied',
    );
    assertReject(
      await rcpt(open, {
        recipient: 'x@foreign.test',
        client: { address: '127.0.0.1' },
        saslUser: 'alice@example.test',
      }),
      554,
      '5.7.1',
    );
    assertAccept(await rcpt(open));
    const empty = makeConfig({ smtpd_relay_restrictions: [], smtpd_recipient_restrictions: [] });
    assertReject(await rcpt(empty, { recipient: 'x@foreign.test' }), 554, '5.7.1');
  });
});

describe('recipient and sender validation', () => {
  it('implicit: unknown virtual user 550 5.1.1, unknown local user names the local table', async () => {
    const config = makeConfig();
    assertReject(
      await rcpt(config, { recipient: 'nobody@example.test' }),
      550,
      '5.1.1',
      '<nobody@example.test>: Recipient address rejected: User unknown in virtual mailbox table',
    );
    assertReject(
      await rcpt(config, { recipient: 'nobody@local.test' }),
      550,
      '5.1.1',
      /User unknown in local recipient table$/,
    );
    assertAccept(await rcpt(config, { recipient: 'al@example.test' }));
    // Even a trusted client cannot send to an unknown hosted user.
    assertReject(
      await rcpt(config, { recipient: 'nobody@example.test', client: { address: '127.0.0.1' } }),
      550,
      '5.1.1',
    );
  });
  it('reject_unlisted_recipient (explicit, with the implicit check off)', async () => {
    const off = makeConfig({ smtpd_reject_unlisted_recipient: false });
    assertAccept(await rcpt(off, { recipient: 'nobody@example.test' }));
    const on = makeConfig({
      smtpd_reject_unlisted_recipient: false,
      smtpd_recipient_restrictions: ['reject_unlisted_recipient', 'reject_unauth_destination'],
    });
    assertReject(await rcpt(on, { recipient: 'nobody@example.test' }), 550, '5.1.1');
  });
  it('reject_unlisted_sender: 550 5.1.0', async () => {
    const config = makeConfig({ smtpd_sender_restrictions: ['reject_unlisted_sender'] });
    assertReject(
      await rcpt(config, { sender: 'ghost@example.test' }),
      550,
      '5.1.0',
      '<ghost@example.test>: Sender address rejected: User unknown in virtual mailbox table',
    );
    assertAccept(await rcpt(config, { sender: 'alice@example.test' }));
    assertAccept(await rcpt(config, { sender: 'someone@foreign.test' }));
  });
  it('reject_non_fqdn_sender / reject_non_fqdn_recipient: 504 5.5.2', async () => {
    const config = makeConfig({
      smtpd_sender_restrictions: ['reject_non_fqdn_sender'],
      smtpd_recipient_restrictions: [
        'reject_non_fqdn_recipient',
        'permit_mynetworks',
        'reject_unauth_destination',
      ],
    });
    assertReject(
      await rcpt(config, { sender: 'joe@localhost' }),
      504,
      '5.5.2',
      '<joe@localhost>: Sender address rejected: need fully-qualified address',
    );
    assertReject(await rcpt(config, { sender: 'joe' }), 504, '5.5.2');
    assertAccept(await rcpt(config, { sender: '' }));
    assertReject(
      await rcpt(config, { recipient: 'joe@intranet', client: { address: '127.0.0.1' } }),
      504,
      '5.5.2',
      '<joe@intranet>: Recipient address rejected: need fully-qualified address',
    );
  });
});

describe('reject_sender_login_mismatch', () => {
  const config = makeConfig(
    {
      smtpd_sender_restrictions: ['reject_sender_login_mismatch'],
      smtpd_sender_login_maps: 'owners',
    },
    {
      addressMaps: {
        owners: {
          kind: 'sender_login',
          type: 'hash',
          entries: [{ pattern: 'team@example.test', result: ['bob@example.test'] }],
        },
      },
    },
  );
  it('an owner may send: the address itself, its aliases, smtpd_sender_login_maps', async () => {
    assertAccept(
      await rcpt(config, { sender: 'alice@example.test', saslUser: 'alice@example.test' }),
    );
    assertAccept(await rcpt(config, { sender: 'al@example.test', saslUser: 'alice@example.test' }));
    assertAccept(await rcpt(config, { sender: 'team@example.test', saslUser: 'bob@example.test' }));
  });
  it('an authenticated non-owner: 553 5.7.1 not owned by user', async () => {
    assertReject(
      await rcpt(config, { sender: 'alice@example.test', saslUser: 'bob@example.test' }),
      553,
      '5.7.1',
      '<alice@example.test>: Sender address rejected: not owned by user bob@example.test',
    );
    assertReject(
      await rcpt(config, { sender: 'x@foreign.test', saslUser: 'bob@example.test' }),
      553,
      '5.7.1',
    );
  });
  it('unauthenticated use of an owned address: 553 5.7.1 not logged in; unowned addresses pass', async () => {
    assertReject(
      await rcpt(config, { sender: 'team@example.test' }),
      553,
      '5.7.1',
      '<team@example.test>: Sender address rejected: not logged in',
    );
    assertAccept(await rcpt(config, { sender: 'x@foreign.test' }));
    assertAccept(await rcpt(config, { sender: '' }));
  });
});

describe('warn_if_reject and sleep', () => {
  it('warn_if_reject turns the next rule reject into a logged warning; the rule after rejects', async () => {
    const config = makeConfig({
      smtpd_sender_restrictions: ['warn_if_reject', 'reject_non_fqdn_sender'],
    });
    const v = await rcpt(config, { sender: 'joe@localhost' });
    assertAccept(v);
    assert.equal(v.effects[0]?.kind, 'warn');
    assert.match(JSON.stringify(v.effects), /reject_warning: 504 5\.5\.2/);
    const c2 = makeConfig({
      smtpd_sender_restrictions: ['warn_if_reject', 'reject_non_fqdn_sender', 'reject'],
    });
    assertReject(await rcpt(c2, { sender: 'joe@localhost' }), 554, '5.7.1');
  });
  it('sleep N pauses, then continues', async () => {
    const config = makeConfig({ smtpd_client_restrictions: ['sleep 1', 'reject'] });
    const t0 = performance.now();
    assertReject(await rcpt(config), 554, '5.7.1');
    assert.ok(performance.now() - t0 >= 900, 'slept about a second');
  });
});

describe('client hostname rules', () => {
  it('reject_unknown_client_hostname: 450 4.7.25 (Postfix unknown_client_reject_code), 450 on tempfail', async () => {
    const config = makeConfig({ smtpd_client_restrictions: ['reject_unknown_client_hostname'] });
    assertReject(
      await rcpt(config),
      450,
      '4.7.25',
      'Client host rejected: cannot find your hostname, [192.0.2.1]',
    );
    const strict = makeConfig({
      smtpd_client_restrictions: ['reject_unknown_client_hostname'],
      ...({ unknown_client_reject_code: 550 } as Partial<EffectivePolicy>),
    });
    assertReject(await rcpt(strict), 550, '5.7.25');
    assertReject(await rcpt(strict, { client: { namesTempfail: true } }), 450, '4.7.25');
    assertReject(await rcpt(config, { client: { namesTempfail: true } }), 450, '4.7.25');
    assertAccept(
      await rcpt(config, {
        client: { hostname: 'mx.sender.test', reverseHostname: 'mx.sender.test' },
      }),
    );
  });
  it('reject_unknown_reverse_client_hostname', async () => {
    const config = makeConfig({
      smtpd_client_restrictions: ['reject_unknown_reverse_client_hostname'],
    });
    assertReject(
      await rcpt(config),
      450,
      '4.7.25',
      'Client host rejected: cannot find your reverse hostname, [192.0.2.1]',
    );
    assertAccept(await rcpt(config, { client: { reverseHostname: 'ptr.sender.test' } }));
    assertReject(await rcpt(config, { client: { namesTempfail: true } }), 450, '4.7.25');
  });
});

describe('HELO syntax rules', () => {
  it('reject_invalid_helo_hostname: 501 5.5.2', async () => {
    const config = makeConfig({ smtpd_helo_restrictions: ['reject_invalid_helo_hostname'] });
    assertReject(
      await rcpt(config, { helo: 'bad_host..name!' }),
      501,
      '5.5.2',
      '<bad_host..name!>: Helo command rejected: Invalid name',
    );
    assertReject(await rcpt(config, { helo: '[300.1.1.1]' }), 501, '5.5.2', /invalid ip address/);
    assertAccept(await rcpt(config, { helo: 'localhost' }));
    assertAccept(await rcpt(config, { helo: '[192.0.2.1]' }));
  });
  it('reject_non_fqdn_helo_hostname: 504 5.5.2', async () => {
    const config = makeConfig({ smtpd_helo_restrictions: ['reject_non_fqdn_helo_hostname'] });
    assertReject(
      await rcpt(config, { helo: 'localhost' }),
      504,
      '5.5.2',
      '<localhost>: Helo command rejected: need fully-qualified hostname',
    );
    assertAccept(await rcpt(config, { helo: 'mail.sender.test' }));
  });
});

describe('out of the box', () => {
  it('the compiled default configuration of one hosted domain is not an open relay', async () => {
    const compiled = compileResources([
      {
        source: 'test',
        resource: {
          apiVersion: 'postfleet.io/v1alpha1',
          kind: 'MailDomain',
          metadata: { name: 'example-test' },
          spec: { domain: 'example.test', class: 'virtual' },
        },
      },
      {
        source: 'test',
        resource: {
          apiVersion: 'postfleet.io/v1alpha1',
          kind: 'MailUser',
          metadata: { name: 'bob' },
          spec: { address: 'bob@example.test' },
        },
      },
    ]);
    assert.ok('config' in compiled, JSON.stringify(compiled));
    const config = compiled.config;
    for (const listener of ['smtp', 'submission', 'submissions'] as const) {
      const v = await engine.onRcptTo({
        facts: facts({
          listener,
          recipient: 'victim@foreign.test',
          client: { address: '203.0.113.9' },
        }),
        policy: config.policies[listener],
        config,
      });
      assertReject(v, 554, '5.7.1');
    }
    assertAccept(await rcpt(config));
    assertReject(
      await rcpt(config, { recipient: 'victim%foreign.test@example.test' }),
      554,
      '5.7.1',
      /Relay access denied/,
    );
  });
});
