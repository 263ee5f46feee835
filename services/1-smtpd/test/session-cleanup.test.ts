// The hand-off to cleanup: 250 only when cleanup says queued; its reject text
// reaches the client; tempfail, a timeout or no cleanup at all answer
// 451 4.3.0 and leave nothing in the blob store.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RawClient } from './helpers/raw-client.ts';
import { type Harness, useHarness } from './helpers/smtpd-harness.ts';
import { rawBlobKey } from '@postfleet/queue-record';

async function transaction(
  h: Harness,
  body = 'Subject: t\r\n\r\nbody\r\n',
): Promise<string | null> {
  const c = await RawClient.connect(h.port('smtp'));
  await c.reply();
  await c.cmd('EHLO client.example');
  await c.cmd('MAIL FROM:<a@example.org>');
  await c.cmd('RCPT TO:<b@example.test>');
  await c.cmd('RCPT TO:<c@example.test>');
  await c.cmd('DATA');
  const r = await c.cmd(body + '.');
  // the session must still be usable after any answer
  assert.match((await c.cmd('NOOP')) ?? '', /^250 /);
  await c.cmd('QUIT');
  c.close();
  return r;
}

describe('smtpd hand-off to cleanup', () => {
  const h = useHarness({ cleanupTimeoutMs: 1500 });

  test('cleanup rejected: its code, enhanced status and text reach the client; the raw blob is removed', async () => {
    h.cleanup.behaviour = () => ({
      status: 'rejected',
      code: 550,
      enhanced: '5.7.1',
      text: 'Message content rejected: body_checks',
    });
    assert.equal(await transaction(h), '550 5.7.1 Message content rejected: body_checks');
    assert.deepEqual(await h.blobKeys(), []);
    assert.ok(
      h.logs.some((l) =>
        /: reject: END-OF-MESSAGE from localhost\[127\.0\.0\.1\]: 550 5\.7\.1 /.test(l),
      ),
    );
  });

  test('cleanup tempfail: 451 4.3.0 Error: queue file write error, nothing left in the blob store', async () => {
    h.cleanup.behaviour = () => ({ status: 'tempfail', text: 'bus down' });
    assert.equal(await transaction(h), '451 4.3.0 Error: queue file write error');
    assert.deepEqual(await h.blobKeys(), []);
  });

  test('cleanup does not answer in time: 451 4.3.0, nothing left in the blob store', async () => {
    h.cleanup.behaviour = () => 'hang';
    const t0 = Date.now();
    assert.equal(await transaction(h), '451 4.3.0 Error: queue file write error');
    assert.ok(Date.now() - t0 >= 1400, 'answered before the cleanup timeout');
    assert.deepEqual(await h.blobKeys(), []);
  });

  test('cleanup discarded: 250 as Postfix, raw blob removed', async () => {
    h.cleanup.behaviour = (req) => ({ status: 'discarded', queueId: req.queueId });
    assert.match((await transaction(h)) ?? '', /^250 2\.0\.0 Ok: queued as /);
    assert.deepEqual(await h.blobKeys(), []);
  });

  test('cleanup queued: 250 with the queue id; the raw blob (smtpd owns it) is removed', async () => {
    h.cleanup.behaviour = (req) => ({ status: 'queued', queueId: req.queueId, size: req.rawSize });
    const r = (await transaction(h)) ?? '';
    const id = /^250 2\.0\.0 Ok: queued as (\S+)$/.exec(r)?.[1];
    assert.ok(id, r);
    const asked = h.received.at(-1);
    assert.equal(asked?.req.rawBlobKey, rawBlobKey(id));
    assert.ok(asked.raw.length > 0, 'cleanup read the stored raw message');
    assert.deepEqual(await h.blobKeys(), []);
  });

  test('blob store failure: 451 4.3.0 and cleanup is never asked', async () => {
    const before = h.received.length;
    const put = h.blob.put.bind(h.blob);
    h.blob.put = () => Promise.reject(new Error('disk full'));
    try {
      assert.equal(await transaction(h), '451 4.3.0 Error: queue file write error');
    } finally {
      h.blob.put = put;
    }
    assert.equal(h.received.length, before);
  });

  test('client disconnects in the middle of DATA: nothing stored, cleanup never asked, no temp file left', async () => {
    const before = h.received.length;
    const c = await RawClient.connect(h.port('smtp'));
    await c.reply();
    await c.cmd('EHLO client.example');
    await c.cmd('MAIL FROM:<a@example.org>');
    await c.cmd('RCPT TO:<b@example.test>');
    await c.cmd('DATA');
    c.write('Subject: cut\r\n\r\n' + 'z'.repeat(200_000));
    await new Promise((r) => setTimeout(r, 200));
    c.close();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(h.received.length, before);
    assert.deepEqual(await h.blobKeys(''), []);
    assert.ok(h.logs.includes('lost connection after DATA from localhost[127.0.0.1]'));
    assert.ok(
      h.logs.some((l) =>
        /^disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=1 data=0\/1/.test(l),
      ),
      h.logs.filter((l) => l.startsWith('disconnect')).join('\n'),
    );
  });

  test('no cleanup responder at all: 451 4.3.0', async () => {
    // the bus then has nobody on the cleanup subject (this test runs last)
    h.cleanup.behaviour = (req) => ({ status: 'queued', queueId: req.queueId, size: req.rawSize });
    await h.stopCleanup();
    assert.equal(await transaction(h), '451 4.3.0 Error: queue file write error');
    assert.deepEqual(await h.blobKeys(), []);
  });
});
