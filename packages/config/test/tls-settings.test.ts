// Postfix's TLS protocol and cipher syntax: ranges, exclusion and inclusion
// lists, gaps and unknown names refused, cipher grades with exclusions, and the
// compiler naming the MailPolicy field of a bad value; inet_interfaces alike.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compileResources,
  parseInetInterfaces,
  parseTlsProtocols,
  tlsCipherList,
} from '../src/index.ts';
import { policy } from './fixtures.ts';

test('parseTlsProtocols: ">=" / "<=" ranges, "!" exclusions, inclusion lists', () => {
  assert.deepEqual(parseTlsProtocols('>=TLSv1.2'), {
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
  });
  assert.deepEqual(parseTlsProtocols('>=TLSv1, <=TLSv1.2'), {
    minVersion: 'TLSv1',
    maxVersion: 'TLSv1.2',
  });
  assert.deepEqual(parseTlsProtocols('!SSLv2, !SSLv3'), {
    minVersion: 'TLSv1',
    maxVersion: 'TLSv1.3',
  });
  assert.deepEqual(parseTlsProtocols('!SSLv2:!SSLv3:!TLSv1:!TLSv1.1'), {
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
  });
  assert.deepEqual(parseTlsProtocols('TLSv1.2 TLSv1.3'), {
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
  });
});

test('parseTlsProtocols refuses unknown names, nothing left, and gaps', () => {
  assert.match(
    (parseTlsProtocols('TLSv9') as { error: string }).error,
    /unknown TLS protocol TLSv9/,
  );
  assert.match((parseTlsProtocols('>=SSLv3') as { error: string }).error, /cannot be offered/);
  assert.match(
    (parseTlsProtocols('!TLSv1, !TLSv1.1, !TLSv1.2, !TLSv1.3') as { error: string }).error,
    /no TLS protocol/,
  );
  assert.match((parseTlsProtocols('!TLSv1.2') as { error: string }).error, /gap/);
});

test('tlsCipherList: grade plus exclusions; unknown grades and odd names refused', () => {
  assert.equal(tlsCipherList('high', 'aNULL, SHA1'), 'aNULL:-aNULL:HIGH:@STRENGTH:!aNULL:!SHA1');
  assert.equal(tlsCipherList('medium', ''), 'aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH');
  assert.deepEqual(Object.keys(tlsCipherList('export', '') as object), ['error']);
  assert.deepEqual(Object.keys(tlsCipherList('high', 'SHA1;rm') as object), ['error']);
});

test('the compiler refuses a bad TLS setting, naming the MailPolicy field', () => {
  const r = compileResources([
    policy('all', 'all', {
      parameters: { smtpd_tls_protocols: '>=TLSv9', smtpd_tls_mandatory_ciphers: 'strong' },
    }),
  ]);
  assert.ok('errors' in r);
  const fields = r.errors.map((e) => e.field);
  assert.deepEqual(fields, [
    'spec.parameters.smtpd_tls_protocols',
    'spec.parameters.smtpd_tls_mandatory_ciphers',
  ]);
  const good = compileResources([
    policy('all', 'all', { parameters: { smtpd_tls_protocols: '!SSLv3, !TLSv1' } }),
  ]);
  assert.ok('config' in good);
  assert.equal(good.config.settings.smtpd_tls_protocols, '!SSLv3, !TLSv1');
});

test('inet_interfaces: all, loopback-only, one address; a list or a name is refused', () => {
  assert.equal(parseInetInterfaces('all'), '0.0.0.0');
  assert.equal(parseInetInterfaces('loopback-only'), '127.0.0.1');
  assert.equal(parseInetInterfaces('[2001:db8::25]'), '2001:db8::25');
  assert.equal(parseInetInterfaces(''), null);
  assert.match(
    (parseInetInterfaces('192.0.2.1, 192.0.2.2') as { error: string }).error,
    /one address/,
  );
  const r = compileResources([policy('all', 'all', { parameters: { inet_interfaces: 'eth0' } })]);
  assert.ok('errors' in r);
  assert.equal(r.errors[0]?.field, 'spec.parameters.inet_interfaces');
});
