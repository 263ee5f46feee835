// parseRestriction: the one parser for restriction rules, shared with smtpd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  listGuardsRelay,
  parseRestriction,
  policyGuardsRelay,
  RESTRICTION_NAMES,
  RestrictionSyntaxError,
} from '../src/index.ts';

test('check_*_access names an AccessMap', () => {
  assert.deepEqual(parseRestriction('check_client_access AccessMap/blocklist'), {
    name: 'check_client_access',
    args: ['AccessMap/blocklist'],
    map: 'blocklist',
  });
  assert.throws(
    () => parseRestriction('check_sender_access hash:/etc/postfix/access'),
    RestrictionSyntaxError,
  );
  assert.throws(() => parseRestriction('check_helo_access'), /AccessMap\/<name>/);
});

test('DNS lists with and without a reply filter', () => {
  assert.deepEqual(parseRestriction('reject_rbl_client zen.dnsbl.example'), {
    name: 'reject_rbl_client',
    args: ['zen.dnsbl.example'],
    domain: 'zen.dnsbl.example',
  });
  assert.deepEqual(parseRestriction('  reject_rhsbl_sender   dbl.example=127.0.1.2 '), {
    name: 'reject_rhsbl_sender',
    args: ['dbl.example=127.0.1.2'],
    domain: 'dbl.example',
    replyFilter: '127.0.1.2',
  });
  assert.equal(
    parseRestriction('reject_rbl_client zen.example=127.0.0.[2..11]').name,
    'reject_rbl_client',
  );
  assert.throws(() => parseRestriction('reject_rbl_client zen.example=127.0.0'), /reply filter/);
  assert.throws(() => parseRestriction('reject_rhsbl_helo not_a_domain'), /DNS list domain/);
});

test('simple rules take no argument; sleep takes seconds', () => {
  for (const name of RESTRICTION_NAMES) {
    if (name.startsWith('check_') || name.includes('bl_') || name === 'sleep') continue;
    assert.deepEqual(parseRestriction(name), { name, args: [] });
    assert.throws(() => parseRestriction(`${name} extra`), RestrictionSyntaxError);
  }
  assert.deepEqual(parseRestriction('sleep 5'), { name: 'sleep', args: ['5'], seconds: 5 });
  assert.throws(() => parseRestriction('sleep soon'), /seconds/);
});

test('unknown, empty and comma-joined rules are rejected', () => {
  assert.throws(() => parseRestriction('reject_spam'), /unknown restriction "reject_spam"/);
  assert.throws(() => parseRestriction('  '), /empty/);
  assert.throws(() => parseRestriction('permit_mynetworks, reject'), /without commas/);
  assert.throws(() => parseRestriction('reject_unknown_nonsense'), /unknown restriction/);
});

test('the relay guard must come before any bare permit, in the relay or the recipient list', () => {
  assert.equal(listGuardsRelay(['permit_mynetworks', 'reject_unauth_destination']), true);
  assert.equal(listGuardsRelay(['permit', 'reject_unauth_destination']), false);
  assert.equal(listGuardsRelay(['REJECT']), true);
  assert.equal(
    policyGuardsRelay({
      smtpd_relay_restrictions: ['permit'],
      smtpd_recipient_restrictions: ['defer_unauth_destination'],
    }),
    true,
  );
  assert.equal(policyGuardsRelay({ smtpd_relay_restrictions: ['permit', 'reject'] }), false);
});

test('defer_if_permit, defer_if_reject and the two login-mismatch halves are rules', () => {
  for (const name of [
    'defer_if_permit',
    'defer_if_reject',
    'reject_authenticated_sender_login_mismatch',
    'reject_unauthenticated_sender_login_mismatch',
  ]) {
    assert.deepEqual(parseRestriction(name), { name, args: [] });
  }
});
