// header_checks(5) / body_checks actions cleanup used to drop (BCC, FILTER, INFO) or
// lacked (PASS, STRIP), smtpd's access BCC / FILTER carried into the queue record, and
// unqualified addresses completed with $myorigin (append_at_myorigin), not $myhostname.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  decodeQueueRecord,
  newQueueId,
  type CleanupRequest,
  type QueueRecord,
  queueSubject,
  QUEUE_STREAM_SPEC,
  rawBlobKey,
} from '@postfleet/queue-record';
import { CHECK_ACTIONS, type RuntimeConfig } from '@postfleet/config';
import { CHECK_ACTION_PARSERS } from '../src/cleanup-checks.ts';
import { cleanupMessage, type CleanupDeps } from '../src/cleanup-service.ts';
import {
  captureLog,
  makeConfig,
  readAll,
  startBackends,
  type Backends,
  MAIL_CLIENT,
} from './fixtures.ts';

let b: Backends;
before(async () => {
  b = await startBackends();
  await b.bus.ensureStream(QUEUE_STREAM_SPEC);
});
after(async () => {
  await b?.close();
});

const users = ['alice@example.test', 'bob@example.test', 'audit@example.test', 'root@example.test'];

async function run(
  config: RuntimeConfig,
  headers: string,
  body = 'Hello.\r\n',
  over: Partial<CleanupRequest> = {},
): Promise<{ record: QueueRecord | undefined; lines: string[]; stored: string }> {
  const queueId = newQueueId();
  const rawKey = rawBlobKey(queueId);
  const stat = await b.blob.put(rawKey, Buffer.from(`${headers}\r\n\r\n${body}`));
  const log = captureLog();
  const deps: CleanupDeps = {
    bus: b.bus,
    blob: b.blob,
    config: () => config,
    log: log.log,
    myhostname: 'mx.example.test',
  };
  const reply = await cleanupMessage(deps, {
    queueId,
    sender: 'carol@example.net',
    recipients: [{ address: 'alice@example.test', notify: ['FAILURE'] }],
    rawBlobKey: rawKey,
    rawSize: stat.size,
    arrivalTime: new Date().toISOString(),
    client: MAIL_CLIENT,
    ...over,
  });
  const pub = b.published.find((p) => p.subject === queueSubject('incoming', queueId));
  const record = pub ? decodeQueueRecord(pub.data) : undefined;
  const stored =
    reply.status === 'queued' && record
      ? (await readAll(await b.blob.get(record.blobKey))).toString()
      : '';
  return { record, lines: log.lines().map((l) => l.msg), stored };
}

test('the content-check action table implements exactly the actions the compiler accepts', () => {
  assert.deepEqual(Object.keys(CHECK_ACTION_PARSERS).sort(), [...CHECK_ACTIONS].sort());
});

test('header_checks BCC adds a NOTIFY=NEVER recipient (was silently ignored)', async () => {
  const config = makeConfig({
    users,
    policy: { header_checks: [{ pattern: '/^Subject: audit/', action: 'BCC audit@example.test' }] },
  });
  const { record, lines } = await run(config, 'From: carol@example.net\r\nSubject: audit me');
  assert.deepEqual(record?.recipients, [
    { address: 'alice@example.test', original: 'alice@example.test', notify: ['FAILURE'] },
    { address: 'audit@example.test', original: 'audit@example.test', notify: ['NEVER'] },
  ]);
  assert.ok(lines.some((l) => l.includes('bcc: audit@example.test')));
});

test('body_checks FILTER goes into the queue record; the last FILTER wins (was dropped)', async () => {
  const config = makeConfig({
    users,
    policy: {
      body_checks: [
        { pattern: '/^scan me/', action: 'FILTER smtp:[127.0.0.1]:10025' },
        { pattern: '/^and me/', action: 'FILTER lmtp:unix:/run/filter' },
      ],
    },
  });
  const { record } = await run(config, 'Subject: x', 'scan me\r\nand me\r\n');
  assert.equal(record?.filter, 'lmtp:unix:/run/filter');
});

test("smtpd's access BCC and FILTER reach the queue record; REDIRECT overrides FILTER", async () => {
  const config = makeConfig({ users });
  const { record } = await run(config, 'Subject: x', undefined, {
    bcc: ['audit@example.test', 'alice@example.test'],
    filter: 'smtp:[127.0.0.1]:10026',
  });
  assert.deepEqual(
    record?.recipients.map((r) => [r.address, r.notify]),
    [
      ['alice@example.test', ['FAILURE']],
      ['audit@example.test', ['NEVER']],
    ],
  );
  assert.equal(record?.filter, 'smtp:[127.0.0.1]:10026');
  const redirected = await run(config, 'Subject: x', undefined, {
    filter: 'smtp:[127.0.0.1]:10026',
    redirect: 'bob@example.test',
  });
  assert.equal(redirected.record?.filter, undefined);
  assert.deepEqual(
    redirected.record?.recipients.map((r) => r.address),
    ['bob@example.test'],
  );
});

test('INFO logs an info: record; STRIP logs and deletes the line', async () => {
  const config = makeConfig({
    users,
    policy: {
      header_checks: [
        { pattern: '/^X-Mailer:/', action: 'INFO mailer seen' },
        { pattern: '/^X-Tracking:/', action: 'STRIP tracker' },
      ],
    },
  });
  const { record, lines, stored } = await run(
    config,
    'Subject: x\r\nX-Mailer: m1\r\nX-Tracking: abc',
  );
  assert.ok(record);
  assert.ok(
    lines.some((l) => /info: header: X-Mailer: m1: mailer seen/.test(l)),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => /strip: header: X-Tracking: abc: tracker/.test(l)),
    lines.join('\n'),
  );
  assert.match(stored, /\r\nX-Mailer: m1\r\n/);
  assert.doesNotMatch(stored, /X-Tracking/);
});

test('PASS turns off header and body inspection for the rest of the message', async () => {
  const config = makeConfig({
    users,
    policy: {
      header_checks: [
        { pattern: '/^X-Trusted: yes/', action: 'PASS trusted sender' },
        { pattern: '/^Subject: spam/', action: 'REJECT spam' },
      ],
      body_checks: [{ pattern: '/viagra/', action: 'REJECT body spam' }],
    },
  });
  const passed = await run(config, 'X-Trusted: yes\r\nSubject: spam', 'viagra\r\n');
  assert.ok(passed.record, 'queued');
  assert.ok(passed.lines.some((l) => l.includes('pass: header: X-Trusted: yes: trusted sender')));
  const checked = await run(config, 'Subject: hello', 'viagra\r\n');
  assert.equal(checked.record, undefined, 'without PASS the body rule rejects');
});

test('unqualified addresses get @$myorigin, not @$myhostname', async () => {
  const config = makeConfig({
    users,
    settings: { myhostname: 'mx.example.test', mydomain: 'example.test', myorigin: '$mydomain' },
  });
  const { record } = await run(config, 'Subject: x', undefined, {
    sender: 'daemon',
    recipients: [{ address: 'root' }],
  });
  assert.equal(record?.sender, 'daemon@example.test');
  assert.deepEqual(
    record?.recipients.map((r) => r.address),
    ['root@example.test'],
  );
  // the default $myorigin is $myhostname
  const byDefault = await run(makeConfig({ users }), 'Subject: x', undefined, { sender: 'daemon' });
  assert.equal(byDefault.record?.sender, 'daemon@mx.example.test');
});
