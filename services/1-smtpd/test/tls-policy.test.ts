// The TLS settings on real handshakes: smtpd_tls_mandatory_protocols governs port
// 465 while smtpd_tls_protocols governs STARTTLS on port 25, smtpd_tls_exclude_ciphers
// keeps CBC suites out by default, and a reload changes the next handshake.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import tls from 'node:tls';
import { RawClient } from './helpers/raw-client.ts';
import { useHarness } from './helpers/smtpd-harness.ts';

type ClientTls = Pick<tls.ConnectionOptions, 'maxVersion' | 'minVersion' | 'ciphers'>;

/** Handshake on an already connected socket (or a new one to port): the protocol, or the error. */
function handshake(target: number | net.Socket, opts: ClientTls): Promise<string> {
  return new Promise((resolve) => {
    const base = { rejectUnauthorized: false, ...opts };
    const s =
      typeof target === 'number'
        ? tls.connect({ ...base, port: target, host: '127.0.0.1' })
        : tls.connect({ ...base, socket: target });
    s.once('secureConnect', () => {
      resolve(s.getProtocol() ?? '?');
      s.destroy();
    });
    s.once('error', (err: Error) => resolve(`error: ${err.message}`));
  });
}

async function starttls(port: number, opts: ClientTls): Promise<string> {
  const c = await RawClient.connect(port);
  await c.reply();
  await c.cmd('EHLO client.example');
  assert.match((await c.cmd('STARTTLS')) ?? '', /^220 /);
  c.socket.removeAllListeners('data');
  return handshake(c.socket, opts);
}

describe('smtpd TLS settings', () => {
  const h = useHarness();

  test('defaults: TLS 1.2 and 1.3 on 465 and 25; TLS 1.1 refused', async () => {
    h.setSettings({});
    assert.equal(await handshake(h.port('submissions'), { maxVersion: 'TLSv1.2' }), 'TLSv1.2');
    assert.equal(await handshake(h.port('submissions'), {}), 'TLSv1.3');
    assert.equal(await starttls(h.port('smtp'), { maxVersion: 'TLSv1.2' }), 'TLSv1.2');
    assert.match(
      await handshake(h.port('submissions'), { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }),
      /^error: /,
    );
  });

  test('smtpd_tls_mandatory_protocols applies to 465, smtpd_tls_protocols to STARTTLS on 25', async () => {
    h.setSettings({ smtpd_tls_mandatory_protocols: '>=TLSv1.3' });
    assert.match(await handshake(h.port('submissions'), { maxVersion: 'TLSv1.2' }), /^error: /);
    assert.equal(await handshake(h.port('submissions'), {}), 'TLSv1.3');
    assert.equal(await starttls(h.port('smtp'), { maxVersion: 'TLSv1.2' }), 'TLSv1.2');
    h.setSettings({ smtpd_tls_protocols: '!SSLv3, !TLSv1, !TLSv1.1, !TLSv1.2' });
    assert.match(await starttls(h.port('smtp'), { maxVersion: 'TLSv1.2' }), /^error: /);
    h.setSettings({});
  });

  test('smtpd_tls_exclude_ciphers: a CBC-only client is refused by default, accepted without exclusions', async () => {
    const cbcOnly: ClientTls = { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA' };
    h.setSettings({});
    assert.match(await handshake(h.port('submissions'), cbcOnly), /^error: /);
    h.setSettings({ smtpd_tls_exclude_ciphers: '' });
    assert.equal(await handshake(h.port('submissions'), cbcOnly), 'TLSv1.2');
    h.setSettings({});
  });
});
