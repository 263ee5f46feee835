// The settings catalogue: one entry per name with a default and a description,
// the values `postfleet conf -d` prints, and the time/expansion helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  expandSetting,
  findSetting,
  formatPostconf,
  globalSettingDefaults,
  mailPolicySpec,
  parseDuration,
  settingsCatalogue,
} from '../src/index.ts';

test('every MailPolicy field except listener/parameters and every listed main.cf setting is catalogued', () => {
  const names = new Set(settingsCatalogue.map((s) => s.name));
  assert.equal(names.size, settingsCatalogue.length, 'a name appears twice');
  const skip = new Set(['listener', 'parameters', 'rbl_reply_maps', 'smtpd_sender_login_maps']);
  for (const field of Object.keys(mailPolicySpec.shape)) {
    if (!skip.has(field)) assert.ok(names.has(field), `${field} missing`);
  }
  for (const s of settingsCatalogue)
    assert.ok(s.description.length > 10 && !s.description.includes('\n'), s.name);
});

test('Postfix defaults for queue and alias limits', () => {
  const d = globalSettingDefaults();
  assert.equal(d.maximal_queue_lifetime, '5d');
  assert.equal(d.bounce_queue_lifetime, '5d');
  assert.equal(d.minimal_backoff_time, '300s');
  assert.equal(d.maximal_backoff_time, '4000s');
  assert.equal(d.virtual_alias_recursion_limit, 1000);
  assert.equal(d.virtual_alias_expansion_limit, 1000);
  assert.equal(
    findSetting('smtpd_relay_restrictions')?.postfixDefault,
    'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination',
  );
});

test('formatPostconf prints sorted name = value lines like postconf', () => {
  const out = formatPostconf({
    smtpd_timeout: 300,
    smtpd_helo_required: true,
    mynetworks: ['127.0.0.0/8', '[::1]/128'],
    header_checks: [],
    myhostname: 'mx.test',
  });
  assert.equal(
    out,
    [
      'header_checks =',
      'myhostname = mx.test',
      'mynetworks = 127.0.0.0/8, [::1]/128',
      'smtpd_helo_required = yes',
      'smtpd_timeout = 300s',
      '',
    ].join('\n'),
  );
  const all = formatPostconf().trimEnd().split('\n');
  assert.equal(all.length, settingsCatalogue.length);
  assert.ok(all.includes('maximal_queue_lifetime = 5d'));
  assert.ok(
    all.includes(
      'smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
    ),
  );
});

test('parseDuration and expandSetting', () => {
  assert.equal(parseDuration('5d'), 5 * 86_400_000);
  assert.equal(parseDuration('300s'), 300_000);
  assert.equal(parseDuration('4000'), 4_000_000);
  assert.equal(parseDuration('soon'), null);
  const s = globalSettingDefaults();
  s.myhostname = 'mx.example.test';
  assert.equal(expandSetting(String(s.smtpd_banner), s), 'mx.example.test ESMTP Postfleet');
  assert.equal(expandSetting('$unknown ${myhostname}', s), '$unknown mx.example.test');
});
