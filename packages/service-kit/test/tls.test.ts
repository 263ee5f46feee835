// TLS material: generated once and reused in embedded mode, read from the
// Secret's files when POSTFLEET_TLS_CERT/KEY are set, and usable by a real
// TLS handshake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer, connect } from 'node:tls';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@postfleet/harness';
import { loadTlsMaterial } from '../src/tls.ts';

/** A generated pair written as c.pem / k.pem under dir. */
async function writtenPair(dir: string) {
  const gen = await loadTlsMaterial({ env: {}, dataDir: dir, hostname: 'a.example.test' });
  await writeFile(join(dir, 'c.pem'), gen.cert);
  await writeFile(join(dir, 'k.pem'), gen.key);
  return gen;
}

test('embedded: a self-signed certificate is generated once, then reused', async () => {
  const dir = await makeTempDir();
  try {
    const first = await loadTlsMaterial({
      env: {},
      dataDir: dir.path,
      hostname: 'mx.example.test',
    });
    assert.equal(first.source, 'generated self-signed');
    const x = new X509Certificate(first.cert);
    assert.match(x.subjectAltName ?? '', /DNS:mx\.example\.test/);
    assert.ok(x.checkPrivateKey((await import('node:crypto')).createPrivateKey(first.key)));
    const second = await loadTlsMaterial({ env: {}, dataDir: dir.path, hostname: 'other' });
    assert.equal(second.cert, first.cert);
  } finally {
    await dir.remove();
  }
});

test('cluster: certificate and key files from the environment win; half a pair is an error', async () => {
  const dir = await makeTempDir();
  try {
    await writtenPair(dir.path);
    const env = {
      POSTFLEET_TLS_CERT: join(dir.path, 'c.pem'),
      POSTFLEET_TLS_KEY: join(dir.path, 'k.pem'),
    };
    const got = await loadTlsMaterial({ env, dataDir: '/nonexistent', hostname: 'x' });
    assert.equal(got.source, env.POSTFLEET_TLS_CERT);
    await assert.rejects(
      loadTlsMaterial({
        env: { POSTFLEET_TLS_CERT: env.POSTFLEET_TLS_CERT },
        dataDir: dir.path,
        hostname: 'x',
      }),
      /POSTFLEET_TLS_KEY/,
    );
  } finally {
    await dir.remove();
  }
});

test('configured smtpd_tls_cert_file/key_file win over the environment; half a pair is an error', async () => {
  const dir = await makeTempDir();
  try {
    const gen = await writtenPair(dir.path);
    const env = {
      POSTFLEET_TLS_CERT: '/nonexistent/c.pem',
      POSTFLEET_TLS_KEY: '/nonexistent/k.pem',
    };
    const got = await loadTlsMaterial({
      env,
      dataDir: '/nonexistent',
      hostname: 'x',
      certFile: join(dir.path, 'c.pem'),
      keyFile: join(dir.path, 'k.pem'),
    });
    assert.equal(got.source, join(dir.path, 'c.pem'));
    assert.equal(got.key, gen.key);
    await assert.rejects(
      loadTlsMaterial({
        env: {},
        dataDir: dir.path,
        hostname: 'x',
        certFile: join(dir.path, 'c.pem'),
      }),
      /smtpd_tls_cert_file and smtpd_tls_key_file/,
    );
  } finally {
    await dir.remove();
  }
});

test('the generated material completes a TLS handshake', async () => {
  const dir = await makeTempDir();
  const tls = await loadTlsMaterial({ env: {}, dataDir: dir.path, hostname: 'localhost' });
  const server = createServer({ key: tls.key, cert: tls.cert }, (s) => s.end('hello'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const text = await new Promise<string>((resolve, reject) => {
      const c = connect({ port, host: '127.0.0.1', ca: tls.cert, servername: 'localhost' }, () => {
        assert.ok(c.authorized, 'certificate should verify against itself as CA');
      });
      let buf = '';
      c.on('data', (d: Buffer) => (buf += d.toString()));
      c.on('end', () => resolve(buf));
      c.on('error', reject);
    });
    assert.equal(text, 'hello');
  } finally {
    server.close();
    await dir.remove();
  }
});
