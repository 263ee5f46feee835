// Changes that apply without a restart, on both backend sets: a new myhostname
// reaches the next connection's greeting, and new certificate files on disk are
// presented by the next TLS handshake (STARTTLS on 25 and implicit TLS on 465).
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { makeTestCert } from '@postfleet/harness';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { RawSmtp } from './support/raw-smtp.ts';
import { domain, policy, sleep, user } from './support/scenario.ts';
import {
  BACKEND_LABEL,
  startStack,
  stopSharedBackends,
  type BackendKind,
  type Stack,
} from './support/stack.ts';

/** A fresh self-signed pair for name, written as cert.pem/key.pem under dir (atomically). */
function writeCert(dir: string, name: string): string {
  const pair = makeTestCert(name, 'ec');
  for (const [f, pem] of [
    ['key.pem', pair.key],
    ['cert.pem', pair.cert],
  ] as const) {
    writeFileSync(join(dir, `.${f}`), pem);
    renameSync(join(dir, `.${f}`), join(dir, f));
  }
  return name;
}

/** The CN of the certificate the implicit-TLS listener presents. */
function presentedName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      const cn = s.getPeerCertificate().subject?.CN;
      s.destroy();
      resolve(Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? ''));
    });
    s.once('error', reject);
  });
}

for (const kind of ['embedded', 'real'] as BackendKind[]) {
  describe(`reload without restart ${BACKEND_LABEL[kind]}`, () => {
    let stack: Stack;
    const certDir = mkdtempSync(join(tmpdir(), 'e2e-tls-'));
    before(async () => {
      writeCert(certDir, 'first.example.test');
      stack = await startStack(kind, {
        resources: [
          domain('example.test'),
          user('bob@example.test'),
          policy('all', { parameters: { myhostname: 'mx1.example.test' } }),
        ],
        env: {
          POSTFLEET_TLS_CERT: join(certDir, 'cert.pem'),
          POSTFLEET_TLS_KEY: join(certDir, 'key.pem'),
          POSTFLEET_TLS_POLL_MS: '100',
        },
      });
    });
    after(async () => {
      await stack?.stop();
      rmSync(certDir, { recursive: true, force: true });
      if (kind === 'real') await stopSharedBackends();
    });

    test('a new myhostname is in the next greeting and EHLO reply', async () => {
      const before = await RawSmtp.open(stack.smtpPort);
      assert.match((await before.reply()) ?? '', /^220 mx1\.example\.test /);
      await stack.setConfig([
        domain('example.test'),
        user('bob@example.test'),
        policy('all', { parameters: { myhostname: 'mx2.example.test' } }),
      ]);
      const c = await RawSmtp.open(stack.smtpPort);
      assert.match((await c.reply()) ?? '', /^220 mx2\.example\.test /);
      // cleanup names itself with the new name too (Received: by …, Message-ID)
      await c.cmd('EHLO client.example.org');
      await c.cmd('MAIL FROM:<a@example.org>');
      await c.cmd('RCPT TO:<bob@example.test>');
      await c.cmd('DATA');
      const done = (await c.cmd('Subject: after reload\r\n\r\nhi\r\n.')) ?? '';
      const id = /queued as (\S+)$/.exec(done)?.[1] ?? '';
      assert.ok(id, done);
      const record = await stack.queue.waitFor(id);
      const chunks: Buffer[] = [];
      for await (const b of await stack.running.ports.blob.get(record.blobKey))
        chunks.push(b as Buffer);
      const text = Buffer.concat(chunks).toString('latin1');
      assert.match(text, /Received: from .*\r?\n?\s*by mx2\.example\.test /);
      assert.match(text, /Message-ID: <[^@]+@mx2\.example\.test>/i);
      c.close();
      before.close();
    });

    test('new certificate files are presented by the next handshake', async () => {
      assert.equal(await presentedName(stack.submissionsPort), 'first.example.test');
      writeCert(certDir, 'second.example.test');
      const end = Date.now() + 5_000;
      let name = '';
      while (Date.now() < end) {
        name = await presentedName(stack.submissionsPort);
        if (name === 'second.example.test') break;
        await sleep(100);
      }
      assert.equal(name, 'second.example.test', 'implicit TLS still presents the old certificate');
      // STARTTLS on 25 too
      const c = await RawSmtp.open(stack.smtpPort);
      await c.reply();
      await c.cmd('EHLO client.example.org');
      assert.match((await c.cmd('STARTTLS')) ?? '', /^220 /);
      await c.startTls();
      assert.equal(c.peerCertificateName(), 'second.example.test');
      c.close();
    });
  });
}
