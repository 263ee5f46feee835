// Postfix client name verification (PTR then forward A/AAAA must contain the
// address) and DNSBL/RHSBL lookups, against the harness DNS server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsServer, type DnsServerHandle } from '@postfleet/harness';
import { createResolver, ptrName, reversedAddress } from '../src/index.ts';

let dns: DnsServerHandle;

before(async () => {
  dns = await startDnsServer([
    // forward-confirmed
    { name: '192.0.2.10', type: 'PTR', value: 'mail.example.test' },
    { name: 'mail.example.test', type: 'A', value: '192.0.2.10' },
    { name: '2001:db8::10', type: 'PTR', value: 'mail6.example.test' },
    { name: 'mail6.example.test', type: 'AAAA', value: '2001:db8:0::10' },
    // PTR whose forward lookup points elsewhere
    { name: '192.0.2.20', type: 'PTR', value: 'forged.example.test' },
    { name: 'forged.example.test', type: 'A', value: '198.51.100.1' },
    // PTR whose forward name does not exist
    { name: '192.0.2.30', type: 'PTR', value: 'dangling.example.test' },
    // PTR whose forward lookup fails temporarily
    { name: '192.0.2.40', type: 'PTR', value: 'flaky.example.test' },
    // DNSBL and RHSBL zones
    { name: '2.0.0.127.zen.example.test', type: 'A', value: '127.0.0.2' },
    {
      name: '2.0.0.127.zen.example.test',
      type: 'TXT',
      value: 'Listed: see https://zen.example.test/127.0.0.2',
    },
    { name: '10.2.0.192.zen.example.test', type: 'A', value: '127.0.0.4' },
    {
      name: '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.example.test',
      type: 'A',
      value: '127.0.0.3',
    },
    { name: 'spammer.test.dbl.example.test', type: 'A', value: '127.0.1.2' },
    { name: 'spammer.test.dbl.example.test', type: 'TXT', value: 'spam domain' },
  ]);
  dns.servfail(['flaky.example.test', '50.2.0.192.in-addr.arpa', 'broken.zen.example.test']);
});

after(async () => {
  await dns.stop();
});

const resolver = () => createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 });

test('reverse names for PTR and DNSBL queries', () => {
  assert.equal(ptrName('192.0.2.10'), '10.2.0.192.in-addr.arpa');
  assert.equal(reversedAddress('::ffff:192.0.2.10'), '10.2.0.192');
  assert.equal(
    ptrName('2001:db8::1'),
    '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
  );
  assert.equal(reversedAddress('not-an-ip'), null);
});

test('clientNames: forward-confirmed PTR gives the verified hostname (IPv4 and IPv6)', async () => {
  const r = resolver();
  assert.deepEqual(await r.clientNames('192.0.2.10'), {
    hostname: 'mail.example.test',
    reverseHostname: 'mail.example.test',
    tempfail: false,
  });
  assert.deepEqual(await r.clientNames('2001:db8::10'), {
    hostname: 'mail6.example.test',
    reverseHostname: 'mail6.example.test',
    tempfail: false,
  });
});

test('clientNames: PTR not confirmed by A → hostname unknown, reverse name kept', async () => {
  const r = resolver();
  assert.deepEqual(await r.clientNames('192.0.2.20'), {
    hostname: 'unknown',
    reverseHostname: 'forged.example.test',
    tempfail: false,
  });
  assert.deepEqual(await r.clientNames('192.0.2.30'), {
    hostname: 'unknown',
    reverseHostname: 'dangling.example.test',
    tempfail: false,
  });
});

test('clientNames: no PTR → unknown/unknown; DNS failure → tempfail', async () => {
  const r = resolver();
  assert.deepEqual(await r.clientNames('203.0.113.9'), {
    hostname: 'unknown',
    reverseHostname: 'unknown',
    tempfail: false,
  });
  assert.deepEqual(await r.clientNames('192.0.2.50'), {
    hostname: 'unknown',
    reverseHostname: 'unknown',
    tempfail: true,
  });
  assert.deepEqual(await r.clientNames('192.0.2.40'), {
    hostname: 'unknown',
    reverseHostname: 'flaky.example.test',
    tempfail: true,
  });
});

test('rbl: listed IPv4 returns the A records and the TXT reason; unlisted is NXDOMAIN', async () => {
  const r = resolver();
  assert.deepEqual(await r.rbl('127.0.0.2', 'zen.example.test'), {
    status: 'ok',
    records: ['127.0.0.2'],
    txt: 'Listed: see https://zen.example.test/127.0.0.2',
  });
  assert.deepEqual(await r.rbl('192.0.2.10', 'zen.example.test.'), {
    status: 'ok',
    records: ['127.0.0.4'],
  });
  assert.deepEqual(await r.rbl('192.0.2.11', 'zen.example.test'), { status: 'nxdomain' });
});

test('rbl: IPv6 uses the nibble format', async () => {
  const r = resolver();
  assert.deepEqual(await r.rbl('2001:db8::1', 'zen.example.test'), {
    status: 'ok',
    records: ['127.0.0.3'],
  });
  assert.deepEqual(await r.rbl('2001:db8::2', 'zen.example.test'), { status: 'nxdomain' });
});

test('rhsbl: domain + zone, with TXT; a failing zone is a tempfail', async () => {
  const r = resolver();
  assert.deepEqual(await r.rhsbl('Spammer.TEST', 'dbl.example.test'), {
    status: 'ok',
    records: ['127.0.1.2'],
    txt: 'spam domain',
  });
  assert.deepEqual(await r.rhsbl('clean.test', 'dbl.example.test'), { status: 'nxdomain' });
  assert.equal((await r.rhsbl('broken', 'zen.example.test')).status, 'tempfail');
});
