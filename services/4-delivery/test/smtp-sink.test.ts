// The smtp and lmtp transports against Postfix's own smtp-sink (Debian's postfix package):
// a real, independent peer that dumps each transaction to a file, so the envelope and
// body it saw can be compared with what was sent. Skipped when smtp-sink is not installed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createResolver } from '@postfleet/dns';
import { freePort, makeTempDir, type TempDir } from '@postfleet/harness';
import { createSmtpTransport } from '../src/smtp-transport.ts';
import { makeJob, silentLog } from './helpers/smtp-peer.ts';

const SINK = '/usr/sbin/smtp-sink';
const sinks: { child: ChildProcess; dir: TempDir }[] = [];

after(async () => {
  for (const s of sinks) {
    s.child.kill();
    await s.dir.remove();
  }
});

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** smtp-sink on a free port, dumping transactions under a fresh directory. */
async function startSink(
  extra: string[] = [],
): Promise<{ port: number; dumps: () => Promise<string[]> }> {
  const dir = await makeTempDir('smtp-sink-');
  await chmod(dir.path, 0o777);
  const port = await freePort();
  const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child = spawn(
    SINK,
    [
      ...user,
      ...extra,
      '-h',
      'sink.example.test',
      '-d',
      `${dir.path}/%M.`,
      `127.0.0.1:${port}`,
      '10',
    ],
    { stdio: 'ignore' },
  );
  sinks.push({ child, dir });
  for (let i = 0; i < 100 && !(await listening(port)); i++) await sleep(20);
  return {
    port,
    dumps: async () => {
      const names = (await readdir(dir.path)).sort();
      return Promise.all(names.map((n) => readFile(join(dir.path, n), 'latin1')));
    },
  };
}

const BODY = Buffer.from(
  'From: alice@client.example.test\r\nTo: bob@example.test\r\nSubject: sink\r\n\r\n' +
    '.a line that starts with a dot\r\nlast line\r\n',
);

test('smtp to Postfix smtp-sink: sent, and the dump holds the envelope and body', async (t) => {
  if (!existsSync(SINK)) return t.skip(`${SINK} not installed (Debian package postfix)`);
  const sink = await startSink();
  const smtp = createSmtpTransport({
    resolver: createResolver({ servers: ['127.0.0.1:9'], cacheTtlMs: 0 }),
    settings: () => ({ myhostname: 'client.example.test', smtp_connection_cache_time_limit: '0s' }),
    log: silentLog,
  });
  try {
    const r = await smtp(
      makeJob(`[127.0.0.1]:${sink.port}`, ['bob@example.test', 'carol@example.test'], {
        body: BODY,
      }),
    );
    assert.deepEqual(
      r.map((x) => [x.status, x.dsn, x.relay]),
      [
        ['sent', '2.0.0', `127.0.0.1[127.0.0.1]:${sink.port}`],
        ['sent', '2.0.0', `127.0.0.1[127.0.0.1]:${sink.port}`],
      ],
    );
    assert.match(r[0]?.reply ?? '', /^250 2\.0\.0 Ok/);
    let dumps: string[] = [];
    for (let i = 0; i < 50 && dumps.length === 0; i++) {
      await sleep(20);
      dumps = await sink.dumps();
    }
    assert.equal(dumps.length, 1);
    const dump = dumps[0] ?? '';
    assert.match(dump, /X-Helo-Args: client\.example\.test/);
    assert.match(dump, /^X-Mail-Args: <alice@client\.example\.test>$/m);
    // smtp-sink offers DSN: ORCPT goes with each recipient
    assert.match(dump, /^X-Rcpt-Args: <bob@example\.test> ORCPT=rfc822;bob@example\.test$/m);
    assert.match(dump, /^X-Rcpt-Args: <carol@example\.test> ORCPT=rfc822;carol@example\.test$/m);
    // the dump stores lines with LF; the leading dot arrived unstuffed
    const body = BODY.toString('latin1').replace(/\r\n/g, '\n');
    assert.ok(dump.includes(body), 'the body reached smtp-sink unchanged');
  } finally {
    await smtp.close();
  }
});

test('lmtp to smtp-sink -L: one 250 reply per recipient after DATA', async (t) => {
  if (!existsSync(SINK)) return t.skip(`${SINK} not installed (Debian package postfix)`);
  const sink = await startSink(['-L']);
  const lmtp = createSmtpTransport({
    resolver: createResolver({ servers: ['127.0.0.1:9'], cacheTtlMs: 0 }),
    settings: () => ({ myhostname: 'client.example.test', smtp_connection_cache_time_limit: '0s' }),
    log: silentLog,
    lmtp: true,
  });
  try {
    const r = await lmtp(
      makeJob(`inet:127.0.0.1:${sink.port}`, ['a@example.test', 'b@example.test']),
    );
    assert.deepEqual(
      r.map((x) => x.status),
      ['sent', 'sent'],
    );
  } finally {
    await lmtp.close();
  }
});

test('smtp-sink rejecting commands: -f RCPT bounces (5xx), -r MAIL defers (4xx)', async (t) => {
  if (!existsSync(SINK)) return t.skip(`${SINK} not installed (Debian package postfix)`);
  const hard = await startSink(['-f', 'RCPT']);
  const soft = await startSink(['-r', 'MAIL']);
  const smtp = createSmtpTransport({
    resolver: createResolver({ servers: ['127.0.0.1:9'], cacheTtlMs: 0 }),
    settings: () => ({ myhostname: 'client.example.test', smtp_connection_cache_time_limit: '0s' }),
    log: silentLog,
  });
  try {
    const bounced = await smtp(makeJob(`[127.0.0.1]:${hard.port}`, ['bob@example.test']));
    assert.equal(bounced[0]?.status, 'bounced');
    assert.match(
      bounced[0]?.reply ?? '',
      /^host 127\.0\.0\.1\[127\.0\.0\.1\] said: 5\d\d 5\.\d+\.\d+ .* \(in reply to RCPT TO command\)$/,
    );
    const deferred = await smtp(makeJob(`[127.0.0.1]:${soft.port}`, ['bob@example.test']));
    assert.equal(deferred[0]?.status, 'deferred');
    assert.match(deferred[0]?.reply ?? '', /\(in reply to MAIL FROM command\)$/);
  } finally {
    await smtp.close();
  }
});
