// Tests for trivial-rewrite: domain classes, canonical rewriting, virtual alias
// expansion (one-to-many, recursion, loops, limits), catch-all, local aliases
// and recipient validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuntimeConfig } from '@postfleet/config';
import {
  canonicalize,
  checkRecipientMaps,
  resolveAddress,
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
    // these tests use address extensions; the catalogue default is Postfix's empty delimiter
    settings: { recipient_delimiter: '+' },
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

test('recipient_delimiter defaults to empty (Postfix): user+tag is its own, unknown address', () => {
  const c = config({ settings: {} });
  assert.equal(isKnownRecipient(c, 'alice+tag@example.test'), false);
  assert.equal(isKnownRecipient(config(), 'alice+tag@example.test'), true);
});

test('relay_domains match subdomains unless parent_domain_matches_subdomains leaves them out', () => {
  assert.equal(classifyDomain(config(), 'sub.relay.test'), 'relay');
  assert.equal(classifyDomain(config(), 'sub.example.test'), 'remote');
  const exact = config({ settings: { parent_domain_matches_subdomains: 'smtpd_access_maps' } });
  assert.equal(classifyDomain(exact, 'sub.relay.test'), 'remote');
  const dotted = config({
    settings: { parent_domain_matches_subdomains: '', relay_domains: '.partner.test' },
  });
  assert.equal(classifyDomain(dotted, 'a.partner.test'), 'relay');
  assert.equal(classifyDomain(dotted, 'partner.test'), 'remote');
});

test('checkRecipientMaps (check_rcpt_maps): aliases list an address whatever their members', () => {
  const c = config({
    domains: {
      'example.test': { domain: 'example.test', class: 'virtual', resource: 'example-test' },
      'local.test': { domain: 'local.test', class: 'local', resource: 'local-test' },
      'other.test': { domain: 'other.test', class: 'local', resource: 'other-test' },
      'relay.test': { domain: 'relay.test', class: 'relay', resource: 'relay-test' },
    },
    addressMaps: {
      a: { kind: 'alias', type: 'hash', entries: [{ pattern: 'team', result: ['root', 'ghost'] }] },
      v: {
        kind: 'virtual',
        type: 'hash',
        entries: [{ pattern: 'list@example.test', result: ['nobody@example.test'] }],
      },
    },
  });
  assert.equal(checkRecipientMaps(c, 'team@local.test'), 'listed');
  assert.equal(checkRecipientMaps(c, 'team@other.test'), 'listed');
  assert.equal(checkRecipientMaps(c, 'list@example.test'), 'listed');
  assert.equal(checkRecipientMaps(c, 'ghost@local.test'), 'unlisted');
  assert.equal(checkRecipientMaps(c, 'root@other.test'), 'listed');
  assert.equal(checkRecipientMaps(c, 'MAILER-DAEMON@other.test'), 'listed');
  assert.equal(checkRecipientMaps(c, 'double-bounce@local.test'), 'listed');
  // postmaster@/abuse@ reach postmaster_recipient; empty, only tables list them (Postfix)
  assert.equal(checkRecipientMaps(c, 'postmaster@example.test'), 'listed');
  const postfix = { ...c, version: 'postfix-roles', settings: { postmaster_recipient: '' } };
  assert.equal(checkRecipientMaps(postfix, 'postmaster@example.test'), 'unlisted');
  assert.equal(checkRecipientMaps(postfix, 'abuse@local.test'), 'unlisted');
  assert.equal(checkRecipientMaps(postfix, 'postmaster@local.test'), 'listed');
  assert.equal(checkRecipientMaps(c, 'x@relay.test'), 'not-hosted');
});

test('local users are one namespace: root@ any local domain is delivered to the root MailUser', () => {
  const c = config({
    domains: {
      'local.test': { domain: 'local.test', class: 'local', resource: 'local-test' },
      'other.test': { domain: 'other.test', class: 'local', resource: 'other-test' },
    },
    settings: { recipient_delimiter: '+', mydestination: 'mx.local.test' },
  });
  assert.deepEqual(expandRecipient(c, 'root@other.test'), {
    addresses: ['root@local.test'],
    unknown: false,
  });
  assert.deepEqual(expandRecipient(c, 'root+tag@mx.local.test').addresses, ['root+tag@local.test']);
  assert.equal(expandRecipient(c, 'nobody@other.test').unknown, true);
});

test('class alias (virtual_alias_domains): only virtual_alias_maps entries exist there', () => {
  const c = config({
    domains: {
      'example.test': { domain: 'example.test', class: 'virtual', resource: 'example-test' },
      'lists.test': {
        domain: 'lists.test',
        class: 'alias',
        resource: 'lists-test',
        aliases: { team: ['alice@example.test'] },
      },
    },
    settings: { virtual_alias_domains: 'old.test' },
  });
  assert.equal(classifyDomain(c, 'lists.test'), 'alias');
  assert.equal(classifyDomain(c, 'old.test'), 'alias');
  assert.equal(checkRecipientMaps(c, 'team@lists.test'), 'listed');
  assert.equal(checkRecipientMaps(c, 'alice@lists.test'), 'unlisted');
  assert.deepEqual(expandRecipient(c, 'team@lists.test'), {
    addresses: ['alice@example.test'],
    unknown: false,
  });
  assert.equal(expandRecipient(c, 'x@old.test').unknown, true);
});

test('resolveAddress: allow_percent_hack (default no) strips local domains; resolve_numeric_domain', () => {
  assert.equal(
    resolveAddress(config(), 'root%remote.test@local.test'),
    'root%remote.test@local.test',
  );
  const hack = config({ settings: { allow_percent_hack: true } });
  assert.equal(resolveAddress(hack, 'root%remote.test@local.test'), 'root@remote.test');
  // rightmost % first, again while the domain is local: a%b.test%local.test@local.test → a@b.test
  assert.equal(resolveAddress(hack, 'a%b.test%local.test@local.test'), 'a@b.test');
  assert.equal(resolveAddress(hack, 'x%remote.test@example.test'), 'x%remote.test@example.test');
  assert.equal(expandRecipient(hack, 'root%local.test@local.test').unknown, false);
  const numeric = config({ settings: { resolve_numeric_domain: true } });
  assert.equal(resolveAddress(numeric, 'x@192.0.2.1'), 'x@[192.0.2.1]');
  assert.equal(resolveAddress(numeric, 'x@2001:db8::1'), 'x@[IPv6:2001:db8::1]');
  assert.equal(resolveAddress(config(), 'x@192.0.2.1'), 'x@192.0.2.1');
});
