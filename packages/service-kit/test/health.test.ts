// The health server: /healthz always, /readyz only when every registered role is
// ready and no shutdown began, /metrics from the handler it was given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHealthServer } from '../src/health.ts';

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

test('readyz follows the roles and shutdown; healthz stays 200', async () => {
  const health = await startHealthServer({
    listen: { host: '127.0.0.1', port: 0 },
    metrics: (_req, res) => res.end('# metrics here\n'),
  });
  try {
    assert.ok(health.address.port > 0);
    assert.equal((await get(`${health.url}/healthz`)).status, 200);
    // No role registered yet: a process that has not started anything is not ready.
    assert.equal((await get(`${health.url}/readyz`)).status, 503);

    health.register('smtpd');
    health.register('cleanup');
    health.setReady('smtpd', true);
    const waiting = await get(`${health.url}/readyz`);
    assert.equal(waiting.status, 503);
    assert.match(waiting.body, /waiting for cleanup/);

    health.setReady('cleanup', true);
    assert.equal((await get(`${health.url}/readyz`)).status, 200);
    assert.equal(health.isReady(), true);

    assert.equal((await get(`${health.url}/metrics`)).body, '# metrics here\n');
    assert.equal((await get(`${health.url}/nope`)).status, 404);

    health.setShuttingDown();
    const down = await get(`${health.url}/readyz`);
    assert.equal(down.status, 503);
    assert.match(down.body, /shutting down/);
    assert.equal((await get(`${health.url}/healthz`)).status, 200);
  } finally {
    await health.close();
  }
  await assert.rejects(fetch(`${health.url}/healthz`));
});

test('a port already in use is an error, not a silent fallback', async () => {
  const first = await startHealthServer({ listen: { host: '127.0.0.1', port: 0 } });
  try {
    await assert.rejects(startHealthServer({ listen: first.address }), /EADDRINUSE/);
  } finally {
    await first.close();
  }
});
