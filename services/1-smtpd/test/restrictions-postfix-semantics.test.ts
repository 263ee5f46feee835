// Restriction semantics found side by side with Postfix 3.7 (issue 8): DISCARD
// skips every later restriction, defer_if_permit is carried to the end of RCPT,
// recipient_delimiter in access lookups, check_rcpt_maps (aliases accepted as
// listed, postmaster/MAILER-DAEMON/double-bounce in local domains, one local user
// namespace), parent_domain_matches_subdomains and allow_percent_hack.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  policyDefaults,
  type EffectivePolicy,
  type GlobalSettingValue,
  type RuntimeConfig,
} from '@postfleet/config';
import { createResolver } from '@postfleet/dns';
import { startDnsServer, type DnsServerHandle } from '@postfleet/harness';
import { createRestrictionEngine } from '../src/restrictions/index.ts';
import type { RestrictionEngine, SessionFacts, Verdict } from '../src/restrictions/index.ts';
import { factsWith } from './helpers/engine-fixtures.ts';

type FactsOver = Partial<Omit<SessionFacts, 'client'>> & {
  client?: Partial<SessionFacts['client']>;
};

/** One local domain pair, one virtual domain, one relay domain, aliases, access map "acl". */
function makeConfig(
  policy: Partial<EffectivePolicy> = {},
  settings: Record<string, GlobalSettingValue> = {},
  acl: { pattern: string; action: string }[] = [],
): RuntimeConfig {
  const p: EffectivePolicy = { ...policyDefaults, source: 'test', ...policy };
  return {
    version: `v-${Math.random()}`,
    compiledAt: new Date(0).toISOString(),
    domains: {
      'local.test': { domain: 'local.test', class: 'local', resource: 'local-test' },
      'other-local.test': {
        domain: 'other-local.test',
        class: 'local',
        resource: 'other-local-test',
      },
      'hosted.test': { domain: 'hosted.test', class: 'virtual', resource: 'hosted-test' },
      'relay.test': { domain: 'relay.test', class: 'relay', resource: 'relay-test' },
    },
    users: {
      'tom@local.test': { address: 'tom@local.test', enabled: true, resource: 'tom' },
      'bob@hosted.test': { address: 'bob@hosted.test', enabled: true, resource: 'bob' },
    },
    accessMaps: { acl: { type: 'hash', entries: acl } },
    addressMaps: {
      aliases: {
        kind: 'alias',
        type: 'hash',
        entries: [{ pattern: 'team', result: ['tom', 'ghost'] }],
      },
      virtual: {
        kind: 'virtual',
        type: 'hash',
        entries: [
          { pattern: 'list@hosted.test', result: ['bob@hosted.test', 'nobody@hosted.test'] },
        ],
      },
    },
    policies: { smtp: p, submission: p, submissions: p },
    settings,
  };
}

const facts = factsWith({ recipient: 'tom@local.test' });

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

const rcpt = (config: RuntimeConfig, over: FactsOver = {}): Promise<Verdict> =>
  engine.onRcptTo({ facts: facts(over), policy: config.policies.smtp, config });

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

const RELAY = ['permit_mynetworks', 'defer_unauth_destination'];

describe('item 2: DISCARD skips every later restriction of the transaction', () => {
  const discardSender = makeConfig(
    {
      smtpd_sender_restrictions: ['check_sender_access AccessMap/acl'],
      smtpd_relay_restrictions: RELAY,
      smtpd_recipient_restrictions: ['check_recipient_access AccessMap/acl'],
    },
    {},
    [
      { pattern: 'discard@spam.test', action: 'DISCARD' },
      { pattern: 'blocked@local.test', action: 'REJECT' },
    ],
  );
  const sender = { sender: 'discard@spam.test' };
  it('a DISCARDed sender to an unknown local user, a foreign domain or a rejected recipient: accepted', async () => {
    for (const recipient of ['nobody@local.test', 'x@elsewhere.test', 'blocked@local.test']) {
      const v = await rcpt(discardSender, { ...sender, recipient });
      assertAccept(v);
      assert.ok(v.effects.some((e) => e.kind === 'discard'));
    }
    assertReject(await rcpt(discardSender, { recipient: 'blocked@local.test' }), 554, '5.7.1');
  });
  it('a DISCARD in the sender list also skips a pending HELO defer_if_permit; one in the recipient list does not', async () => {
    const c = makeConfig(
      {
        smtpd_helo_restrictions: ['check_helo_access AccessMap/acl'],
        smtpd_sender_restrictions: ['check_sender_access AccessMap/acl'],
        smtpd_relay_restrictions: RELAY,
        smtpd_recipient_restrictions: ['check_recipient_access AccessMap/acl'],
      },
      {},
      [
        { pattern: 'defer.helo.test', action: 'DEFER_IF_PERMIT' },
        { pattern: 'discard@spam.test', action: 'DISCARD' },
        { pattern: 'drop@local.test', action: 'DISCARD' },
      ],
    );
    const helo = { helo: 'defer.helo.test' };
    assertAccept(await rcpt(c, { ...helo, sender: 'discard@spam.test' }));
    assertReject(await rcpt(c, { ...helo, recipient: 'drop@local.test' }), 450, '4.7.1');
    assertAccept(await rcpt(c, { recipient: 'drop@local.test' }));
  });
  it('a DISCARDed client: the HELO and sender lists do not run either', async () => {
    const c = makeConfig(
      {
        smtpd_client_restrictions: ['check_client_access AccessMap/acl'],
        smtpd_helo_restrictions: ['reject'],
        smtpd_relay_restrictions: RELAY,
      },
      {},
      [{ pattern: '192.0.2.47', action: 'DISCARD' }],
    );
    assertAccept(
      await rcpt(c, { client: { address: '192.0.2.47' }, recipient: 'x@elsewhere.test' }),
    );
    assertReject(await rcpt(c), 554, '5.7.1', /Helo command rejected/);
  });
  it('a DISCARD earlier in the transaction (facts.discarded) accepts every later RCPT', async () => {
    const c = makeConfig({ smtpd_client_restrictions: ['reject'] });
    assertAccept(await rcpt(c, { discarded: true, recipient: 'nobody@local.test' }));
  });
});

describe('item 3: defer_if_permit is carried to the end of RCPT evaluation', () => {
  const c = makeConfig(
    {
      smtpd_helo_restrictions: ['check_helo_access AccessMap/acl'],
      smtpd_sender_restrictions: ['check_sender_access AccessMap/acl'],
      smtpd_relay_restrictions: RELAY,
      smtpd_recipient_restrictions: ['check_recipient_access AccessMap/acl'],
    },
    {},
    [
      { pattern: 'defer.helo.test', action: 'DEFER_IF_PERMIT' },
      { pattern: 'spammer.test', action: 'REJECT' },
      { pattern: 'deferme@sender.test', action: 'DEFER_IF_PERMIT' },
      { pattern: 'blocked@local.test', action: 'REJECT' },
    ],
  );
  const helo = { helo: 'defer.helo.test' };
  it('a later sender reject wins over a HELO defer_if_permit', async () => {
    assertReject(await rcpt(c, { ...helo, sender: 'x@spammer.test' }), 554, '5.7.1', /Sender/);
  });
  it('a later relay deferral or recipient reject wins', async () => {
    assertReject(await rcpt(c, { ...helo, recipient: 'x@elsewhere.test' }), 454, '4.7.1');
    assertReject(await rcpt(c, { ...helo, recipient: 'blocked@local.test' }), 554, '5.7.1');
    assertReject(
      await rcpt(c, { sender: 'deferme@sender.test', recipient: 'blocked@local.test' }),
      554,
      '5.7.1',
    );
  });
  it('without a later reject the deferral is answered, before the unknown-user check', async () => {
    assertReject(await rcpt(c, helo), 450, '4.7.1', /Helo command rejected/);
    assertReject(await rcpt(c, { ...helo, recipient: 'nobody@local.test' }), 450, '4.7.1');
  });
});

describe('item 6: recipient_delimiter (default empty) in access lookups and validation', () => {
  const policy = {
    smtpd_relay_restrictions: RELAY,
    smtpd_recipient_restrictions: ['check_recipient_access AccessMap/acl'],
  };
  const acl = [{ pattern: 'tom@local.test', action: 'REJECT' }];
  it('recipient_delimiter "-": tom-ext@ matches the tom@ key', async () => {
    const c = makeConfig(policy, { recipient_delimiter: '-' }, acl);
    assertReject(await rcpt(c, { recipient: 'tom-ext@local.test' }), 554, '5.7.1');
    assertReject(await rcpt(c, { recipient: 'tom+ext@local.test' }), 550, '5.1.1');
  });
  it('several characters: each one is a delimiter', async () => {
    const c = makeConfig(policy, { recipient_delimiter: '+-' }, acl);
    assertReject(await rcpt(c, { recipient: 'tom+ext@local.test' }), 554, '5.7.1');
    assertReject(await rcpt(c, { recipient: 'tom-ext@local.test' }), 554, '5.7.1');
  });
  it('the default (empty): no extensions, tom+ext@ is an unknown user', async () => {
    const c = makeConfig(policy, {}, acl);
    assertReject(await rcpt(c, { recipient: 'tom+ext@local.test' }), 550, '5.1.1');
    const bob = makeConfig({}, { recipient_delimiter: '+' });
    assertAccept(await rcpt(bob, { recipient: 'bob+tag@hosted.test' }));
    assertReject(await rcpt(makeConfig(), { recipient: 'bob+tag@hosted.test' }), 550, '5.1.1');
  });
});

describe('item 7: any address alias_maps or virtual_alias_maps lists is accepted', () => {
  it('an alias with a member lacking a mailbox, in every local domain; a virtual alias likewise', async () => {
    const c = makeConfig();
    assertAccept(await rcpt(c, { recipient: 'team@local.test' }));
    assertAccept(await rcpt(c, { recipient: 'team@other-local.test' }));
    assertAccept(await rcpt(c, { recipient: 'list@hosted.test' }));
    assertReject(await rcpt(c, { recipient: 'ghost@local.test' }), 550, '5.1.1');
  });
});

describe('item 8: postmaster, MAILER-DAEMON and double-bounce of a local domain', () => {
  const c = makeConfig();
  it('always accepted in a local domain, also with postmaster_recipient empty', async () => {
    const postfix = makeConfig({}, { postmaster_recipient: '' });
    for (const r of [
      'postmaster@local.test',
      'MAILER-DAEMON@local.test',
      'double-bounce@local.test',
    ]) {
      assertAccept(await rcpt(c, { recipient: r }));
      assertAccept(await rcpt(postfix, { recipient: r }));
    }
  });
  it('postmaster@/abuse@ any hosted domain reach postmaster_recipient; set empty, they need a table (Postfix)', async () => {
    const postfix = makeConfig({}, { postmaster_recipient: '' });
    for (const r of ['abuse@local.test', 'postmaster@hosted.test', 'abuse@hosted.test']) {
      assertAccept(await rcpt(c, { recipient: r }));
      assertReject(await rcpt(postfix, { recipient: r }), 550, '5.1.1');
    }
  });
  it('double-bounce@ a local domain is accepted before any restriction', async () => {
    const listed = makeConfig({ smtpd_client_restrictions: ['reject'] });
    assertAccept(await rcpt(listed, { recipient: 'double-bounce@local.test' }));
    assertReject(await rcpt(listed, { recipient: 'MAILER-DAEMON@local.test' }), 554, '5.7.1');
    const renamed = makeConfig(
      { smtpd_client_restrictions: ['reject'] },
      { double_bounce_sender: 'db' },
    );
    assertAccept(await rcpt(renamed, { recipient: 'db@local.test' }));
  });
});

describe('one local user namespace over every local domain', () => {
  it('tom@ any local domain (mydestination too) is a known user', async () => {
    const c = makeConfig({}, { mydestination: 'mx.local.test, localhost' });
    assertAccept(await rcpt(c, { recipient: 'tom@other-local.test' }));
    assertAccept(await rcpt(c, { recipient: 'tom@mx.local.test' }));
    assertReject(await rcpt(c, { recipient: 'tom@hosted.test' }), 550, '5.1.1');
  });
});

describe('item 12: parent_domain_matches_subdomains', () => {
  it('relay_domains match subdomains by default, not when relay_domains is left out', async () => {
    const c = makeConfig({ smtpd_relay_restrictions: RELAY });
    assertAccept(await rcpt(c, { recipient: 'x@sub.relay.test' }));
    const exact = makeConfig(
      { smtpd_relay_restrictions: RELAY },
      { parent_domain_matches_subdomains: 'smtpd_access_maps' },
    );
    assertReject(await rcpt(exact, { recipient: 'x@sub.relay.test' }), 454, '4.7.1');
  });
  it('".domain" access keys: ignored by default, matching subdomains without smtpd_access_maps', async () => {
    const policy = { smtpd_sender_restrictions: ['check_sender_access AccessMap/acl'] };
    const acl = [{ pattern: '.dotted.test', action: 'REJECT' }];
    assertAccept(await rcpt(makeConfig(policy, {}, acl), { sender: 'a@sub.dotted.test' }));
    const dotted = makeConfig(policy, { parent_domain_matches_subdomains: 'relay_domains' }, acl);
    assertReject(await rcpt(dotted, { sender: 'a@sub.dotted.test' }), 554, '5.7.1');
  });
});

describe('allow_percent_hack (default no, Postfix: yes) and resolve_numeric_domain', () => {
  it('no: user%domain@local is never ours; yes: resolved to user@domain first', async () => {
    const off = makeConfig({ smtpd_relay_restrictions: RELAY });
    assertReject(await rcpt(off, { recipient: 'tom%other-local.test@local.test' }), 454, '4.7.1');
    const on = makeConfig({ smtpd_relay_restrictions: RELAY }, { allow_percent_hack: true });
    assertAccept(await rcpt(on, { recipient: 'tom%other-local.test@local.test' }));
    assertAccept(await rcpt(on, { recipient: 'tom%local.test@local.test' }));
    // the hack never opens a relay: the resolved address is classified again
    assertReject(await rcpt(on, { recipient: 'x%elsewhere.test@local.test' }), 454, '4.7.1');
    // only local (mydestination-class) domains are stripped
    assertReject(await rcpt(on, { recipient: 'bob%hosted.test@hosted.test' }), 454, '4.7.1');
    assertReject(await rcpt(on, { recipient: 'ghost%local.test@local.test' }), 550, '5.1.1');
  });
  it('resolve_numeric_domain: user@1.2.3.4 becomes user@[1.2.3.4], an address literal', async () => {
    const on = makeConfig(
      { smtpd_relay_restrictions: ['permit_mynetworks', 'defer_unauth_destination'] },
      { resolve_numeric_domain: true, relay_domains: '192.0.2.9' },
    );
    // 192.0.2.9 as a relay "domain" name matches only without the literal rewrite
    assertReject(await rcpt(on, { recipient: 'x@192.0.2.9' }), 454, '4.7.1');
    const off = makeConfig(
      { smtpd_relay_restrictions: ['permit_mynetworks', 'defer_unauth_destination'] },
      { relay_domains: '192.0.2.9' },
    );
    assertAccept(await rcpt(off, { recipient: 'x@192.0.2.9' }));
  });
});

describe('class alias (virtual_alias_domains)', () => {
  it('an address virtual_alias_maps lists is accepted; any other: 550 5.1.1 virtual alias table', async () => {
    const c = makeConfig();
    c.domains['lists.test'] = {
      domain: 'lists.test',
      class: 'alias',
      resource: 'lists-test',
      aliases: { team: ['bob@hosted.test'] },
    };
    assertAccept(await rcpt(c, { recipient: 'team@lists.test' }));
    assertReject(
      await rcpt(c, { recipient: 'bob@lists.test' }),
      550,
      '5.1.1',
      '<bob@lists.test>: Recipient address rejected: User unknown in virtual alias table',
    );
  });
});
