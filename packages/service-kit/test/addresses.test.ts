// Listener addresses: DESIGN §5 defaults per mode and the POSTFLEET_*_ADDR overrides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listenAddresses, parseHostPort, formatHostPort } from '../src/addresses.ts';

test('embedded defaults bind loopback 2xxx ports and 8025 for HTTP', () => {
  const a = listenAddresses({}, true);
  assert.deepEqual(a.smtp, { host: '127.0.0.1', port: 2525 });
  assert.deepEqual(a.submissions, { host: '127.0.0.1', port: 2465 });
  assert.deepEqual(a.imaps, { host: '127.0.0.1', port: 2993 });
  assert.deepEqual(a.pop3, { host: '127.0.0.1', port: 2110 });
  assert.deepEqual(a.http, { host: '127.0.0.1', port: 8025 });
});

test('cluster defaults bind all interfaces on the standard ports', () => {
  const a = listenAddresses({}, false);
  assert.deepEqual(a.smtp, { host: '0.0.0.0', port: 25 });
  assert.deepEqual(a.submission, { host: '0.0.0.0', port: 587 });
  assert.deepEqual(a.http, { host: '0.0.0.0', port: 8080 });
});

test('env overrides and address parsing', () => {
  const a = listenAddresses(
    { POSTFLEET_HTTP_ADDR: '127.0.0.1:9000', POSTFLEET_SMTP_ADDR: ':0' },
    true,
  );
  assert.deepEqual(a.http, { host: '127.0.0.1', port: 9000 });
  assert.deepEqual(a.smtp, { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseHostPort('[::1]:2143', '0.0.0.0'), { host: '::1', port: 2143 });
  assert.deepEqual(parseHostPort('8080', '0.0.0.0'), { host: '0.0.0.0', port: 8080 });
  assert.equal(formatHostPort({ host: '::1', port: 25 }), '[::1]:25');
  assert.throws(() => parseHostPort('localhost:99999', '0.0.0.0'), /not a listen address/);
  assert.throws(() => parseHostPort('nonsense', '0.0.0.0'), /not a listen address/);
});
