// Compiler tests: valid sets compile, every invalid resource is reported with its
// file, resource and field, and cross-resource references are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileResources,
  formatConfigError,
  type CompileResult,
  type RuntimeConfig,
} from '../src/index.ts';
import { accessMap, doc, domain, policy, user } from './fixtures.ts';

function ok(r: CompileResult): RuntimeConfig {
  if ('errors' in r) assert.fail(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}
function messages(r: CompileResult): string[] {
  assert.ok('errors' in r, 'expected errors, got a config');
  return r.errors.map(formatConfigError);
}

test('the minimal MailDomain compiles into a hosted domain', () => {
  const cfg = ok(compileResources([domain('example-test', 'Example.TEST')]));
  assert.deepEqual(Object.keys(cfg.domains), ['example.test']);
  assert.equal(cfg.domains['example.test']?.class, 'virtual');
  assert.equal(cfg.domains['example.test']?.resource, 'example-test');
  assert.match(cfg.version, /^[0-9a-f]{64}$/);
});

test('a bad enum names file, resource and field in the agreed format', () => {
  const msgs = messages(compileResources([domain('example-test', 'example.test', 'bogus')]));
  assert.deepEqual(msgs, [
    'domains.yaml: MailDomain/example-test: spec.class: Invalid option: expected one of "local"|"virtual"|"alias"|"relay"',
  ]);
});

test('every invalid resource is reported, not only the first', () => {
  const r = compileResources([
    domain('a', 'a.test', 'nope'),
    {
      source: 'x.yaml',
      resource: {
        apiVersion: 'v1',
        kind: 'MailDomain',
        metadata: { name: 'b' },
        spec: { domain: 'b.test', class: 'virtual' },
      },
    },
    doc('y.yaml', 'Mailbox', 'c', {}),
    user('d', 'not-an-address'),
    policy('e', 'smtp', { smtpd_recipient_limit: -3, typo_field: 1 }),
    domain('ok', 'ok.test'),
  ]);
  const msgs = messages(r);
  const has = (re: RegExp) =>
    assert.ok(
      msgs.some((m) => re.test(m)),
      `${re} in\n${msgs.join('\n')}`,
    );
  has(/^domains\.yaml: MailDomain\/a: spec\.class: /);
  has(/^x\.yaml: MailDomain\/b: apiVersion: .*postfleet\.io\/v1alpha1/);
  has(/^y\.yaml: Mailbox\/c: kind: unknown kind "Mailbox"/);
  has(/^users\.yaml: MailUser\/d: spec\.address: not an address/);
  has(/^policy\.yaml: MailPolicy\/e: spec\.smtpd_recipient_limit: /);
  has(/^policy\.yaml: MailPolicy\/e: spec\.typo_field: unknown field/);
  assert.ok(!msgs.some((m) => m.includes('MailDomain/ok')));
});

test('cross-resource checks: duplicate domains, unhosted users, both password forms', () => {
  const msgs = messages(
    compileResources([
      domain('one', 'example.test'),
      domain('two', 'EXAMPLE.test.'),
      domain('relay', 'relay.test', 'relay'),
      domain('badrelay', 'virt.test', 'virtual', { relayHost: 'mx.test' }),
      user('alice', 'alice@example.test'),
      user('alice2', 'ALICE@example.test'),
      user('bob', 'bob@nowhere.test'),
      user('carol', 'carol@relay.test'),
      user('dave', 'dave@example.test', {
        passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
        passwordSecretRef: { name: 's', key: 'k' },
      }),
    ]),
  );
  const expect = [
    /MailDomain\/two: spec\.domain: domain example\.test is already defined by MailDomain\/one/,
    /MailDomain\/badrelay: spec\.relayHost: relayHost is only allowed with class relay/,
    /MailUser\/alice2: spec\.address: ALICE@example\.test already belongs to MailUser\/alice/,
    /MailUser\/bob: spec\.address: domain of bob@nowhere\.test is not hosted/,
    /MailUser\/carol: spec\.address: domain of carol@relay\.test is not hosted/,
    /MailUser\/dave: spec\.passwordHash: set passwordSecretRef or passwordHash, not both/,
  ];
  for (const re of expect)
    assert.ok(
      msgs.some((m) => re.test(m)),
      `${re} in\n${msgs.join('\n')}`,
    );
  assert.equal(msgs.length, expect.length, msgs.join('\n'));
});

test('restriction rules: unknown names and unknown AccessMaps are errors with the list index', () => {
  const msgs = messages(
    compileResources([
      accessMap('blocklist', [{ pattern: 'spam.test', action: 'REJECT' }]),
      policy('mx', 'smtp', {
        smtpd_client_restrictions: [
          'check_client_access AccessMap/blocklist',
          'check_client_access AccessMap/missing',
          'reject_everything',
          'reject_rbl_client',
        ],
        smtpd_sender_login_maps: 'nope',
      }),
    ]),
  );
  assert.deepEqual(msgs, [
    'policy.yaml: MailPolicy/mx: spec.smtpd_client_restrictions[1]: unknown AccessMap "missing"',
    'policy.yaml: MailPolicy/mx: spec.smtpd_client_restrictions[2]: unknown restriction "reject_everything"',
    'policy.yaml: MailPolicy/mx: spec.smtpd_client_restrictions[3]: reject_rbl_client needs one argument: <domain>[=d.d.d.d]',
    'policy.yaml: MailPolicy/mx: spec.smtpd_sender_login_maps: unknown AddressMap "nope"',
  ]);
});

test('header/body checks must be /regexp/flags with a known action', () => {
  const msgs = messages(
    compileResources([
      policy('p', 'all', {
        header_checks: [
          { pattern: '/^Subject: ok/', action: 'REJECT' },
          { pattern: 'Subject: no slashes', action: 'REJECT' },
          { pattern: '/unclosed(/', action: 'WARN' },
        ],
        body_checks: [
          { pattern: '/x/q', action: 'DISCARD' },
          { pattern: '/x/', action: 'EXPLODE' },
        ],
      }),
    ]),
  );
  const fields = msgs.map((m) => m.split(': ')[2]);
  assert.deepEqual(fields, [
    'spec.header_checks[1].pattern',
    'spec.header_checks[2].pattern',
    'spec.body_checks[0].pattern',
    'spec.body_checks[1].action',
  ]);
});

test('patterns the linear-time regexp engine cannot run (backreferences, lookaround) are refused, naming resource and field', () => {
  const msgs = messages(
    compileResources([
      policy('p', 'all', {
        header_checks: [
          { pattern: '/^Subject: (a+)+$/', action: 'REJECT' },
          { pattern: '/^Subject: (\\w+) \\1/', action: 'REJECT' },
        ],
        body_checks: [{ pattern: '/free(?= money)/', action: 'REJECT' }],
      }),
      accessMap('senders', [{ pattern: '/(?<!good)@spam\\.test$/', action: 'REJECT' }], 'pcre'),
      doc('maps.yaml', 'AddressMap', 'rewrites', {
        kind: 'virtual',
        type: 'regexp',
        entries: [{ pattern: '/^(.)\\1@x\\.test$/', result: ['y@x.test'] }],
      }),
    ]),
  );
  assert.deepEqual(msgs, [
    'maps.yaml: AccessMap/senders: spec.entries[0].pattern: invalid regexp pattern "/(?<!good)@spam\\\\.test$/": ' +
      'the lookbehind (?<!...) is not supported: patterns run on a linear-time (RE2) engine, which has no backreferences or lookaround',
    'maps.yaml: AddressMap/rewrites: spec.entries[0].pattern: invalid regexp pattern "/^(.)\\\\1@x\\\\.test$/": ' +
      'the backreference \\1 is not supported: patterns run on a linear-time (RE2) engine, which has no backreferences or lookaround',
    'policy.yaml: MailPolicy/p: spec.header_checks[1].pattern: invalid regexp pattern "/^Subject: (\\\\w+) \\\\1/": ' +
      'the backreference \\1 is not supported: patterns run on a linear-time (RE2) engine, which has no backreferences or lookaround',
    'policy.yaml: MailPolicy/p: spec.body_checks[0].pattern: invalid regexp pattern "/free(?= money)/": ' +
      'the lookahead (?=...) is not supported: patterns run on a linear-time (RE2) engine, which has no backreferences or lookaround',
  ]);
});

test('two MailPolicies for one listener are an error; so are duplicate names', () => {
  const msgs = messages(
    compileResources([
      policy('a', 'smtp'),
      policy('b', 'smtp'),
      domain('d', 'd.test'),
      domain('d', 'e.test'),
    ]),
  );
  assert.ok(
    msgs.some((m) =>
      /MailPolicy\/b: spec\.listener: listener smtp already has MailPolicy\/a/.test(m),
    ),
  );
  assert.ok(msgs.some((m) => /MailDomain\/d: metadata\.name: duplicate MailDomain\/d/.test(m)));
});

test('global parameters: only on "all", only known names, typed values', () => {
  const cfg = ok(
    compileResources([
      policy('all', 'all', {
        parameters: {
          myhostname: 'mx.example.test',
          maximal_queue_lifetime: '2d',
          hopcount_limit: '40',
          append_dot_mydomain: 'yes',
        },
      }),
    ]),
  );
  assert.equal(cfg.settings.myhostname, 'mx.example.test');
  assert.equal(cfg.settings.maximal_queue_lifetime, '2d');
  assert.equal(cfg.settings.hopcount_limit, 40);
  assert.equal(cfg.settings.append_dot_mydomain, true);
  assert.equal(cfg.settings.bounce_queue_lifetime, '5d');

  const msgs = messages(
    compileResources([
      policy('all', 'all', {
        parameters: {
          no_such: 'x',
          hopcount_limit: 'many',
          maximal_queue_lifetime: 'soon',
          message_size_limit: '1',
        },
      }),
      policy('mx', 'smtp', { parameters: { myhostname: 'x' } }),
    ]),
  );
  assert.deepEqual(
    msgs.map((m) => m.split(': ').slice(1, 3).join(': ')),
    [
      'MailPolicy/all: spec.parameters.no_such',
      'MailPolicy/all: spec.parameters.hopcount_limit',
      'MailPolicy/all: spec.parameters.maximal_queue_lifetime',
      'MailPolicy/all: spec.parameters.message_size_limit',
      'MailPolicy/mx: spec.parameters',
    ],
  );
});

test('version is a content hash: same resources, same version; any change, new version', () => {
  const a = ok(compileResources([domain('x', 'x.test'), domain('y', 'y.test')]));
  const b = ok(compileResources([domain('x', 'x.test'), domain('y', 'y.test')]));
  const c = ok(compileResources([domain('x', 'x.test'), domain('y', 'y.test', 'local')]));
  assert.equal(a.version, b.version);
  assert.notEqual(a.version, c.version);
});

test('users keep no password material but the hash; enabled defaults to true', () => {
  const cfg = ok(
    compileResources([
      domain('d', 'example.test'),
      user('alice', 'Alice@Example.test', { passwordSecretRef: { name: 's', key: 'k' } }),
    ]),
  );
  const u = cfg.users['alice@example.test'];
  assert.ok(u);
  assert.equal(u.enabled, true);
  assert.equal('passwordSecretRef' in u, false);
});

test('access map entries: cidr patterns, regexp patterns and actions are validated', () => {
  const msgs = messages(
    compileResources([
      accessMap(
        'nets',
        [
          { pattern: '192.0.2.0/24', action: 'REJECT' },
          { pattern: '2001:db8::/129', action: 'OK' },
          { pattern: 'not-a-network', action: 'OK' },
        ],
        'cidr',
      ),
      accessMap(
        're',
        [
          { pattern: '/^spam/', action: 'permit_mynetworks' },
          { pattern: '/ok/', action: 'FROBNICATE' },
        ],
        'regexp',
      ),
    ]),
  );
  assert.deepEqual(
    msgs.map((m) => m.split(': ').slice(1, 3).join(': ')),
    [
      'AccessMap/nets: spec.entries[1].pattern',
      'AccessMap/nets: spec.entries[2].pattern',
      'AccessMap/re: spec.entries[1].action',
    ],
  );
});

test('a cidr entry with host bits set is refused at compile time, as the lookup table would refuse it', () => {
  const msgs = messages(
    compileResources([accessMap('nets', [{ pattern: '192.0.2.1/24', action: 'REJECT' }], 'cidr')]),
  );
  assert.equal(msgs.length, 1);
  assert.match(
    msgs[0] ?? '',
    /AccessMap\/nets: spec\.entries\[0\]\.pattern: .*non-null host address bits/,
  );
});

test('resources read from the Kubernetes API (server metadata, status) compile; source is "k8s"', () => {
  const fromApi = {
    apiVersion: 'postfleet.io/v1alpha1',
    kind: 'MailDomain',
    metadata: {
      name: 'example-test',
      namespace: 'mail',
      uid: '5b0c5e0e-0000-4000-8000-000000000000',
      resourceVersion: '12345',
      generation: 3,
      creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [{ manager: 'kubectl' }],
    },
    spec: { domain: 'example.test', class: 'virtual' },
    status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] },
  };
  ok(compileResources([{ source: 'k8s', resource: fromApi }]));
  const bad = {
    ...fromApi,
    spec: { domain: 'example.test', class: 'relay', relayHost: 'mx.test', dkim: { selector: 's' } },
  };
  assert.deepEqual(messages(compileResources([{ source: 'k8s', resource: bad }])), [
    'k8s: MailDomain/example-test: spec.dkim.privateKeySecretRef: Invalid input: expected object, received undefined',
  ]);
});

test('an IDN MailDomain is keyed by its lower-case A-label; users likewise', () => {
  const cfg = ok(
    compileResources([
      domain('idn', 'XN--BCHER-KVA.test'),
      user('info', 'Info@xn--bcher-kva.TEST'),
    ]),
  );
  assert.deepEqual(Object.keys(cfg.domains), ['xn--bcher-kva.test']);
  assert.deepEqual(Object.keys(cfg.users), ['info@xn--bcher-kva.test']);
});

test('class alias (virtual_alias_domains): aliases only, a MailUser there is unhosted', () => {
  const cfg = ok(
    compileResources([
      domain('lists-test', 'lists.test', 'alias', { aliases: { team: ['bob@example.test'] } }),
      domain('example-test', 'example.test'),
      user('bob', 'bob@example.test'),
    ]),
  );
  assert.equal(cfg.domains['lists.test']?.class, 'alias');
  const msgs = messages(
    compileResources([domain('lists-test', 'lists.test', 'alias'), user('x', 'x@lists.test')]),
  );
  assert.equal(msgs.length, 1);
  assert.match(msgs[0] ?? '', /not hosted/);
});
