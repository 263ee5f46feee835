// The one submission client (queue-record's createCleanupClient, used by smtpd
// and sendmail) against the real cleanup service on the embedded bus and a
// filesystem blob store: the raw blob is the submitter's, and it is gone after
// every answer (queued, rejected, discarded), after a cleanup that never
// answers, after a store failure and when the submission is abandoned.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import {
  RAW_BLOB_PREFIX,
  createCleanupClient,
  newQueueId,
  queueBlobKey,
  type SubmissionRequest,
} from '@postfleet/queue-record';
import { startCleanupService } from '../src/cleanup-service.ts';
import {
  cleanupDeps,
  makeConfig,
  startBackends,
  type Backends,
  MAIL_CLIENT,
  REJECT_AND_DROP_CHECKS,
} from './fixtures.ts';

const config = makeConfig({
  users: ['alice@example.test'],
  policy: REJECT_AND_DROP_CHECKS,
});

let b: Backends;
let service: { stop(): Promise<void> };

before(async () => {
  b = await startBackends();
  service = await startCleanupService(cleanupDeps(b, config));
});

after(async () => {
  await service?.stop();
  await b?.close();
});

const request: SubmissionRequest = {
  sender: 'carol@example.net',
  recipients: [{ address: 'alice@example.test' }],
  arrivalTime: new Date().toISOString(),
  client: MAIL_CLIENT,
};

const content = (subject: string): Readable =>
  Readable.from([Buffer.from(`From: carol@example.net\r\nSubject: ${subject}\r\n\r\nHi.\r\n`)]);

async function rawKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of b.blob.list(RAW_BLOB_PREFIX)) keys.push(k);
  return keys;
}

for (const [subject, status] of [
  ['hello', 'queued'],
  ['reject me', 'rejected'],
  ['drop me', 'discarded'],
] as const) {
  test(`${status}: the raw blob is stored first and gone once cleanup has answered`, async () => {
    const submission = createCleanupClient(b)(newQueueId(), content(subject));
    assert.ok((await submission.stored) > 0);
    assert.deepEqual(await rawKeys(), [submission.rawBlobKey]);
    const reply = await submission.submit(request);
    assert.equal(reply.status, status, JSON.stringify(reply));
    assert.deepEqual(await rawKeys(), []);
    if (status === 'queued') await b.blob.delete(queueBlobKey(submission.queueId));
  });
}

test('no cleanup answering: tempfail within the timeout, the raw blob removed', async () => {
  await service.stop();
  try {
    const submission = createCleanupClient(b, { timeoutMs: 300 })(newQueueId(), content('x'));
    const reply = await submission.submit(request);
    assert.equal(reply.status, 'tempfail');
    assert.match(reply.status === 'tempfail' ? reply.text : '', /^cleanup unavailable: /);
    assert.deepEqual(await rawKeys(), []);
  } finally {
    service = await startCleanupService(cleanupDeps(b, config));
  }
});

test('a content stream that fails: stored rejects, submit is a tempfail, nothing is left', async () => {
  const failing = new Readable({
    read() {
      this.destroy(new Error('client went away'));
    },
  });
  const submission = createCleanupClient(b)(newQueueId(), failing);
  await assert.rejects(submission.stored, /client went away/);
  const reply = await submission.submit(request);
  assert.equal(reply.status, 'tempfail');
  assert.deepEqual(await rawKeys(), []);
});

test('abandon before asking: the raw blob is removed, and abandoning twice is harmless', async () => {
  const submission = createCleanupClient(b)(newQueueId(), content('never sent'));
  await submission.stored;
  await submission.abandon();
  await submission.abandon();
  assert.deepEqual(await rawKeys(), []);
});
