// What the compiler accepts is what the runtime does: access(5) and header_checks(5)
// actions as Postfix has them (DEFER is not a header_checks action), the settings the
// runtime reads are in the catalogue, and the typed accessors fall back to its defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCESS_ACTIONS } from '@postfleet/maps';
import {
  CHECK_ACTIONS,
  compileResources,
  expandSetting,
  findSetting,
  formatConfigError,
  globalSetting,
  myorigin,
  policyDefaults,
  smtpdBanner,
  type CompileResult,
} from '../src/index.ts';
import { accessMap, doc, policy, user, domain } from './fixtures.ts';

function messages(r: CompileResult): string[] {
  return 'errors' in r ? r.errors.map(formatConfigError) : [];
}

test('header_checks DEFER is refused, naming the resource and field', () => {
  const msgs = messages(
    compileResources([
      policy('p', 'all', { header_checks: [{ pattern: '/^Subject: x/', action: 'DEFER later' }] }),
    ]),
  );
  assert.equal(msgs.length, 1);
  assert.match(msgs[0] ?? '', /MailPolicy\/p: spec\.header_checks\[0\]\.action: .*"DEFER"/);
});

test('every Postfix header_checks action compiles, with a well-formed argument', () => {
  const entries = [
    'BCC audit@example.test',
    'DISCARD',
    'DUNNO',
    'FILTER smtp:[127.0.0.1]:10025',
    'HOLD',
    'IGNORE',
    'INFO seen',
    'OK',
    'PASS trusted',
    'PREPEND X-Seen: yes',
    'REDIRECT spam@example.test',
    'REPLACE X-Subject: replaced',
    'REJECT no',
    'STRIP gone',
    'WARN look',
  ].map((action, i) => ({ pattern: `/^X-${i}:/`, action }));
  assert.deepEqual(
    entries.map((e) => e.action.split(' ')[0]).sort(),
    [...CHECK_ACTIONS].sort(),
    'the test covers every accepted action',
  );
  assert.deepEqual(messages(compileResources([policy('p', 'all', { body_checks: entries })])), []);
  const bad = messages(
    compileResources([
      policy('p', 'all', {
        body_checks: [
          { pattern: '/a/', action: 'BCC nobody' },
          { pattern: '/b/', action: 'FILTER nocolon' },
        ],
      }),
    ]),
  );
  assert.deepEqual(
    bad.map((m) => m.split(': ').slice(2).join(': ')),
    [
      'spec.body_checks[0].action: BCC needs one user@domain address',
      'spec.body_checks[1].action: FILTER needs transport:destination',
    ],
  );
});

test('access(5) BCC, INFO and FILTER compile; a BCC without an address does not', () => {
  const ok = compileResources([
    accessMap('a', [
      { pattern: 'x.test', action: 'BCC audit@example.test' },
      { pattern: 'y.test', action: 'FILTER smtp:[127.0.0.1]:10025' },
      { pattern: 'z.test', action: 'INFO noted' },
      { pattern: 'w.test', action: 'reject_unknown_sender_domain, permit' },
      { pattern: 'v.test', action: 'check_client_access AccessMap/a reject' },
    ]),
  ]);
  assert.deepEqual(messages(ok), []);
  assert.ok(ACCESS_ACTIONS.includes('BCC'));
  const bad = messages(compileResources([accessMap('a', [{ pattern: 'x', action: 'BCC' }])]));
  assert.deepEqual(
    bad.map((m) => m.split(': ').slice(1).join(': ')),
    ['AccessMap/a: spec.entries[0].action: BCC needs one user@domain address'],
  );
});

test("the compiler accepts exactly maps' access(5) keywords, the runtime parser's names", () => {
  const argument: Partial<Record<string, string>> = {
    BCC: ' audit@example.test',
    REDIRECT: ' abuse@example.test',
    FILTER: ' smtp:[127.0.0.1]:10025',
    PREPEND: ' X-Checked: yes',
  };
  const entries = ACCESS_ACTIONS.map((name, i) => ({
    pattern: `h${i}.test`,
    action: `${name}${argument[name] ?? ''}`,
  }));
  assert.deepEqual(messages(compileResources([accessMap('a', entries)])), []);
  const unknown = messages(compileResources([accessMap('a', [{ pattern: 'x', action: 'NOPE' }])]));
  assert.equal(unknown.length, 1);
  assert.ok(unknown[0]?.includes(`expected one of ${ACCESS_ACTIONS.join(', ')},`), unknown[0]);
});

test('the login-mismatch halves and defer_if_* compile as restrictions', () => {
  const r = compileResources([
    policy('p', 'submission', {
      smtpd_sender_restrictions: [
        'reject_authenticated_sender_login_mismatch',
        'reject_unauthenticated_sender_login_mismatch',
        'defer_if_permit',
        'defer_if_reject',
      ],
    }),
  ]);
  assert.deepEqual(messages(r), []);
});

test('smtpd_sender_login_maps must name an AddressMap of kind sender_login', () => {
  const loginMap = (kind: string) =>
    doc('maps.yaml', 'AddressMap', 'logins', {
      kind,
      entries: [{ pattern: 'shared@example.test', result: ['alice@example.test'] }],
    });
  const base = [
    domain('d', 'example.test'),
    user('alice', 'alice@example.test'),
    policy('p', 'submission', { smtpd_sender_login_maps: 'AddressMap/logins' }),
  ];
  assert.deepEqual(messages(compileResources([...base, loginMap('sender_login')])), []);
  const msgs = messages(compileResources([...base, loginMap('virtual')]));
  assert.equal(msgs.length, 1);
  assert.match(
    msgs[0] ?? '',
    /spec\.smtpd_sender_login_maps: AddressMap "logins" is of kind virtual/,
  );
});

test('a permit before the relay guard is an open relay at compile time', () => {
  const msgs = messages(
    compileResources([
      policy('p', 'all', {
        smtpd_relay_restrictions: ['permit', 'reject_unauth_destination'],
        smtpd_recipient_restrictions: ['permit'],
      }),
    ]),
  );
  assert.ok(msgs.some((m) => m.includes('would be an open relay')));
});

test('settings the runtime reads are in the catalogue with Postfix defaults', () => {
  const expected: Record<string, unknown> = {
    smtpd_reject_unlisted_recipient: true,
    unknown_client_reject_code: 450,
    unknown_hostname_reject_code: 450,
    unknown_address_reject_code: 450,
    access_map_reject_code: 554,
    access_map_defer_code: 450,
  };
  for (const [name, value] of Object.entries(expected)) {
    assert.equal(findSetting(name)?.default, value, name);
    assert.equal(policyDefaults[name as keyof typeof policyDefaults], value, name);
  }
  const r = compileResources([policy('p', 'smtp', { access_map_reject_code: 550 })]);
  assert.ok('config' in r);
  assert.equal(r.config.policies.smtp.access_map_reject_code, 550);
  assert.equal(r.config.policies.submission.access_map_reject_code, 554);
});

test('typed accessors: configured value, else the catalogue default; one $name expansion', () => {
  assert.equal(globalSetting(undefined, 'hopcount_limit'), 50);
  assert.equal(globalSetting({ hopcount_limit: 7 }, 'hopcount_limit'), 7);
  assert.equal(globalSetting({ hopcount_limit: 'x' }, 'hopcount_limit'), 50);
  assert.equal(myorigin({ myhostname: 'mx.example.test' }), 'mx.example.test');
  assert.equal(
    myorigin({ myhostname: 'mx.example.test', myorigin: '$mydomain', mydomain: 'example.test' }),
    'example.test',
  );
  assert.equal(smtpdBanner({ myhostname: 'mx.example.test' }), 'mx.example.test ESMTP Postfleet');
  assert.equal(expandSetting('$a ${b} $c', { a: 1, b: 'x' }), '1 x $c');
  assert.equal(expandSetting('$a $c', { a: 1 }, ''), '1 ');
});
