// Address helpers: split at the last unquoted '@', FQDN test, HELO hostname validity.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFqdn, isValidHostname, splitAddress } from '../src/index.ts';

test('splitAddress: last @, lower-cased domain, quoted local parts', () => {
  assert.deepEqual(splitAddress('Joe@Example.TEST'), { local: 'Joe', domain: 'example.test' });
  assert.deepEqual(splitAddress('"a@b"@example.test'), { local: '"a@b"', domain: 'example.test' });
  assert.deepEqual(splitAddress('a@b@example.test'), { local: 'a@b', domain: 'example.test' });
  assert.deepEqual(splitAddress('postmaster'), { local: 'postmaster', domain: '' });
});

test('isFqdn', () => {
  assert.equal(isFqdn('mail.example.test'), true);
  assert.equal(isFqdn('mail.example.test.'), true);
  assert.equal(isFqdn('localhost'), false);
  assert.equal(isFqdn('1.2.3.4'), false);
  assert.equal(isFqdn('bad_.example.test'), false);
  assert.equal(isFqdn('-bad.example.test'), false);
  // issue 8 item 13: only an all-numeric name is not an FQDN (Postfix's valid_hostname)
  assert.equal(isFqdn('host.123'), true);
  assert.equal(isFqdn('192.0.2.1'), false);
});

test('isValidHostname: names and address literals', () => {
  assert.equal(isValidHostname('mail'), true);
  assert.equal(isValidHostname('mail.example.test'), true);
  assert.equal(isValidHostname('[192.0.2.1]'), true);
  assert.equal(isValidHostname('[IPv6:2001:db8::1]'), true);
  assert.equal(isValidHostname('[192.0.2.300]'), false);
  assert.equal(isValidHostname('1.2.3'), false);
  // issue 8 item 13: a bare IPv4 address passes (valid_hostaddr); reject_non_fqdn_* decides
  assert.equal(isValidHostname('192.0.2.1'), true);
  assert.equal(isValidHostname('192.0.2.300'), false);
  assert.equal(isValidHostname('bad host'), false);
  assert.equal(isValidHostname('a..b'), false);
  assert.equal(isValidHostname(''), false);
});
