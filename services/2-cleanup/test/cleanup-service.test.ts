// The cleanup service on the real embedded bus and filesystem blob store:
// the queue record on the QUEUE stream, REJECT / DISCARD leaving nothing,
// tempfail when the blob store fails, bounded memory for a 50 MiB message,
// a header folded 100,000 times (fast, never stalling the event loop, cut at
// header_size_limit), and local submission with sendmail -t.
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Subscription } from '@postfleet/bus';
import {
  CLEANUP_SUBJECT,
  decodeCleanupReply,
  decodeQueueRecord,
  encodeJson,
  newQueueId,
  type CleanupReply,
  type CleanupRequest,
  type QueueRecord,
  rawBlobKey,
  queueSubjectFilter,
  queueBlobKey,
  RAW_BLOB_PREFIX,
  queueSubject,
  QUEUE_STREAM,
} from '@postfleet/queue-record';
import { createFsBlobStore } from '@postfleet/blob';
import { cleanupMessage, startCleanupService } from '../src/cleanup-service.ts';
import { submitMessage } from '../src/sendmail.ts';
import {
  captureLog,
  makeConfig,
  readAll,
  startBackends,
  type Backends,
  cleanupDeps,
  requestToBob,
  MAIL_CLIENT,
  UNKNOWN_CLIENT,
  REJECT_AND_DROP_CHECKS,
} from './fixtures.ts';

const config = makeConfig({
  users: ['alice@example.test', 'bob@example.test'],
  addressMaps: {
    v: {
      kind: 'virtual',
      type: 'hash',
      entries: [
        { pattern: 'team@example.test', result: ['alice@example.test', 'bob@example.test'] },
      ],
    },
  },
  policy: REJECT_AND_DROP_CHECKS,
});

let b: Backends;
let service: { stop(): Promise<void> };
let consumer: Subscription;
const records = new Map<string, QueueRecord>();

before(async () => {
  b = await startBackends();
  service = await startCleanupService(cleanupDeps(b, config));
  consumer = await b.bus.consume(
    { stream: QUEUE_STREAM, name: 'test-qmgr', filterSubject: queueSubjectFilter('incoming') },
    async (m) => {
      const r = decodeQueueRecord(m.data);
      records.set(r.queueId, r);
      await m.ack();
    },
  );
});

after(async () => {
  await consumer?.stop();
  await service?.stop();
  await b?.close();
});

async function waitForRecord(queueId: string, ms = 10_000): Promise<QueueRecord> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const r = records.get(queueId);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`no queue record for ${queueId} on the stream`);
}

function message(subject: string, body = 'Hello.\r\n'): Buffer {
  return Buffer.from(
    `From: carol@example.net\r\nTo: team@example.test\r\nSubject: ${subject}\r\n\r\n${body}`,
  );
}

async function submit(
  raw: Buffer | Readable,
  over: Partial<CleanupRequest> = {},
): Promise<{ req: CleanupRequest; reply: CleanupReply }> {
  const queueId = newQueueId();
  const rawKey = rawBlobKey(queueId);
  const stat = await b.blob.put(rawKey, raw);
  const req: CleanupRequest = {
    queueId,
    sender: 'carol@example.net',
    recipients: [
      { address: 'team@example.test', orcpt: 'rfc822;team@example.test', notify: ['FAILURE'] },
    ],
    rawBlobKey: rawKey,
    rawSize: stat.size,
    arrivalTime: new Date().toISOString(),
    client: { ...MAIL_CLIENT, helo: 'mail.example.net', saslUser: 'carol' },
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    ...over,
  };
  const reply = decodeCleanupReply(
    await b.bus.request(CLEANUP_SUBJECT, encodeJson(req), { timeoutMs: 120_000 }),
  );
  return { req, reply };
}

test('queued: the incoming queue record carries envelope, DSN, client and trace; canonical blob written, raw left to the submitter', async () => {
  const { req, reply } = await submit(message('hello'));
  assert.equal(reply.status, 'queued');
  const r = await waitForRecord(req.queueId);
  assert.equal(r.sender, 'carol@example.net');
  assert.deepEqual(r.recipients, [
    {
      address: 'alice@example.test',
      original: 'team@example.test',
      orcpt: 'rfc822;team@example.test',
      notify: ['FAILURE'],
    },
    {
      address: 'bob@example.test',
      original: 'team@example.test',
      orcpt: 'rfc822;team@example.test',
      notify: ['FAILURE'],
    },
  ]);
  assert.equal(r.blobKey, queueBlobKey(req.queueId));
  assert.equal(r.arrivalTime, req.arrivalTime);
  assert.deepEqual(r.client, req.client);
  assert.equal(r.traceparent, req.traceparent);
  assert.equal(r.hold, undefined);
  const stored = await readAll(await b.blob.get(r.blobKey));
  assert.equal(r.size, stored.length);
  assert.equal(reply.status === 'queued' && reply.size, stored.length);
  assert.match(
    stored.toString(),
    /^Received: from mail\.example\.net \(mail\.example\.net \[192\.0\.2\.7\]\)\r\n/,
  );
  assert.match(
    stored.toString(),
    new RegExp(`\\r\\nMessage-ID: <${req.queueId}@mx\\.example\\.test>\\r\\n`),
  );
  assert.equal(
    await b.blob.exists(req.rawBlobKey),
    true,
    'cleanup leaves the raw blob to its submitter',
  );
  const pub = b.published.find((p) => p.subject === queueSubject('incoming', req.queueId));
  assert.equal(pub?.opts?.msgId, req.queueId, 'queue id is the dedupe id');
});

test('hold from smtpd access HOLD is kept in the record', async () => {
  const { req, reply } = await submit(message('held'), {
    hold: true,
    holdReason: 'client 192.0.2.7: held by access map',
  });
  assert.equal(reply.status, 'queued');
  const r = await waitForRecord(req.queueId);
  assert.equal(r.hold, true);
  assert.equal(r.holdReason, 'client 192.0.2.7: held by access map');
});

test('REJECT: 550 5.7.1 with the rule text, no record, no canonical blob', async () => {
  const before = b.published.length;
  const { req, reply } = await submit(message('reject me'));
  assert.deepEqual(reply, {
    status: 'rejected',
    code: 550,
    enhanced: '5.7.1',
    text: 'Not wanted here',
  });
  assert.equal(b.published.length, before);
  assert.equal(await b.blob.exists(queueBlobKey(req.queueId)), false);
  assert.equal(
    await b.blob.exists(req.rawBlobKey),
    true,
    'cleanup leaves the raw blob to its submitter',
  );
});

test('DISCARD by header rule and by smtpd access DISCARD: discarded, nothing queued', async () => {
  const before = b.published.length;
  const one = await submit(message('drop me'));
  assert.deepEqual(one.reply, { status: 'discarded', queueId: one.req.queueId });
  const two = await submit(message('fine'), { discard: true });
  assert.deepEqual(two.reply, { status: 'discarded', queueId: two.req.queueId });
  assert.equal(b.published.length, before);
  assert.equal(await b.blob.exists(queueBlobKey(one.req.queueId)), false);
  assert.equal(await b.blob.exists(queueBlobKey(two.req.queueId)), false);
});

test('size limit on the canonical message: 552 5.3.4', async () => {
  const { req, reply } = await submit(message('big', 'x'.repeat(5000) + '\r\n'), {
    sizeLimit: 2000,
  });
  assert.deepEqual(reply, {
    status: 'rejected',
    code: 552,
    enhanced: '5.3.4',
    text: 'Message size exceeds fixed limit',
  });
  assert.equal(await b.blob.exists(queueBlobKey(req.queueId)), false);
});

test('a message of exactly the size limit is accepted; one byte more is 552 5.3.4', async () => {
  const exact = message('exact', 'x'.repeat(500) + '\r\n');
  const ok = await submit(exact, { sizeLimit: exact.length });
  assert.equal(ok.reply.status, 'queued', JSON.stringify(ok.reply));
  const over = await submit(message('exact', 'x'.repeat(501) + '\r\n'), {
    sizeLimit: exact.length,
  });
  assert.equal(over.reply.status, 'rejected');
});

test('deadline passed before the publish: tempfail, no record, no blobs (smtpd has answered 451)', async () => {
  const { req, reply } = await submit(message('late'), { deadline: Date.now() - 1 });
  assert.equal(reply.status, 'tempfail');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(records.has(req.queueId), false, 'a record was published after the deadline');
  assert.equal(await b.blob.exists(queueBlobKey(req.queueId)), false);
  assert.equal(
    await b.blob.exists(req.rawBlobKey),
    true,
    'cleanup leaves the raw blob to its submitter',
  );
});

test('tempfail: missing raw blob, and a blob store that cannot write queue/ (451 4.3.0 path), leave no record', async () => {
  const before = b.published.length;
  const missing = decodeCleanupReply(
    await b.bus.request(
      CLEANUP_SUBJECT,
      encodeJson({
        queueId: newQueueId(),
        sender: '',
        recipients: [{ address: 'bob@example.test' }],
        rawBlobKey: `${RAW_BLOB_PREFIX}absent`,
        rawSize: 1,
        arrivalTime: new Date().toISOString(),
        client: UNKNOWN_CLIENT,
      }),
      { timeoutMs: 30_000 },
    ),
  );
  assert.equal(missing.status, 'tempfail');

  // A second cleanup whose blob directory has a plain file where queue/ must be: every canonical put fails.
  const dir = join(b.blobDir, '..', 'broken');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'queue'), 'not a directory');
  const broken = createFsBlobStore(dir);
  const queueId = newQueueId();
  await broken.put(rawBlobKey(queueId), message('hello'));
  const reply = await cleanupMessage(
    {
      bus: b.bus,
      blob: broken,
      config: () => config,
      log: captureLog().log,
      myhostname: 'mx.example.test',
    },
    requestToBob(queueId, { rawSize: 10 }),
  );
  assert.equal(reply.status, 'tempfail');
  assert.equal(b.published.length, before);
  await broken.close();
});

test('publish failure (no QUEUE stream on this bus): tempfail, canonical blob kept for GC, never a record without its blob', async () => {
  const other = await startBackends();
  try {
    const queueId = newQueueId();
    await other.blob.put(rawBlobKey(queueId), message('hello'));
    const reply = await cleanupMessage(
      cleanupDeps(other, config),
      requestToBob(queueId, { rawSize: 10 }),
    );
    assert.deepEqual(reply, { status: 'tempfail', text: 'Error: queue file publish error' });
    assert.equal(other.published.length, 1, 'publish was attempted');
    assert.equal(await other.blob.exists(queueBlobKey(queueId)), true);
  } finally {
    await other.close();
  }
});

/** Peak live memory (heap after a full collection, plus Buffers) while fn runs, in MiB. */
async function peakMemory<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; heap: number; buffers: number; seconds: number }> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakBuffers = base.arrayBuffers;
  const sampler = setInterval(() => {
    gc();
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
  }, 250);
  const started = Date.now();
  try {
    const result = await fn();
    return {
      result,
      heap: (peakHeap - base.heapUsed) / 1048576,
      buffers: (peakBuffers - base.arrayBuffers) / 1048576,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** A 50 MiB base64 message generated on the fly (never held in memory whole). */
function largeMessage(): Readable {
  const line = Buffer.from(`${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo'.repeat(3).slice(0, 76)}\r\n`);
  const batch = Buffer.concat(new Array<Buffer>(840).fill(line)); // 64 KiB
  const header = Buffer.from(
    'From: carol@example.net\r\nTo: bob@example.test\r\nSubject: large\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n',
  );
  return Readable.from(
    (function* () {
      yield header;
      for (let sent = 0; sent < 50 * 1024 * 1024; sent += batch.length) yield batch;
    })(),
  );
}

test(
  'a 50 MiB message streams through cleanup with bounded memory (service path, and with body_checks)',
  { timeout: 300_000 },
  async () => {
    const plain = await peakMemory(() =>
      submit(largeMessage(), { recipients: [{ address: 'bob@example.test' }] }),
    );
    assert.equal(plain.result.reply.status, 'queued', JSON.stringify(plain.result.reply));
    const stat = await b.blob.stat(queueBlobKey(plain.result.req.queueId));
    assert.ok(stat && stat.size > 50 * 1024 * 1024, 'whole message stored');
    await b.blob.delete(queueBlobKey(plain.result.req.queueId));

    const checked = makeConfig({
      users: ['bob@example.test'],
      policy: { body_checks: [{ pattern: '/^this line never appears$/', action: 'REJECT never' }] },
    });
    const queueId = newQueueId();
    const withChecks = await peakMemory(async () => {
      await b.blob.put(rawBlobKey(queueId), largeMessage());
      return cleanupMessage(cleanupDeps(b, checked), requestToBob(queueId, { rawSize: 0 }));
    });
    assert.equal(withChecks.result.status, 'queued', JSON.stringify(withChecks.result));
    await b.blob.delete(queueBlobKey(queueId));

    for (const [name, m] of [
      ['no body_checks', plain],
      ['body_checks', withChecks],
    ] as const) {
      console.log(
        `50 MiB message, ${name}: ${m.seconds.toFixed(1)} s, peak live heap +${m.heap.toFixed(1)} MiB, peak Buffers +${m.buffers.toFixed(1)} MiB`,
      );
      assert.ok(
        m.heap + m.buffers < 16,
        `${name}: memory grew by ${(m.heap + m.buffers).toFixed(1)} MiB`,
      );
    }
  },
);

/** Cleans one raw message straight through cleanupMessage; the canonical message, or the reply. */
async function cleanDirect(
  raw: Buffer,
  cfg = config,
): Promise<{ reply: CleanupReply; stored: string | null }> {
  const queueId = newQueueId();
  await b.blob.put(rawBlobKey(queueId), raw);
  const reply = await cleanupMessage(
    cleanupDeps(b, cfg),
    requestToBob(queueId, { rawSize: raw.length }),
  );
  if (reply.status !== 'queued') return { reply, stored: null };
  const stored = (await readAll(await b.blob.get(queueBlobKey(queueId)))).toString('latin1');
  await b.blob.delete(queueBlobKey(queueId));
  return { reply, stored };
}

test('a 5 MiB header block (5,120 headers of 1 KiB): refused at the header limit without long stalls', async () => {
  const value = 'v'.repeat(1024 - 20);
  let text = 'From: carol@example.net\r\nTo: bob@example.test\r\n';
  for (let i = 0; i < 5120; i++) text += `X-Big-${i}: ${value}\r\n`;
  const raw = Buffer.from(`${text}\r\nbody\r\n`);
  let maxLag = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 10);
    last = now;
  }, 10);
  let result: Awaited<ReturnType<typeof cleanDirect>>;
  try {
    result = await cleanDirect(raw);
  } finally {
    clearInterval(timer);
  }
  console.log(`5 MiB header block: ${result.reply.status}, longest stall ${maxLag.toFixed(0)} ms`);
  assert.ok(maxLag < 50, `the event loop stalled for ${maxLag.toFixed(0)} ms`);
});

test('a ~400 KiB header folded 100,000 times: well under a second, the event loop keeps turning, cut at header_size_limit', async () => {
  const folded = `X-Fold: start${'\r\n b'.repeat(100_000)}\r\n`;
  const raw = Buffer.from(
    `From: carol@example.net\r\nTo: bob@example.test\r\n${folded}Subject: after\r\n\r\nbody\r\n`,
  );
  let maxLag = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 10);
    last = now;
  }, 10);
  const started = performance.now();
  let result: Awaited<ReturnType<typeof cleanDirect>>;
  try {
    result = await cleanDirect(raw);
  } finally {
    clearInterval(timer);
  }
  const elapsed = performance.now() - started;
  console.log(
    `100,000 folds: ${elapsed.toFixed(0)} ms, longest event-loop stall ${maxLag.toFixed(0)} ms`,
  );
  assert.equal(result.reply.status, 'queued', JSON.stringify(result.reply));
  assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
  assert.ok(maxLag < 200, `the event loop stalled for ${maxLag.toFixed(0)} ms`);
  const text = result.stored ?? '';
  const start = text.indexOf('X-Fold: start');
  const end = text.indexOf('\r\nSubject: after\r\n');
  assert.ok(start > 0 && end > start, 'the folded header and the one after it are there');
  // header_size_limit (102400 by default) counts each fold as one byte, as Postfix's "\n".
  const kept = text.slice(start, end).replace(/\r\n/g, '\n').length;
  assert.ok(kept >= 102_400 && kept < 102_400 + 2048, `kept ${kept} bytes of the header`);
  assert.ok(text.endsWith('\r\n\r\nbody\r\n'));
});

test('header_size_limit and line_length_limit come from the configuration settings', async () => {
  const small = makeConfig({
    users: ['bob@example.test'],
    settings: { header_size_limit: 40, line_length_limit: 16 },
  });
  const { stored } = await cleanDirect(
    Buffer.from(`Subject: ${'x'.repeat(200)}\r\n more\r\nTo: bob@example.test\r\n\r\nbody\r\n`),
    small,
  );
  // Records of 16 bytes while the header is shorter than 40: 48 bytes, the fold discarded.
  assert.match(
    stored ?? '',
    new RegExp(`\\r\\nSubject: ${'x'.repeat(39)}\\r\\nTo: bob@example\\.test\\r\\n`),
  );
});

test('sendmail -t: LF input becomes CRLF, recipients from To/Cc/Bcc plus the command line, Bcc removed, From added', async () => {
  const input = Readable.from([
    Buffer.from(
      'To: Alice <alice@example.test>\nCc: team@example.test,\n  "Carol, C." <carol@example.net>\n',
    ),
    Buffer.from('Bcc: hidden@example.org\nSubject: from cron\n\nline 1\nline 2\r\n'),
  ]);
  const reply = await submitMessage(
    { bus: b.bus, blob: b.blob },
    {
      sender: 'root',
      recipients: ['extra@example.org'],
      extractRecipients: true,
      input,
      myhostname: 'mx.example.test',
    },
  );
  assert.equal(reply.status, 'queued', JSON.stringify(reply));
  const queueId = reply.status === 'queued' ? reply.queueId : '';
  const r = await waitForRecord(queueId);
  assert.equal(r.sender, 'root@mx.example.test');
  assert.deepEqual(
    r.recipients.map((x) => [x.address, x.original]),
    [
      ['extra@example.org', 'extra@example.org'],
      ['alice@example.test', 'alice@example.test'],
      ['bob@example.test', 'team@example.test'],
      ['carol@example.net', 'carol@example.net'],
      ['hidden@example.org', 'hidden@example.org'],
    ],
  );
  assert.equal(r.client.listener, 'pickup');
  const text = (await readAll(await b.blob.get(r.blobKey))).toString();
  assert.ok(!/[^\r]\n/.test(text), 'CRLF line endings');
  assert.doesNotMatch(text, /^Bcc:/m);
  assert.match(text, /^Received: by mx\.example\.test \(Postfleet\)\r\n\tid /);
  assert.match(text, /\r\nFrom: root@mx\.example\.test\r\n/);
  assert.ok(text.endsWith('\r\n\r\nline 1\r\nline 2\r\n'));
});

test('sendmail without any recipient is refused and stores nothing', async () => {
  // the direct requests above leave their raw blobs (cleanup never deletes a submitter's)
  const earlier: string[] = [];
  for await (const k of b.blob.list(RAW_BLOB_PREFIX)) earlier.push(k);
  const reply = await submitMessage(
    { bus: b.bus, blob: b.blob },
    {
      recipients: [],
      extractRecipients: true,
      input: Readable.from([Buffer.from('Subject: x\n\nbody\n')]),
      myhostname: 'mx.example.test',
    },
  );
  assert.deepEqual(reply, {
    status: 'rejected',
    code: 554,
    enhanced: '5.5.1',
    text: 'No recipients specified',
  });
  const left: string[] = [];
  for await (const k of b.blob.list(RAW_BLOB_PREFIX)) left.push(k);
  assert.deepEqual(left, earlier);
});
