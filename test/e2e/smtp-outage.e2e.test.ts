// Backend outages on the real backends: with the S3 endpoint or nats-server
// stopped, DATA answers 451 4.3.0 and nothing reaches the queue; once the backend
// is back, mail is accepted again; every accepted message is on the stream once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { swaks, type SwaksResult } from './support/clients.ts';
import { assertNoReply, assertReply, domain, policy, sleep, user } from './support/scenario.ts';
import { BACKEND_LABEL, startStack, stopSharedBackends, type Stack } from './support/stack.ts';

const send = (stack: Stack, from: string): Promise<SwaksResult> =>
  swaks({
    port: stack.smtpPort,
    helo: 'client.example.org',
    from,
    to: 'bob@example.test',
    timeoutMs: 90_000,
    extra: ['--timeout', '80'],
  });

describe(`backend outages ${BACKEND_LABEL.real}`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack('real', {
      resources: [
        domain('example.test'),
        user('bob@example.test'),
        policy('all', { mynetworks: ['127.0.0.0/8'] }),
      ],
    });
  });
  after(async () => {
    await stack?.stop();
    await stopSharedBackends();
  });

  test('an accepted message is on the stream exactly once', async () => {
    const r = await send(stack, 'once@example.org');
    assertReply(r, '250 2.0.0', 'queued as');
    await stack.queue.waitFor(r.queueId ?? '');
    await sleep(1500);
    assert.equal(stack.queue.count(r.queueId ?? ''), 1);
  });

  test('S3 down: 451 4.3.0 and nothing queued; back up: 250', async () => {
    const s3 = stack.s3!;
    const before = stack.queue.records.length;
    await s3.stop();
    let down: SwaksResult;
    try {
      down = await send(stack, 'down-s3@example.org');
    } finally {
      await s3.start();
    }
    assertReply(down, '451 4.3.0');
    assertNoReply(down, '250 2.0.0');
    const up = await send(stack, 'up-s3@example.org');
    assertReply(up, '250 2.0.0', 'queued as');
    await stack.queue.waitFor(up.queueId ?? '');
    await sleep(1000);
    assert.equal(stack.queue.records.length, before + 1, 'only the message sent after recovery');
    assert.ok(!stack.queue.records.some((x) => x.sender === 'down-s3@example.org'));
    assert.equal(stack.queue.count(up.queueId ?? ''), 1);
  });

  test('NATS down: 451 4.3.0 and nothing queued; back up: 250', async () => {
    const nats = stack.nats!;
    const before = stack.queue.records.length;
    await nats.stop();
    let down: SwaksResult;
    const t0 = Date.now();
    try {
      down = await send(stack, 'down-nats@example.org');
    } finally {
      await nats.start();
    }
    const downMs = Date.now() - t0;
    assertReply(down, '451 4.3.0');
    assertNoReply(down, '250 2.0.0');
    // Right after the restart, while the bus client is still reconnecting.
    const up = await send(stack, 'up-nats@example.org');
    assertReply(up, '250 2.0.0', 'queued as');
    await stack.queue.waitFor(up.queueId ?? '', 30_000);
    await sleep(1000);
    assert.ok(
      !stack.queue.records.some((x) => x.sender === 'down-nats@example.org'),
      'the message refused during the outage was queued',
    );
    assert.equal(stack.queue.count(up.queueId ?? ''), 1);
    const accepted = stack.queue.records.slice(before);
    assert.ok(accepted.every((x) => x.sender === 'up-nats@example.org'));
    assert.ok(downMs < 75_000, `451 took ${downMs} ms`);
  });
});
