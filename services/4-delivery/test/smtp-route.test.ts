// From next hop to servers against a real (test) DNS server: MX preference order with equal
// preferences shuffled, A/AAAA fallback without MX, null MX, NXDOMAIN, SERVFAIL, our own
// name in the MX list, MX hosts without addresses, the address limit, native lookups.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createResolver } from '@postfleet/dns';
import { startDnsServer, type DnsServerHandle } from '@postfleet/harness';
import { parseNexthop } from '../src/smtp-nexthop.ts';
import { routeFor, type RouteOptions } from '../src/smtp-route.ts';

let dns: DnsServerHandle;
let opts: RouteOptions;

before(async () => {
  dns = await startDnsServer([
    { name: 'example.test', type: 'MX', value: 'mx2.example.test', priority: 20 },
    { name: 'example.test', type: 'MX', value: 'mx1.example.test', priority: 10 },
    { name: 'mx1.example.test', type: 'A', value: '127.0.0.1' },
    { name: 'mx1.example.test', type: 'AAAA', value: '::1' },
    { name: 'mx2.example.test', type: 'A', value: '127.0.0.1' },
    { name: 'equal.test', type: 'MX', value: 'a.equal.test', priority: 10 },
    { name: 'equal.test', type: 'MX', value: 'b.equal.test', priority: 10 },
    { name: 'a.equal.test', type: 'A', value: '127.0.0.1' },
    { name: 'b.equal.test', type: 'AAAA', value: '::1' },
    { name: 'a-only.test', type: 'A', value: '127.0.0.1' },
    { name: 'null.test', type: 'MX', value: '.', priority: 0 },
    { name: 'self.test', type: 'MX', value: 'client.example.test', priority: 10 },
    { name: 'self.test', type: 'MX', value: 'backup.self.test', priority: 20 },
    { name: 'selfbackup.test', type: 'MX', value: 'primary.selfbackup.test', priority: 5 },
    { name: 'selfbackup.test', type: 'MX', value: 'client.example.test', priority: 10 },
    { name: 'selfbackup.test', type: 'MX', value: 'other.selfbackup.test', priority: 20 },
    { name: 'primary.selfbackup.test', type: 'A', value: '127.0.0.1' },
    { name: 'noaddr.test', type: 'MX', value: 'gone.noaddr.test', priority: 10 },
    { name: 'txt-only.test', type: 'TXT', value: 'v=spf1 -all' },
  ]);
  dns.servfail(['servfail.test']);
  opts = {
    resolver: createResolver({ servers: [dns.address], cacheTtlMs: 0 }),
    hostLookup: ['dns'],
    selfNames: ['client.example.test'],
    addressLimit: 0,
    family: 0,
  };
});
after(() => dns?.stop());

async function route(nexthop: string, over: Partial<RouteOptions> = {}) {
  const d = parseNexthop(nexthop, false);
  assert.ok(!('error' in d));
  return routeFor({ ...opts, ...over }, d, 'client.example.test');
}

test('MX hosts in preference order, each with its A then AAAA addresses', async () => {
  const r = await route('example.test:2525');
  assert.ok('candidates' in r);
  assert.deepEqual(
    r.candidates.map((c) => `${c.host}[${c.address}]:${c.port}`),
    [
      'mx1.example.test[127.0.0.1]:2525',
      'mx1.example.test[::1]:2525',
      'mx2.example.test[127.0.0.1]:2525',
    ],
  );
  assert.equal(r.candidates[0]?.destination, 'example.test');
  const limited = await route('example.test', { addressLimit: 2 });
  assert.ok('candidates' in limited);
  assert.equal(limited.candidates.length, 2);
  const v4 = await route('example.test', { family: 4 });
  assert.ok('candidates' in v4);
  assert.ok(v4.candidates.every((c) => c.address === '127.0.0.1'));
});

test('equal MX preferences come in random order', async () => {
  const low = await route('equal.test', { random: () => 0 });
  const high = await route('equal.test', { random: () => 0.99 });
  assert.ok('candidates' in low && 'candidates' in high);
  assert.deepEqual(
    low.candidates.map((c) => c.host),
    ['b.equal.test', 'a.equal.test'],
  );
  assert.deepEqual(
    high.candidates.map((c) => c.host),
    ['a.equal.test', 'b.equal.test'],
  );
});

test('no MX: the domain itself (A/AAAA); [host] never asks for MX', async () => {
  const before = dns.queryCount('a-only.test', 'MX');
  const r = await route('a-only.test');
  assert.deepEqual('candidates' in r && r.candidates, [
    {
      host: 'a-only.test',
      address: '127.0.0.1',
      port: 25,
      unix: false,
      destination: 'a-only.test',
    },
  ]);
  assert.equal(dns.queryCount('a-only.test', 'MX'), before + 1);
  const bracketed = await route('[a-only.test]:26');
  assert.ok('candidates' in bracketed);
  assert.equal(dns.queryCount('a-only.test', 'MX'), before + 1, 'no MX lookup for [host]');
  const literal = await route('[192.0.2.1]');
  assert.deepEqual('candidates' in literal && literal.candidates.map((c) => c.address), [
    '192.0.2.1',
  ]);
});

test('null MX, NXDOMAIN and a domain with neither MX nor address bounce; SERVFAIL defers', async () => {
  assert.deepEqual(await route('null.test'), {
    failure: {
      status: 'bounced',
      dsn: '5.1.10',
      reply: 'Domain null.test does not accept mail (nullMX)',
    },
  });
  assert.deepEqual(await route('nx.test'), {
    failure: {
      status: 'bounced',
      dsn: '5.1.2',
      reply:
        'Host or domain name not found. Name service error for name=nx.test type=MX: Host not found',
    },
  });
  const nodata = await route('txt-only.test');
  assert.ok('failure' in nodata);
  assert.equal(nodata.failure.status, 'bounced');
  assert.match(nodata.failure.reply, /name=txt-only\.test type=A: Host found but no data record/);
  assert.deepEqual(await route('servfail.test'), {
    failure: {
      status: 'deferred',
      dsn: '4.4.3',
      reply:
        'Host or domain name not found. Name service error for name=servfail.test type=MX: Host not found, try again',
    },
  });
  const noaddr = await route('noaddr.test');
  assert.ok('failure' in noaddr);
  assert.deepEqual([noaddr.failure.status, noaddr.failure.dsn], ['bounced', '5.4.4']);
  assert.match(noaddr.failure.reply, /name=gone\.noaddr\.test type=A: Host not found$/);
});

test('our own name in the MX list: only better MX hosts; none left is a loop', async () => {
  assert.deepEqual(await route('self.test'), {
    failure: { status: 'bounced', dsn: '5.4.6', reply: 'mail for self.test loops back to myself' },
  });
  const r = await route('selfbackup.test');
  assert.deepEqual('candidates' in r && r.candidates.map((c) => c.host), [
    'primary.selfbackup.test',
  ]);
});

test('a list of destinations: the servers of each in turn; a deferral wins over a bounce', async () => {
  const r = await route('[mx2.example.test]:2526, nx.test, a-only.test');
  assert.ok('candidates' in r);
  assert.deepEqual(
    r.candidates.map((c) => `${c.host}:${c.port}`),
    ['mx2.example.test:2526', 'a-only.test:25'],
  );
  const failed = await route('nx.test servfail.test');
  assert.ok('failure' in failed);
  assert.equal(failed.failure.status, 'deferred');
});

test('smtp_host_lookup: native uses getaddrinfo (localhost), dns does not know it', async () => {
  const native = await route('[localhost]:2525', { hostLookup: ['native'] });
  assert.ok('candidates' in native);
  assert.ok(native.candidates.some((c) => c.address === '127.0.0.1'));
  const viaDns = await route('[localhost]:2525');
  assert.ok('failure' in viaDns);
  const both = await route('[localhost]:2525', { hostLookup: ['dns', 'native'] });
  assert.ok('candidates' in both);
});
