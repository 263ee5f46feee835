// DESIGN §3 rule 6, watched from outside: `postfleet start` (embedded backends)
// runs under strace; a small and a large message are sent over SMTP, and for
// each the log must show its data reaching stable storage between smtpd's 354
// and its "250 2.0.0 Ok: queued as <id>": a WAL flush (fdatasync/fsync of
// pg_wal) by the PostgreSQL server, which holds the queue record and a small
// body; for the large body (a file) also the file's fsync and, after its rename,
// the fsync of the queue blob directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import nodemailer from 'nodemailer';
import {
  EXAMPLE_DOMAIN_YAML,
  freePort,
  makeTempDir,
  startPostfleetProcess,
} from '@postfleet/harness';
import { parseStrace, type TracedCall } from './support/strace-log.ts';

const RCPT = 'rcpt@example.test';

function straceUsable(): boolean {
  const r = spawnSync('strace', ['-f', '-o', '/dev/null', 'true']);
  return r.status === 0;
}

test('embedded: body and queue record are fsynced before the 250 is written (strace)', async (t) => {
  if (!straceUsable()) {
    t.skip('strace is not installed or ptrace is not permitted here (Debian package strace)');
    return;
  }
  const temp = await makeTempDir('postfleet-durability-');
  const configDir = join(temp.path, 'config');
  const dataDir = join(temp.path, 'data');
  const tracePath = join(temp.path, 'strace.log');
  await mkdir(configDir);
  await writeFile(join(configDir, 'domain.yaml'), EXAMPLE_DOMAIN_YAML);
  const smtpPort = await freePort();
  const token = randomBytes(24).toString('base64url');
  const pf = await startPostfleetProcess({
    env: {
      POSTFLEET_DATA_DIR: dataDir,
      POSTFLEET_CONFIG_DIR: configDir,
      POSTFLEET_SMTP_ADDR: `127.0.0.1:${smtpPort}`,
      POSTFLEET_ADMIN_TOKEN: token,
    },
    httpPort: await freePort(),
    readyTimeoutMs: 180_000,
    wrapper: [
      'strace',
      '-f',
      '-y',
      '-qq',
      '-s',
      '80',
      '-e',
      'trace=fsync,fdatasync,write,writev,sendto,sendmsg',
      '-o',
      tracePath,
    ],
  });
  const queueIds: Record<'small' | 'large', string> = { small: '', large: '' };
  try {
    const added = await fetch(`${pf.httpBase}/admin/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ address: RCPT, password: `pw-${randomBytes(8).toString('hex')}` }),
    });
    assert.equal(added.status, 200, await added.text());
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      ignoreTLS: true,
      name: 'client.example',
    });
    const bodies = {
      small: 'on stable storage before 250\n',
      large: `${'x'.repeat(76)}\n`.repeat(6000),
    };
    for (const size of ['small', 'large'] as const) {
      // The user directory reaches smtpd over the bus a moment after the API answers.
      for (let attempt = 0; ; attempt++) {
        try {
          const info = await transport.sendMail({
            from: 'sender@remote.test',
            to: RCPT,
            subject: `durability order, ${size}`,
            text: bodies[size],
          });
          queueIds[size] = /queued as (\S+)/.exec(info.response)?.[1] ?? '';
          break;
        } catch (err) {
          if (attempt >= 40) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      assert.notEqual(queueIds[size], '', `the 250 names the queue id (${size})`);
    }
    transport.close();
  } finally {
    await pf.stop(60_000);
  }

  const calls = parseStrace(await readFile(tracePath, 'utf8'));
  const blobs = join(dataDir, 'blobs');
  const wal = `${join(dataDir, 'postgres', 'pg_wal')}/`;
  for (const size of ['small', 'large'] as const) {
    const queueId = queueIds[size];
    const reply = calls.find(
      (c) => /^write/.test(c.name) && c.args.includes(`250 2.0.0 Ok: queued as ${queueId}`),
    );
    assert.ok(reply, `the 250 for ${queueId} is in the trace`);
    const go = calls
      .filter((c) => /^write/.test(c.name) && c.pid === reply.pid && c.endLine < reply.startLine)
      .filter((c) => c.args.includes('"354 '))
      .at(-1);
    assert.ok(go, `the 354 before ${queueId}'s 250 is in the trace`);
    const between = (c: TracedCall): boolean =>
      c.startLine > go.endLine && c.endLine < reply.startLine;
    const syncs = calls.filter((c) => (c.name === 'fsync' || c.name === 'fdatasync') && between(c));
    const walFlush = syncs.filter((c) => c.args.includes(wal) && c.pid !== reply.pid);
    assert.ok(walFlush.length > 0, `${size}: the PostgreSQL WAL was flushed between 354 and 250`);
    if (size === 'large') {
      const bodySync = syncs.find((c) => c.args.includes(`${join(blobs, '.tmp')}/`));
      assert.ok(bodySync, 'large: a blob file was fsynced between 354 and 250');
      const queueDirSync = syncs.find((c) => c.args.includes(`<${join(blobs, 'queue')}>`));
      assert.ok(queueDirSync, 'large: the queue blob directory was fsynced after its rename');
      assert.ok(
        walFlush.some((c) => c.startLine > queueDirSync.endLine),
        'large: the queue record was committed after its body was durable',
      );
    }
  }
  await temp.remove();
});
