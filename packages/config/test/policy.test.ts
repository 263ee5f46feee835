// Effective policy layering (defaults -> "all" -> listener built-ins -> listener's own)
// and the defaults that keep Postfleet from ever being an open relay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileResources,
  defaultRuntimeConfig,
  formatConfigError,
  type RuntimeConfig,
} from '../src/index.ts';
import { policy } from './fixtures.ts';

function compile(...docs: Parameters<typeof compileResources>[0]): RuntimeConfig {
  const r = compileResources(docs);
  if ('errors' in r) assert.fail(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

test('defaults: port 25 relays only for mynetworks and SASL, then reject_unauth_destination', () => {
  const { policies } = defaultRuntimeConfig();
  const smtp = policies.smtp;
  assert.deepEqual(smtp.smtpd_relay_restrictions, [
    'permit_mynetworks',
    'permit_sasl_authenticated',
    'reject_unauth_destination',
  ]);
  assert.deepEqual(smtp.smtpd_recipient_restrictions, [
    'permit_mynetworks',
    'permit_sasl_authenticated',
    'reject_unauth_destination',
  ]);
  assert.deepEqual(smtp.mynetworks, ['127.0.0.0/8', '[::1]/128']);
  assert.equal(smtp.smtpd_delay_reject, true);
  assert.equal(smtp.smtpd_helo_required, false);
  assert.equal(smtp.smtpd_recipient_limit, 1000);
  assert.equal(smtp.message_size_limit, 10240000);
  assert.equal(smtp.smtpd_forbid_bare_newline, true);
  assert.equal(smtp.smtpd_sasl_auth_enable, false);
  assert.equal(smtp.source, '(default)');
});

test('defaults: submission and submissions require TLS and AUTH and reject everything else', () => {
  const { policies } = defaultRuntimeConfig();
  for (const l of ['submission', 'submissions'] as const) {
    assert.equal(policies[l].smtpd_tls_security_level, 'encrypt');
    assert.equal(policies[l].smtpd_sasl_auth_enable, true);
    assert.deepEqual(policies[l].smtpd_recipient_restrictions, [
      'permit_sasl_authenticated',
      'reject',
    ]);
  }
});

test('layering: "all" applies everywhere, a listener policy overrides it, built-ins survive "all"', () => {
  const cfg = compile(
    policy('global', 'all', {
      message_size_limit: 5000000,
      smtpd_tls_security_level: 'none',
      smtpd_recipient_restrictions: [
        'permit_mynetworks',
        'reject_unauth_destination',
        'reject_rbl_client zen.dnsbl.example',
      ],
    }),
    policy('mx', 'smtp', { message_size_limit: 20000000 }),
    policy('sub', 'submission', { smtpd_recipient_limit: 50 }),
  );
  assert.equal(cfg.policies.smtp.message_size_limit, 20000000);
  assert.equal(cfg.policies.smtp.source, 'mx');
  assert.deepEqual(cfg.policies.smtp.smtpd_recipient_restrictions, [
    'permit_mynetworks',
    'reject_unauth_destination',
    'reject_rbl_client zen.dnsbl.example',
  ]);
  assert.equal(cfg.policies.submission.message_size_limit, 5000000);
  assert.equal(cfg.policies.submission.smtpd_recipient_limit, 50);
  assert.equal(cfg.policies.submission.source, 'sub');
  // "all" cannot weaken submission's built-in TLS or relay rules:
  assert.equal(cfg.policies.submission.smtpd_tls_security_level, 'encrypt');
  assert.deepEqual(cfg.policies.submission.smtpd_recipient_restrictions, [
    'permit_sasl_authenticated',
    'reject',
  ]);
  assert.equal(cfg.policies.submissions.source, 'global');
  assert.equal(cfg.policies.smtp.smtpd_tls_security_level, 'none');
});

test('a listener policy may change its own built-ins', () => {
  const cfg = compile(policy('sub', 'submission', { smtpd_tls_security_level: 'may' }));
  assert.equal(cfg.policies.submission.smtpd_tls_security_level, 'may');
});

test('never an open relay: a permit before any relay guard in both lists is an error', () => {
  const r = compileResources([
    policy('open', 'smtp', {
      smtpd_relay_restrictions: ['permit'],
      smtpd_recipient_restrictions: ['permit_mynetworks', 'permit'],
    }),
    policy('also-open', 'all', {
      smtpd_relay_restrictions: ['permit_mynetworks'],
      smtpd_recipient_restrictions: [],
    }),
  ]);
  assert.ok('errors' in r);
  const msgs = r.errors.map(formatConfigError);
  assert.ok(
    msgs.some((m) =>
      /MailPolicy\/open: spec\.smtpd_relay_restrictions: listener smtp would be an open relay/.test(
        m,
      ),
    ),
    msgs.join('\n'),
  );
  // submission keeps its built-in guard, so "all" alone does not open it:
  assert.ok(!msgs.some((m) => /listener submission/.test(m)), msgs.join('\n'));
});

test('one guarded list is enough, as in Postfix (relay list guarded, recipient list permissive)', () => {
  const cfg = compile(policy('mx', 'smtp', { smtpd_recipient_restrictions: ['permit'] }));
  assert.deepEqual(cfg.policies.smtp.smtpd_recipient_restrictions, ['permit']);
});
