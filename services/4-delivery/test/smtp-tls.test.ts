// STARTTLS per smtp_tls_security_level and the per-destination policy, against smtp-server
// with certificates made at test time: may (and its plaintext retry after a failed
// handshake), encrypt (TLS required, any certificate), verify (CA and MX host name).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createResolver, type Resolver } from '@postfleet/dns';
import {
  makeTempDir,
  makeTestCert,
  startDnsServer,
  type DnsServerHandle,
  type TempDir,
} from '@postfleet/harness';
import { createSmtpTransport, type SmtpTransport } from '../src/smtp-transport.ts';
import type { TlsLevel } from '../src/smtp-tls-policy.ts';
import { makeJob, silentLog, startPeer, type Peer, type PeerScript } from './helpers/smtp-peer.ts';

let dns: DnsServerHandle;
let resolver: Resolver;
let dir: TempDir;
let good: { key: Buffer; cert: Buffer };
let wrongName: { key: Buffer; cert: Buffer };
let caFile: string;
const transports: SmtpTransport[] = [];
const peers: Peer[] = [];

before(async () => {
  dns = await startDnsServer([
    { name: 'example.test', type: 'MX', value: 'mx.example.test', priority: 10 },
    { name: 'mx.example.test', type: 'A', value: '127.0.0.1' },
  ]);
  resolver = createResolver({ servers: [dns.address], cacheTtlMs: 0 });
  dir = await makeTempDir('smtp-tls-');
  good = makeTestCert('mx.example.test', 'ec');
  wrongName = makeTestCert('other.example.test', 'ec');
  caFile = join(dir.path, 'ca.pem');
  await writeFile(caFile, Buffer.concat([good.cert, wrongName.cert]));
});
after(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(peers.map((p) => p.close()));
  await dns?.stop();
  await dir?.remove();
});

function transport(
  settings: Record<string, string> = {},
  tlsPolicy?: (domain: string) => TlsLevel | undefined,
): SmtpTransport {
  const t = createSmtpTransport({
    resolver,
    settings: () => ({
      myhostname: 'client.example.test',
      smtp_connection_cache_time_limit: '0s',
      smtp_helo_timeout: '10s',
      ...settings,
    }),
    log: silentLog,
    ...(tlsPolicy ? { tlsPolicy } : {}),
  });
  transports.push(t);
  return t;
}

async function peer(script: PeerScript = {}): Promise<Peer> {
  const p = await startPeer(script);
  peers.push(p);
  return p;
}

const job = (p: Peer) => makeJob(`example.test:${p.port}`, ['bob@example.test']);

test('may: STARTTLS when offered, plaintext when not', async () => {
  const tls = await peer({ tls: good });
  const r = await transport()(job(tls));
  assert.equal(r[0]?.status, 'sent');
  assert.equal(tls.received[0]?.secure, true);

  const clear = await peer();
  assert.equal((await transport()(job(clear)))[0]?.status, 'sent');
  assert.equal(clear.received[0]?.secure, false);
});

test('may: a failed TLS handshake is retried on a fresh connection without TLS', async () => {
  // the server speaks only TLS 1.1 or older, which the client refuses
  const old = await peer({ tls: { ...good, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' } });
  const r = await transport()(job(old));
  assert.equal(r[0]?.status, 'sent', r[0]?.reply);
  assert.equal(old.connections, 2);
  assert.equal(old.received[0]?.secure, false);

  const required = await transport({ smtp_tls_security_level: 'encrypt' })(job(old));
  assert.deepEqual(
    [required[0]?.status, required[0]?.dsn, required[0]?.reply],
    ['deferred', '4.7.5', 'Cannot start TLS: handshake failure'],
  );
  assert.equal(old.received.length, 1);
});

test('encrypt: TLS required (any certificate); a server without STARTTLS is deferred', async () => {
  const tls = await peer({ tls: wrongName });
  const ok = await transport({ smtp_tls_security_level: 'encrypt' })(job(tls));
  assert.equal(ok[0]?.status, 'sent');
  assert.equal(tls.received[0]?.secure, true);

  const clear = await peer();
  const r = await transport({ smtp_tls_security_level: 'encrypt' })(job(clear));
  assert.deepEqual(r[0], {
    index: 0,
    status: 'deferred',
    dsn: '4.7.4',
    reply: 'TLS is required, but was not offered by host mx.example.test[127.0.0.1]',
    relay: `mx.example.test[127.0.0.1]:${clear.port}`,
  });
  assert.equal(clear.received.length, 0);
});

test('verify: the certificate must chain to smtp_tls_CAfile and name the MX host', async () => {
  const named = await peer({ tls: good });
  const ok = await transport({ smtp_tls_security_level: 'verify', smtp_tls_CAfile: caFile })(
    job(named),
  );
  assert.equal(ok[0]?.status, 'sent', ok[0]?.reply);
  assert.equal(named.received[0]?.secure, true);

  const misnamed = await peer({ tls: wrongName });
  const r = await transport({ smtp_tls_security_level: 'verify', smtp_tls_CAfile: caFile })(
    job(misnamed),
  );
  assert.deepEqual(
    [r[0]?.status, r[0]?.dsn, r[0]?.reply],
    ['deferred', '4.7.5', 'Server certificate not verified'],
  );
  assert.equal(misnamed.received.length, 0);

  // without the CA file only the system CAs count: the self-made CA is not one of them
  const untrusted = await transport({ smtp_tls_security_level: 'verify' })(job(named));
  assert.equal(untrusted[0]?.status, 'deferred');
  assert.equal(named.received.length, 1);
});

test('the per-destination policy overrides smtp_tls_security_level', async () => {
  const clear = await peer();
  const relaxed = await transport({ smtp_tls_security_level: 'encrypt' }, (d) =>
    d === 'example.test' ? 'none' : undefined,
  )(job(clear));
  assert.equal(relaxed[0]?.status, 'sent');

  const tls = await peer({ tls: good });
  const strict = await transport(
    { smtp_tls_security_level: 'none', smtp_tls_CAfile: caFile },
    (d) => (d === 'example.test' ? 'verify' : undefined),
  )(job(tls));
  assert.equal(strict[0]?.status, 'sent');
  assert.equal(tls.received[0]?.secure, true);
  const none = await transport({ smtp_tls_security_level: 'none' })(job(tls));
  assert.equal(none[0]?.status, 'sent');
  assert.equal(tls.received[1]?.secure, false);
});
