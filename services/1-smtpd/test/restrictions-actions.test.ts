// The restriction engine runs exactly what the compiler accepts: the rule registry and
// the access-action table equal the compiler's name lists, BCC/INFO/FILTER reach the
// CleanupRequest, the login-mismatch halves, the catalogue's reply codes, one relay guard.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESTRICTION_NAMES, type EffectivePolicy, type RuntimeConfig } from '@postfleet/config';
import { ACCESS_ACTIONS } from '@postfleet/maps';
import { createRestrictionEngine } from '../src/restrictions/index.ts';
import type { SessionFacts, Verdict } from '../src/restrictions/index.ts';
import { ACCESS_ACTION_HANDLERS } from '../src/restrictions/access-actions.ts';
import { RULES, WARN_IF_REJECT } from '../src/restrictions/rules.ts';
import { effectFields } from '../src/verdicts.ts';
import { domainsOf, engineConfig, factsWith, usersOf } from './helpers/engine-fixtures.ts';

const nx = async () => ({ status: 'nxdomain' as const });
const engine = createRestrictionEngine({
  resolver: { a: nx, aaaa: nx, mx: nx, rbl: nx, rhsbl: nx },
});

function makeConfig(
  policy: Partial<EffectivePolicy> = {},
  extra: Partial<RuntimeConfig> = {},
): RuntimeConfig {
  return engineConfig(policy, {
    domains: domainsOf({ 'example.test': 'virtual' }),
    users: usersOf('alice@example.test', 'bob@example.test'),
    ...extra,
  });
}

const facts = factsWith();

const rcpt = (config: RuntimeConfig, over: Partial<SessionFacts> = {}): Promise<Verdict> =>
  engine.onRcptTo({ facts: facts(over), policy: config.policies.smtp, config });

const withAccess = (action: string, policy: Partial<EffectivePolicy> = {}) =>
  makeConfig(
    { smtpd_client_restrictions: ['check_client_access AccessMap/acl'], ...policy },
    { accessMaps: { acl: { type: 'hash', entries: [{ pattern: '192.0.2.1', action }] } } },
  );

describe('one source of truth', () => {
  it('the rule registry implements exactly the restriction names the compiler accepts', () => {
    const accepted = RESTRICTION_NAMES.filter((n) => n !== WARN_IF_REJECT).sort();
    assert.deepEqual(Object.keys(RULES).sort(), accepted);
  });
  it('the access-action table handles exactly the keywords the compiler accepts', () => {
    const kinds = [...ACCESS_ACTIONS.map((a) => a.toLowerCase()), 'code', 'restriction'].sort();
    assert.deepEqual(Object.keys(ACCESS_ACTION_HANDLERS).sort(), kinds);
  });
});

describe('access(5) BCC, INFO, FILTER', () => {
  it('BCC user@domain accepts and records a bcc effect (was 451 4.3.5)', async () => {
    const v = await rcpt(withAccess('BCC audit@example.test'));
    assert.equal(v.action, 'accept', JSON.stringify(v));
    assert.deepEqual(v.effects, [{ kind: 'bcc', address: 'audit@example.test' }]);
  });
  it('BCC without an address is ignored with a warning, never a reject', async () => {
    const v = await rcpt(withAccess('BCC'));
    assert.equal(v.action, 'accept', JSON.stringify(v));
    assert.deepEqual(v.effects, []);
  });
  it('INFO logs and continues', async () => {
    const v = await rcpt(withAccess('INFO routine'));
    assert.equal(v.action, 'accept', JSON.stringify(v));
    assert.deepEqual(v.effects, [
      { kind: 'info', text: '<unknown[192.0.2.1]>: Client host routine' },
    ]);
  });
  it('BCC and FILTER effects reach the CleanupRequest fields; the last FILTER wins', () => {
    assert.deepEqual(
      effectFields([
        { kind: 'bcc', address: 'a@example.test' },
        { kind: 'filter', nexthop: 'smtp:[127.0.0.1]:10025' },
        { kind: 'bcc', address: 'a@example.test' },
        { kind: 'bcc', address: 'b@example.test' },
        { kind: 'filter', nexthop: 'lmtp:unix:/filter' },
      ]),
      { bcc: ['a@example.test', 'b@example.test'], filter: 'lmtp:unix:/filter' },
    );
  });
});

describe('reply codes from the catalogue', () => {
  it('access_map_reject_code and access_map_defer_code apply to REJECT and DEFER', async () => {
    const r = await rcpt(withAccess('REJECT', { access_map_reject_code: 550 }));
    assert.equal(r.action === 'reject' && `${r.code} ${r.enhanced}`, '550 5.7.1');
    const d = await rcpt(withAccess('DEFER', { access_map_defer_code: 451 }));
    assert.equal(d.action === 'reject' && `${d.code} ${d.enhanced}`, '451 4.7.1');
  });
  it('unknown_client_reject_code applies to reject_unknown_client_hostname', async () => {
    const config = makeConfig({
      smtpd_client_restrictions: ['reject_unknown_client_hostname'],
      unknown_client_reject_code: 550,
    });
    const v = await rcpt(config);
    assert.equal(v.action === 'reject' && `${v.code} ${v.enhanced}`, '550 5.7.25');
  });
  it('smtpd_reject_unlisted_recipient = no accepts an unknown user of a hosted domain', async () => {
    const unknown = { recipient: 'nobody@example.test' };
    assert.equal((await rcpt(makeConfig(), unknown)).action, 'reject');
    const off = makeConfig({ smtpd_reject_unlisted_recipient: false });
    assert.equal((await rcpt(off, unknown)).action, 'accept');
  });
});

describe('the login-mismatch halves', () => {
  const config = (rule: string) => makeConfig({ smtpd_sender_restrictions: [rule] });
  it('reject_authenticated_sender_login_mismatch checks only authenticated clients', async () => {
    const c = config('reject_authenticated_sender_login_mismatch');
    const as = { sender: 'bob@example.test' };
    assert.equal((await rcpt(c, { ...as, saslUser: 'alice@example.test' })).action, 'reject');
    assert.equal((await rcpt(c, as)).action, 'accept');
  });
  it('reject_unauthenticated_sender_login_mismatch refuses an owned address without AUTH', async () => {
    const c = config('reject_unauthenticated_sender_login_mismatch');
    const as = { sender: 'bob@example.test' };
    const v = await rcpt(c, as);
    assert.equal(
      v.action === 'reject' && v.text,
      '<bob@example.test>: Sender address rejected: not logged in',
    );
    assert.equal((await rcpt(c, { ...as, saslUser: 'alice@example.test' })).action, 'accept');
  });
});

describe('one relay guard', () => {
  it('a permit before reject_unauth_destination does not guard: relay is refused', async () => {
    const config = makeConfig({
      smtpd_relay_restrictions: ['permit', 'reject_unauth_destination'],
      smtpd_recipient_restrictions: [],
    });
    const v = await rcpt(config, { recipient: 'victim@foreign.test', client: facts().client });
    assert.equal(
      v.action === 'reject' && `${v.code} ${v.text}`,
      '554 <victim@foreign.test>: Relay access denied',
    );
  });
});
