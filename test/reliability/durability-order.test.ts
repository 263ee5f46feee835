// DESIGN §3 rule 6, watched from outside: `postfleet start` (embedded backends)
// runs under strace; one message is sent over SMTP, and the log must show the
// message's data reaching stable storage before smtpd writes its 250: the body's
// fsync and its directory's fsync in the blob store, then a WAL flush
// (fdatasync/fsync of pg_wal) by the PostgreSQL server that holds the queue
// record, then the write of "250 2.0.0 Ok: queued as <id>" to the client.
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
  let queueId = '';
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
    // The user directory reaches smtpd over the bus a moment after the API answers.
    for (let attempt = 0; ; attempt++) {
      try {
        const info = await transport.sendMail({
          from: 'sender@remote.test',
          to: RCPT,
          subject: 'durability order',
          text: 'on stable storage before 250\n',
        });
        queueId = /queued as (\S+)/.exec(info.response)?.[1] ?? '';
        break;
      } catch (err) {
        if (attempt >= 40) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    transport.close();
    assert.notEqual(queueId, '', 'the 250 names the queue id');
  } finally {
    await pf.stop(60_000);
  }

  const calls = parseStrace(await readFile(tracePath, 'utf8'));
  const reply = calls.find(
    (c) => /^write/.test(c.name) && c.args.includes(`250 2.0.0 Ok: queued as ${queueId}`),
  );
  assert.ok(reply, `the 250 for ${queueId} is in the trace`);
  const before = (c: TracedCall): boolean => c.endLine < reply.startLine;
  const blobs = join(dataDir, 'blobs');
  const syncs = calls.filter((c) => (c.name === 'fsync' || c.name === 'fdatasync') && before(c));
  const bodySync = syncs.find((c) => c.args.includes(`${join(blobs, '.tmp')}/`));
  assert.ok(bodySync, 'a blob temp file was fsynced before the 250');
  const queueDirSync = syncs.find((c) => c.args.includes(`<${join(blobs, 'queue')}>`));
  assert.ok(queueDirSync, 'the queue blob directory was fsynced after its rename, before the 250');
  const walFlush = syncs.find(
    (c) =>
      c.args.includes(`${join(dataDir, 'postgres', 'pg_wal')}/`) &&
      c.endLine > queueDirSync.endLine,
  );
  assert.ok(
    walFlush,
    'the PostgreSQL WAL was flushed after the queue blob was durable and before the 250',
  );
  assert.notEqual(walFlush.pid, reply.pid, 'the flush is the database server’s, not smtpd’s');
  await temp.remove();
});
