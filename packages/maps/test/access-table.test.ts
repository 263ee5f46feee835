// access(5) lookup order over real tables: client hostname/parent domains then IP
// prefixes, cidr first-match, IPv6, envelope address user@domain → domain → user@.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAccessTable, type AccessTableSpec } from '../src/index.ts';

const table = (type: AccessTableSpec['type'], pairs: [string, string][]) =>
  buildAccessTable({ type, entries: pairs.map(([pattern, action]) => ({ pattern, action })) });

test('client: hostname first, then parent domains ("example.test" keys, Postfix default)', () => {
  const t = table('hash', [
    ['host.sub.example.test', 'REJECT exact'],
    ['example.test', 'REJECT parent'],
    ['.other.test', 'REJECT dotted'],
    ['192.0.2.1', 'OK'],
  ]);
  assert.equal(t.lookupClient('host.sub.example.test', '192.0.2.1'), 'REJECT exact');
  assert.equal(t.lookupClient('x.sub.Example.TEST', '192.0.2.1'), 'REJECT parent');
  // ".other.test" is never looked up while smtpd_access_maps is in parent_domain_matches_subdomains
  assert.equal(t.lookupClient('a.b.other.test', '198.51.100.1'), null);
  assert.equal(t.lookupClient('other.test', '198.51.100.1'), null);
  // hostname miss → address
  assert.equal(t.lookupClient('elsewhere.test', '192.0.2.1'), 'OK');
});

test('client: "unknown" hostname is not looked up; IPv4 shortened by octets', () => {
  const t = table('hash', [
    ['unknown', 'REJECT should not match'],
    ['192.0.2', 'REJECT net24'],
    ['10', 'REJECT net8'],
    ['172.16.5.4', 'OK'],
  ]);
  assert.equal(t.lookupClient('unknown', '192.0.2.77'), 'REJECT net24');
  assert.equal(t.lookupClient('unknown', '10.200.1.2'), 'REJECT net8');
  assert.equal(t.lookupClient('unknown', '172.16.5.4'), 'OK');
  assert.equal(t.lookupClient('unknown', '172.16.5.5'), null);
  // IPv4-mapped IPv6 is looked up as IPv4
  assert.equal(t.lookupClient('unknown', '::ffff:192.0.2.9'), 'REJECT net24');
});

test('client: the most specific address key wins', () => {
  const t = table('hash', [
    ['192.0', 'REJECT wide'],
    ['192.0.2.1', 'OK'],
  ]);
  assert.equal(t.lookupClient('unknown', '192.0.2.1'), 'OK');
  assert.equal(t.lookupClient('unknown', '192.0.2.2'), 'REJECT wide');
});

test('client: IPv6 compressed form shortened by ":" groups', () => {
  const t = table('hash', [
    ['2001:db8:1', 'REJECT v6net'],
    ['2001:db8::5', 'OK'],
  ]);
  assert.equal(t.lookupClient('unknown', '2001:DB8:0:0::5'), 'OK');
  assert.equal(t.lookupClient('unknown', '2001:db8:1::7'), 'REJECT v6net');
  assert.equal(t.lookupClient('unknown', '2001:db8:2::7'), null);
});

test('cidr: networks in table order, first match wins, IPv4 and IPv6', () => {
  const t = table('cidr', [
    ['192.0.2.128/25', 'OK'],
    ['192.0.2.0/24', 'REJECT net'],
    ['198.51.100.7', 'DISCARD'],
    ['[2001:db8::]/32', 'REJECT v6'],
    ['0.0.0.0/0', 'DUNNO'],
  ]);
  assert.equal(t.lookupClient('host.example.test', '192.0.2.200'), 'OK');
  assert.equal(t.lookupClient('unknown', '192.0.2.5'), 'REJECT net');
  assert.equal(t.lookupClient('unknown', '198.51.100.7'), 'DISCARD');
  assert.equal(t.lookupClient('unknown', '2001:db8:ffff::1'), 'REJECT v6');
  assert.equal(t.lookupClient('unknown', '2001:db9::1'), null);
  assert.equal(t.lookupClient('unknown', '203.0.113.1'), 'DUNNO');
  assert.equal(t.lookupAddress('user@example.test'), null);
});

test('cidr: host bits or a bad prefix are rejected with the pattern named', () => {
  assert.throws(
    () => table('cidr', [['192.0.2.1/24', 'OK']]),
    /192\.0\.2\.1\/24.*host address bits/,
  );
  assert.throws(() => table('cidr', [['192.0.2.0/33', 'OK']]), /prefix/);
  assert.throws(() => table('cidr', [['not-an-ip', 'OK']]), /not-an-ip/);
});

test('regexp client: hostname, then the address; $1 substitution', () => {
  const t = table('regexp', [
    ['/^(dsl|dyn)[0-9-]+\\./', 'REJECT dynamic $1 host'],
    ['/^192\\.0\\.2\\./', 'REJECT by address'],
  ]);
  assert.equal(t.lookupClient('DSL123.isp.test', '203.0.113.1'), 'REJECT dynamic DSL host');
  assert.equal(t.lookupClient('mail.isp.test', '192.0.2.3'), 'REJECT by address');
  assert.equal(t.lookupClient('mail.isp.test', '203.0.113.1'), null);
});

test('helo/domain names: name then parents', () => {
  const t = table('hash', [
    ['localhost', 'REJECT You are not localhost'],
    ['example.test', 'REJECT parent'],
  ]);
  assert.equal(t.lookupDomainName('LOCALHOST'), 'REJECT You are not localhost');
  assert.equal(t.lookupDomainName('a.b.example.test.'), 'REJECT parent');
  assert.equal(t.lookupDomainName('example.org'), null);
});

test('address: user@domain, then domain and parents, then user@', () => {
  const t = table('hash', [
    ['spammer@example.test', 'REJECT exact'],
    ['example.test', 'REJECT domain'],
    ['parent.test', 'REJECT parent'],
    ['postmaster@', 'OK'],
  ]);
  assert.equal(t.lookupAddress('Spammer@EXAMPLE.test'), 'REJECT exact');
  assert.equal(t.lookupAddress('other@example.test'), 'REJECT domain');
  assert.equal(t.lookupAddress('x@mail.parent.test'), 'REJECT parent');
  assert.equal(t.lookupAddress('postmaster@anywhere.test'), 'OK');
  // the domain key beats user@ (it is tried first)
  assert.equal(t.lookupAddress('postmaster@example.test'), 'REJECT domain');
  assert.equal(t.lookupAddress('someone@elsewhere.test'), null);
});

test('address: the null sender is looked up as "<>"', () => {
  const t = table('hash', [['<>', 'REJECT no bounces here']]);
  assert.equal(t.lookupAddress(''), 'REJECT no bounces here');
  assert.equal(t.lookupAddress('<>'), 'REJECT no bounces here');
  assert.equal(table('hash', [['x@y.test', 'OK']]).lookupAddress(''), null);
});

test('address: extensions try user+ext@domain then user@domain, and user+ext@ then user@', () => {
  const t = table('hash', [
    ['alice+spam@example.test', 'DISCARD'],
    ['alice@example.test', 'OK'],
    ['bob@', 'REJECT bob'],
  ]);
  assert.equal(t.lookupAddress('alice+spam@example.test'), 'DISCARD');
  assert.equal(t.lookupAddress('alice+news@example.test'), 'OK');
  assert.equal(t.lookupAddress('bob+x@other.test'), 'REJECT bob');
  const custom = buildAccessTable(
    { type: 'hash', entries: [{ pattern: 'carol@example.test', action: 'OK' }] },
    { recipientDelimiter: '-' },
  );
  assert.equal(custom.lookupAddress('carol-list@example.test'), 'OK');
  assert.equal(custom.lookupAddress('carol+list@example.test'), null);
});

test('regexp address tables see the whole address only (no domain or user@ split)', () => {
  const t = table('pcre', [
    ['/^<>$/', 'REJECT null'],
    ['/@example\\.test$/', 'OK'],
  ]);
  assert.equal(t.lookupAddress('a@EXAMPLE.test'), 'OK');
  assert.equal(t.lookupAddress('a@sub.example.test.org'), null);
  assert.equal(t.lookupAddress(''), 'REJECT null');
});

test('regexp tables match hostile input in linear time ($1 substitution kept)', () => {
  const t = table('regexp', [
    ['/^(a+)+$/', 'REJECT nested'],
    ['/^(\\w+)@(a|aa)+\\.test$/', 'REJECT $1 at $2'],
  ]);
  let start = performance.now();
  assert.equal(t.lookupAddress(`${'a'.repeat(28)}!`), null); // seconds for a backtracking engine
  assert.ok(performance.now() - start < 500, `took ${performance.now() - start} ms`);
  start = performance.now();
  assert.equal(t.lookupAddress(`${'a'.repeat(5000)}!`), null);
  assert.equal(t.lookupClient(`${'a'.repeat(5000)}!`, '192.0.2.1'), null);
  assert.equal(t.lookupAddress(`joe@${'a'.repeat(5000)}!.test`), null);
  assert.ok(performance.now() - start < 1000, `took ${performance.now() - start} ms`);
  assert.equal(t.lookupAddress('joe@aaa.test'), 'REJECT joe at a');
});

test('parent_domain_matches_subdomains: with smtpd_access_maps listed ".domain" keys never match; without, only they match subdomains', () => {
  const entries = [
    { pattern: '.dotted.test', action: 'REJECT dotted' },
    { pattern: 'plain.test', action: 'REJECT plain' },
  ];
  const postfix = buildAccessTable({ type: 'hash', entries });
  assert.equal(postfix.lookupDomainName('sub.dotted.test'), null);
  assert.equal(postfix.lookupAddress('a@sub.dotted.test'), null);
  assert.equal(postfix.lookupDomainName('sub.plain.test'), 'REJECT plain');
  assert.equal(postfix.lookupClient('mx.sub.plain.test', '192.0.2.1'), 'REJECT plain');
  const explicit = buildAccessTable({ type: 'hash', entries }, { parentMatchesSubdomains: false });
  assert.equal(explicit.lookupDomainName('sub.dotted.test'), 'REJECT dotted');
  assert.equal(explicit.lookupAddress('a@sub.dotted.test'), 'REJECT dotted');
  assert.equal(explicit.lookupDomainName('sub.plain.test'), null);
  assert.equal(explicit.lookupDomainName('plain.test'), 'REJECT plain');
});
