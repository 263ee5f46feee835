// Tests for trivial-rewrite: domain classes, canonical rewriting, virtual alias
// expansion (one-to-many, recursion, loops, limits), catch-all, local aliases
// and recipient validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuntimeConfig } from '@postfleet/config';
import {
  canonicalize,
  classifyDomain,
  expandRecipient,
  genericize,
  isKnownRecipient,
} from '../src/index.ts';

function config(over: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return {
    version: `v${Math.random()}`,
    compiledAt: new Date(0).toISOString(),
    domains: {
      'example.test': { domain: 'example.test', class: 'virtual', resource: 'example-test' },
      'local.test': { domain: 'local.test', class: 'local', resource: 'local-test' },
      'relay.test': { domain: 'relay.test', class: 'relay', resource: 'relay-test' },
    },
    users: {
      'alice@example.test': { address: 'alice@example.test', enabled: true, resource: 'alice' },
      'bob@example.test': { address: 'bob@example.test', enabled: true, resource: 'bob' },
      'root@local.test': { address: 'root@local.test', enabled: true, resource: 'root' },
    },
    accessMaps: {},
    addressMaps: {},
    policies: {} as RuntimeConfig['policies'],
    settings: {},
    ...over,
  };
}

test('classifyDomain: local, virtual, relay, remote; case and trailing dot ignored', () => {
  const c = config();
  assert.equal(classifyDomain(c, 'Local.Test'), 'local');
  assert.equal(classifyDomain(c, 'example.test.'), 'virtual');
  assert.equal(classifyDomain(c, 'relay.test'), 'relay');
  assert.equal(classifyDomain(c, 'elsewhere.test'), 'remote');
});

test('classifyDomain: mydestination ($name expanded) is local, relay_domains is relay', () => {
  const c = config({
    settings: {
      myhostname: 'mx.example.net',
      mydomain: 'example.net',
      mydestination: '$myhostname, localhost.$mydomain',
      relay_domains: 'partner.test',
    },
  });
  assert.equal(classifyDomain(c, 'mx.example.net'), 'local');
  assert.equal(classifyDomain(c, 'localhost.example.net'), 'local');
  assert.equal(classifyDomain(c, 'partner.test'), 'relay');
  assert.equal(classifyDomain(c, 'example.test'), 'virtual');
});

test('canonicalize: sender_canonical before canonical, recipient side separate, null sender kept', () => {
  const c = config({
    addressMaps: {
      a: {
        kind: 'sender_canonical',
        type: 'hash',
        entries: [{ pattern: 'alice@old.test', result: ['alice@mid.test'] }],
      },
      b: {
        kind: 'canonical',
        type: 'hash',
        entries: [{ pattern: '@mid.test', result: ['@example.test'] }],
      },
      c: {
        kind: 'recipient_canonical',
        type: 'regexp',
        entries: [{ pattern: '/^(.*)@legacy\\.test$/', result: ['$1@example.test'] }],
      },
    },
  });
  assert.equal(canonicalize(c, 'alice@old.test', 'sender'), 'alice@example.test');
  assert.equal(canonicalize(c, 'alice@old.test', 'recipient'), 'alice@old.test');
  assert.equal(canonicalize(c, 'carol@legacy.test', 'recipient'), 'carol@example.test');
  assert.equal(canonicalize(c, 'carol@legacy.test', 'sender'), 'carol@legacy.test');
  assert.equal(canonicalize(c, '', 'sender'), '');
});

test('genericize applies generic maps', () => {
  const c = config({
    addressMaps: {
      g: {
        kind: 'generic',
        type: 'hash',
        entries: [{ pattern: 'root@local.test', result: ['ops@example.test'] }],
      },
    },
  });
  assert.equal(genericize(c, 'root@local.test'), 'ops@example.test');
  assert.equal(genericize(c, 'x@local.test'), 'x@local.test');
});

test('virtual alias: one-to-many and recursive', () => {
  const c = config({
    addressMaps: {
      v: {
        kind: 'virtual',
        type: 'hash',
        entries: [
          { pattern: 'team@example.test', result: ['alice@example.test', 'devs@example.test'] },
          { pattern: 'devs@example.test', result: ['bob@example.test', 'carol@remote.test'] },
        ],
      },
    },
  });
  assert.deepEqual(expandRecipient(c, 'team@example.test'), {
    addresses: ['alice@example.test', 'bob@example.test', 'carol@remote.test'],
    unknown: false,
  });
});

test('virtual alias: an alias that includes itself is delivered to itself; a loop ends at the repeated address', () => {
  const c = config({
    addressMaps: {
      v: {
        kind: 'virtual',
        type: 'hash',
        entries: [
          { pattern: 'alice@example.test', result: ['alice@example.test', 'archive@remote.test'] },
          { pattern: 'a@example.test', result: ['b@example.test'] },
          { pattern: 'b@example.test', result: ['a@example.test', 'bob@example.test'] },
        ],
      },
    },
  });
  assert.deepEqual(expandRecipient(c, 'alice@example.test').addresses, [
    'alice@example.test',
    'archive@remote.test',
  ]);
  const loop = expandRecipient(c, 'a@example.test');
  assert.deepEqual(loop.addresses, ['a@example.test', 'bob@example.test']);
  assert.equal(loop.unknown, true, 'a@example.test has no mailbox');
});

test('virtual alias: recursion and expansion limits give an error, as Postfix defers', () => {
  const c = config({
    addressMaps: {
      v: {
        kind: 'virtual',
        type: 'regexp',
        entries: [{ pattern: '/^n(\\d+)@example\\.test$/', result: ['n$1x@example.test'] }],
      },
      w: {
        kind: 'virtual',
        type: 'hash',
        entries: [
          {
            pattern: 'all@example.test',
            result: ['alice@example.test', 'bob@example.test', 'x@remote.test'],
          },
        ],
      },
    },
  });
  // n1 -> n1x (no digit run at the end any more) stops; build a deeper chain with a regexp that keeps matching.
  const deep = config({
    addressMaps: {
      v: {
        kind: 'virtual',
        type: 'regexp',
        entries: [{ pattern: '/^d(.*)@example\\.test$/', result: ['d$1d@example.test'] }],
      },
    },
  });
  const e = expandRecipient(deep, 'd@example.test', { recursionLimit: 20 });
  assert.match(e.error ?? '', /unreasonable nesting/);
  const big = expandRecipient(c, 'all@example.test', { expansionLimit: 2 });
  assert.match(big.error ?? '', /unreasonable expansion size/);
  assert.equal(expandRecipient(c, 'all@example.test').addresses.length, 3);
});

test('an alias loop that keeps expanding names the resource and entry it comes from', () => {
  const regexp = config({
    addressMaps: {
      loops: {
        kind: 'virtual',
        type: 'regexp',
        entries: [
          { pattern: '/^nobody@example\\.test$/', result: ['x@remote.test'] },
          { pattern: '/^d(.*)@example\\.test$/', result: ['d$1d@example.test'] },
        ],
      },
    },
  });
  assert.match(
    expandRecipient(regexp, 'd@example.test', { recursionLimit: 5 }).error ?? '',
    /^unreasonable nesting for d@example\.test in virtual_alias_maps: AddressMap\/loops spec\.entries\[1\] still expands d{6}@example\.test to d{7}@example\.test after 5 levels \(an alias loop\?\)$/,
  );
  // a → a+x: the extension is carried over each time, so every round is a new address.
  const domainAlias = config({
    domains: {
      'example.test': {
        domain: 'example.test',
        class: 'virtual',
        resource: 'example-test',
        aliases: { a: ['a+x'] },
      },
    },
  });
  assert.match(
    expandRecipient(domainAlias, 'a@example.test', { recursionLimit: 3 }).error ?? '',
    /in virtual_alias_maps: MailDomain\/example-test spec\.aliases\.a still expands a\+x\+x\+x@example\.test/,
  );
  const local = config({
    addressMaps: {
      'local-aliases': {
        kind: 'alias',
        type: 'regexp',
        entries: [{ pattern: '/^(l+)@local\\.test$/', result: ['$1l@local.test'] }],
      },
    },
  });
  assert.match(
    expandRecipient(local, 'l@local.test', { recursionLimit: 3 }).error ?? '',
    /in alias_maps: AddressMap\/local-aliases spec\.entries\[0\] still expands/,
  );
  const wide = config({
    users: {
      'alice@example.test': {
        address: 'alice@example.test',
        enabled: true,
        resource: 'alice',
        aliases: ['team@example.test'],
      },
    },
    addressMaps: {
      v: {
        kind: 'virtual',
        type: 'hash',
        entries: [{ pattern: 'all@example.test', result: ['team@example.test', 'b@x.test'] }],
      },
    },
  });
  assert.match(
    expandRecipient(wide, 'all@example.test', { expansionLimit: 1 }).error ?? '',
    /^unreasonable expansion size for all@example\.test in virtual_alias_maps: more than 1 addresses once AddressMap\/v spec\.entries\[0\] expands all@example\.test$/,
  );
});

test('MailDomain aliases and catch-all: catch-all only for unknown local parts', () => {
  const c = config({
    domains: {
      'example.test': {
        domain: 'example.test',
        class: 'virtual',
        resource: 'example-test',
        aliases: { postmaster: ['alice'], sales: ['bob@example.test', 'crm@remote.test'] },
        catchAll: 'alice@example.test',
      },
    },
  });
  assert.deepEqual(expandRecipient(c, 'postmaster@example.test').addresses, ['alice@example.test']);
  assert.deepEqual(expandRecipient(c, 'sales@example.test').addresses, [
    'bob@example.test',
    'crm@remote.test',
  ]);
  assert.deepEqual(expandRecipient(c, 'nobody@example.test'), {
    addresses: ['alice@example.test'],
    unknown: false,
  });
  assert.deepEqual(expandRecipient(c, 'bob@example.test').addresses, ['bob@example.test']);
  assert.deepEqual(expandRecipient(c, 'bob+news@example.test').addresses, [
    'bob+news@example.test',
  ]);
});

test('local aliases apply to local-class domains only, recursively', () => {
  const c = config({
    addressMaps: {
      al: {
        kind: 'alias',
        type: 'hash',
        entries: [
          { pattern: 'postmaster', result: ['webmaster'] },
          { pattern: 'webmaster', result: ['root', 'alice@example.test'] },
        ],
      },
    },
  });
  assert.deepEqual(expandRecipient(c, 'postmaster@local.test'), {
    addresses: ['root@local.test', 'alice@example.test'],
    unknown: false,
  });
  assert.deepEqual(expandRecipient(c, 'webmaster@example.test'), {
    addresses: ['webmaster@example.test'],
    unknown: true,
  });
});

test('isKnownRecipient: users, extensions, aliases, remote and relay domains', () => {
  const c = config({
    addressMaps: {
      v: {
        kind: 'virtual',
        type: 'hash',
        entries: [{ pattern: 'info@example.test', result: ['alice@example.test'] }],
      },
    },
    users: {
      'alice@example.test': {
        address: 'alice@example.test',
        enabled: true,
        resource: 'alice',
        aliases: ['ali@example.test'],
      },
    },
  });
  assert.equal(isKnownRecipient(c, 'alice@example.test'), true);
  assert.equal(isKnownRecipient(c, 'ALICE@Example.Test'), true);
  assert.equal(isKnownRecipient(c, 'alice+tag@example.test'), true);
  assert.equal(isKnownRecipient(c, 'info@example.test'), true);
  assert.equal(isKnownRecipient(c, 'ali@example.test'), true);
  assert.equal(isKnownRecipient(c, 'mallory@example.test'), false);
  assert.equal(isKnownRecipient(c, 'anyone@relay.test'), true);
  assert.equal(isKnownRecipient(c, 'anyone@remote.test'), true);
});

test('tables are cached per config version and rebuilt when it changes', () => {
  const c = config({
    addressMaps: {
      v: {
        kind: 'virtual',
        type: 'hash',
        entries: [{ pattern: 'x@example.test', result: ['alice@example.test'] }],
      },
    },
  });
  assert.deepEqual(expandRecipient(c, 'x@example.test').addresses, ['alice@example.test']);
  const changed: RuntimeConfig = {
    ...c,
    version: `${c.version}-2`,
    addressMaps: {
      v: {
        kind: 'virtual',
        type: 'hash',
        entries: [{ pattern: 'x@example.test', result: ['bob@example.test'] }],
      },
    },
  };
  assert.deepEqual(expandRecipient(changed, 'x@example.test').addresses, ['bob@example.test']);
});

test('postmaster@ and abuse@ a hosted domain are accepted and go to postmaster_recipient unless someone holds them', () => {
  const c = config({
    settings: { postmaster_recipient: 'alice@$mydomain', mydomain: 'example.test' },
  });
  for (const a of ['postmaster@example.test', 'Abuse@Local.test', 'postmaster@local.test']) {
    assert.equal(isKnownRecipient(c, a), true, a);
    assert.deepEqual(expandRecipient(c, a).addresses, ['alice@example.test'], a);
  }
  // a user that holds the role mailbox keeps it
  const held = config({
    settings: { postmaster_recipient: 'alice@example.test' },
    users: {
      ...config().users,
      'abuse@example.test': { address: 'abuse@example.test', enabled: true, resource: 'abuse' },
    },
  });
  assert.deepEqual(expandRecipient(held, 'abuse@example.test').addresses, ['abuse@example.test']);
  // other unknown local parts stay unknown; remote role addresses are not ours
  assert.equal(isKnownRecipient(c, 'nobody@example.test'), false);
  assert.deepEqual(expandRecipient(c, 'postmaster@remote.test').addresses, [
    'postmaster@remote.test',
  ]);
  // even when the target is itself unheld, the role mailbox is accepted
  const unset = config({ settings: { postmaster_recipient: 'postmaster@example.test' } });
  assert.equal(isKnownRecipient(unset, 'abuse@example.test'), true);
});

test('IDN domains are one domain in every form: A-label, upper case, U-label, trailing dot', () => {
  const c = config({
    domains: {
      'xn--bcher-kva.test': { domain: 'xn--bcher-kva.test', class: 'virtual', resource: 'idn' },
    },
    users: {
      'info@xn--bcher-kva.test': {
        address: 'info@xn--bcher-kva.test',
        enabled: true,
        resource: 'info',
      },
    },
  });
  for (const d of ['xn--bcher-kva.test', 'XN--BCHER-KVA.test', 'bücher.test', 'Bücher.Test.']) {
    assert.equal(classifyDomain(c, d), 'virtual', d);
    assert.equal(isKnownRecipient(c, `info@${d}`), true, d);
  }
});
