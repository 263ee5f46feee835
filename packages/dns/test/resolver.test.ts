// The resolver against a real DNS server (harness, dns2 on 127.0.0.1): record types,
// NXDOMAIN vs NODATA, timeouts and SERVFAIL as tempfail, positive/negative caching.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsServer, type DnsServerHandle } from '@postfleet/harness';
import { createResolver, resolverFromEnv } from '../src/index.ts';

let dns: DnsServerHandle;

before(async () => {
  dns = await startDnsServer([
    { name: 'mail.example.test', type: 'A', value: '192.0.2.10' },
    { name: 'mail.example.test', type: 'A', value: '192.0.2.11' },
    { name: 'mail.example.test', type: 'AAAA', value: '2001:db8::10' },
    { name: 'example.test', type: 'MX', value: 'backup.example.test', priority: 20 },
    { name: 'example.test', type: 'MX', value: 'Mail.Example.Test.', priority: 10 },
    { name: 'example.test', type: 'TXT', value: 'v=spf1 -all' },
    { name: '192.0.2.10', type: 'PTR', value: 'mail.example.test' },
    { name: '2001:db8::10', type: 'PTR', value: 'mail.example.test' },
    { name: 'txtonly.example.test', type: 'TXT', value: 'hello' },
    { name: 'aonly.example.test', type: 'A', value: '192.0.2.20' },
    { name: 'nullmx.example.test', type: 'MX', value: '.', priority: 0 },
    { name: 'nullmx.example.test', type: 'A', value: '192.0.2.30' },
  ]);
  dns.blackhole(['slow.example.test']);
  dns.servfail(['broken.example.test']);
});

after(async () => {
  await dns.stop();
});

const fresh = (extra: { cacheTtlMs?: number; maxCacheEntries?: number; timeoutMs?: number } = {}) =>
  createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1, ...extra });

test('A, AAAA, MX (sorted, normalised), TXT, PTR for IPv4 and IPv6', async () => {
  const r = fresh();
  assert.deepEqual(await r.a('mail.example.test'), {
    status: 'ok',
    records: ['192.0.2.10', '192.0.2.11'],
  });
  assert.deepEqual(await r.aaaa('mail.example.test'), { status: 'ok', records: ['2001:db8::10'] });
  assert.deepEqual(await r.mx('example.test'), {
    status: 'ok',
    records: [
      { exchange: 'mail.example.test', priority: 10 },
      { exchange: 'backup.example.test', priority: 20 },
    ],
  });
  assert.deepEqual(await r.txt('example.test'), { status: 'ok', records: ['v=spf1 -all'] });
  assert.deepEqual(await r.ptr('192.0.2.10'), { status: 'ok', records: ['mail.example.test'] });
  assert.deepEqual(await r.ptr('2001:db8::10'), { status: 'ok', records: ['mail.example.test'] });
});

test('NXDOMAIN for an unknown name, NODATA for a known name without that type', async () => {
  const r = fresh();
  assert.deepEqual(await r.a('nope.example.test'), { status: 'nxdomain' });
  assert.deepEqual(await r.a('txtonly.example.test'), { status: 'nodata' });
  assert.deepEqual(await r.mx('mail.example.test'), { status: 'nodata' });
  assert.deepEqual(await r.ptr('192.0.2.99'), { status: 'nxdomain' });
});

test('a server that never answers is a tempfail after the timeout, not NXDOMAIN', async () => {
  const r = fresh({ timeoutMs: 200 });
  const t0 = Date.now();
  const res = await r.a('slow.example.test');
  const elapsed = Date.now() - t0;
  assert.equal(res.status, 'tempfail');
  assert.equal(res.status === 'tempfail' && res.reason, 'ETIMEOUT');
  assert.ok(elapsed >= 150 && elapsed < 5000, `elapsed ${elapsed} ms`);
});

test('SERVFAIL is a tempfail and is not cached', async () => {
  const r = fresh();
  const before = dns.queryCount('broken.example.test', 'A');
  const res = await r.a('broken.example.test');
  assert.deepEqual(res, { status: 'tempfail', reason: 'ESERVFAIL' });
  const afterFirst = dns.queryCount('broken.example.test', 'A');
  assert.ok(afterFirst > before);
  await r.a('broken.example.test');
  assert.ok(
    dns.queryCount('broken.example.test', 'A') > afterFirst,
    'second lookup must reach the server',
  );
});

test('positive answers are cached: the second lookup does not reach the server', async () => {
  const r = fresh();
  const n0 = dns.queryCount('aonly.example.test', 'A');
  await r.a('aonly.example.test');
  assert.equal(dns.queryCount('aonly.example.test', 'A'), n0 + 1);
  assert.deepEqual(await r.a('AONLY.example.test.'), { status: 'ok', records: ['192.0.2.20'] });
  assert.equal(dns.queryCount('aonly.example.test', 'A'), n0 + 1);
});

test('negative answers (NXDOMAIN and NODATA) are cached too', async () => {
  const r = fresh();
  const nx0 = dns.queryCount('gone.example.test', 'A');
  const nd0 = dns.queryCount('txtonly.example.test', 'AAAA');
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await r.a('gone.example.test'), { status: 'nxdomain' });
    assert.deepEqual(await r.aaaa('txtonly.example.test'), { status: 'nodata' });
  }
  assert.equal(dns.queryCount('gone.example.test', 'A'), nx0 + 1);
  assert.equal(dns.queryCount('txtonly.example.test', 'AAAA'), nd0 + 1);
});

test('concurrent lookups of one name share one query', async () => {
  const r = fresh();
  const n0 = dns.queryCount('mail.example.test', 'AAAA');
  const all = await Promise.all([
    r.aaaa('mail.example.test'),
    r.aaaa('mail.example.test'),
    r.aaaa('mail.example.test'),
  ]);
  assert.ok(all.every((x) => x.status === 'ok'));
  assert.equal(dns.queryCount('mail.example.test', 'AAAA'), n0 + 1);
});

test('cache entries expire after cacheTtlMs and are evicted beyond maxCacheEntries', async () => {
  const r = fresh({ cacheTtlMs: 100 });
  const n0 = dns.queryCount('example.test', 'TXT');
  await r.txt('example.test');
  await new Promise((res) => setTimeout(res, 300));
  await r.txt('example.test');
  assert.equal(dns.queryCount('example.test', 'TXT'), n0 + 2);

  const small = fresh({ maxCacheEntries: 1 });
  const m0 = dns.queryCount('mail.example.test', 'A');
  await small.a('mail.example.test');
  await small.a('aonly.example.test'); // evicts mail.example.test
  await small.a('mail.example.test');
  assert.equal(dns.queryCount('mail.example.test', 'A'), m0 + 2);
});

test('domainExists: MX or A/AAAA → yes, NXDOMAIN, no address or null MX → no, SERVFAIL → tempfail', async () => {
  const r = fresh({ timeoutMs: 300 });
  assert.equal(await r.domainExists('example.test'), 'yes');
  assert.equal(await r.domainExists('aonly.example.test'), 'yes');
  assert.equal(await r.domainExists('nope.example.test'), 'no');
  assert.equal(await r.domainExists('txtonly.example.test'), 'no');
  assert.equal(await r.domainExists('nullmx.example.test'), 'no');
  assert.equal(await r.domainExists('broken.example.test'), 'tempfail');
  assert.equal(await r.domainExists('slow.example.test'), 'tempfail');
});

test('resolverFromEnv uses POSTFLEET_DNS_SERVERS', async () => {
  const r = resolverFromEnv({
    POSTFLEET_DNS_SERVERS: ` ${dns.address} `,
    POSTFLEET_DNS_TIMEOUT_MS: '500',
  });
  assert.deepEqual(await r.a('aonly.example.test'), { status: 'ok', records: ['192.0.2.20'] });
});
