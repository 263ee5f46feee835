// The health server: /healthz always, /readyz only when every registered role is
// ready and no shutdown began, /metrics from the handler it was given, and the
// admin API refusing browser-style requests (token, Host, Origin, Content-Type).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
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

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request, so that Host, Origin and Content-Type can be what a browser sends. */
function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuvwxyz';

async function adminServer(adminToken: string | undefined) {
  const health = await startHealthServer({
    listen: { host: '127.0.0.1', port: 0 },
    metrics: (_req, res) => res.end('# metrics here\n'),
    ...(adminToken === undefined ? {} : { adminToken }),
  });
  const ran: string[] = [];
  health.addAdminRoute('POST', '/admin/users', async (req) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    ran.push(`POST ${body}`);
    return { status: 200, body: { result: 'updated' } };
  });
  health.addAdminRoute('GET', '/admin/users', async () => {
    ran.push('GET');
    return { status: 200, body: [] };
  });
  const port = health.address.port;
  const host = `127.0.0.1:${port}`;
  return { health, ran, port, host };
}

const passwd = JSON.stringify({
  address: 'alice@example.test',
  password: 'owned-1234',
  mode: 'passwd',
});

test('admin API: a text/plain POST from a web page is refused before any handler runs', async () => {
  const { health, ran, port, host } = await adminServer(TOKEN);
  try {
    const browser = { host, origin: 'https://evil.example', 'content-type': 'text/plain' };
    const noToken = await call(port, 'POST', '/admin/users', browser, passwd);
    assert.equal(noToken.status, 401);
    assert.equal(noToken.headers['www-authenticate'], 'Bearer');
    const wrong = { ...browser, authorization: 'Bearer wrong' };
    assert.equal((await call(port, 'POST', '/admin/users', wrong, passwd)).status, 401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    // Even with the token: a foreign Origin or a cross-site fetch is 403, text/plain is 415.
    assert.equal(
      (await call(port, 'POST', '/admin/users', { ...browser, ...auth }, passwd)).status,
      403,
    );
    const json = { host, ...auth, 'content-type': 'application/json' };
    assert.equal(
      (await call(port, 'POST', '/admin/users', { ...json, origin: 'null' }, passwd)).status,
      403,
    );
    const crossSite = { ...json, 'sec-fetch-site': 'cross-site' };
    assert.equal((await call(port, 'POST', '/admin/users', crossSite, passwd)).status, 403);
    const plain = { host, ...auth, 'content-type': 'text/plain' };
    assert.equal((await call(port, 'POST', '/admin/users', plain, passwd)).status, 415);
    const form = { host, ...auth, 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal((await call(port, 'POST', '/admin/users', form, 'a=b')).status, 415);
    const untyped = { host, ...auth };
    assert.equal((await call(port, 'POST', '/admin/users', untyped)).status, 415);
    assert.deepEqual(ran, [], 'no admin handler ran');

    const ok = await call(port, 'POST', '/admin/users', json, passwd);
    assert.equal(ok.status, 200, ok.body);
    const cli = {
      ...json,
      'content-type': 'application/json; charset=utf-8',
      'sec-fetch-site': 'none',
    };
    assert.equal((await call(port, 'POST', '/admin/users', cli, passwd)).status, 200);
    assert.equal((await call(port, 'GET', '/admin/users', { host, ...auth })).status, 200);
    assert.deepEqual(ran, [`POST ${passwd}`, `POST ${passwd}`, 'GET']);
  } finally {
    await health.close();
  }
});

test('admin API: a forged Host (DNS rebinding) is 403; loopback names with the port work', async () => {
  const { health, ran, port } = await adminServer(TOKEN);
  try {
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      '127.0.0.1',
    ]) {
      const res = await call(port, 'GET', '/admin/users', { ...auth, host });
      assert.equal(res.status, 403, `Host ${host}`);
    }
    assert.deepEqual(ran, []);
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LocalHost:${port}`,
      `[::1]:${port}`,
    ]) {
      const res = await call(port, 'GET', '/admin/users', { ...auth, host });
      assert.equal(res.status, 200, `Host ${host}: ${res.body}`);
    }
  } finally {
    await health.close();
  }
});

test('admin API: without a configured token every call is refused, on loopback too', async () => {
  const { health, ran, port, host } = await adminServer(undefined);
  try {
    const json = { host, 'content-type': 'application/json' };
    assert.equal((await call(port, 'POST', '/admin/users', json, passwd)).status, 401);
    const guessed = { ...json, authorization: 'Bearer undefined' };
    assert.equal((await call(port, 'POST', '/admin/users', guessed, passwd)).status, 401);
    assert.deepEqual(ran, []);
  } finally {
    await health.close();
  }
});

test('admin API: unknown routes are 401 to strangers and 404 with the token', async () => {
  const { health, port, host } = await adminServer(TOKEN);
  try {
    assert.equal((await call(port, 'GET', '/admin/nope', { host })).status, 401);
    const auth = { host, authorization: `Bearer ${TOKEN}` };
    assert.equal((await call(port, 'GET', '/admin/nope', auth)).status, 404);
  } finally {
    await health.close();
  }
});

test('/healthz, /readyz and /metrics need no token and take no side-effecting methods', async () => {
  let scraped = 0;
  const health = await startHealthServer({
    listen: { host: '127.0.0.1', port: 0 },
    metrics: (_req, res) => res.end(`# scraped ${++scraped}\n`),
    adminToken: TOKEN,
  });
  try {
    const { port } = health.address;
    const host = 'evil.example';
    assert.equal((await call(port, 'GET', '/healthz', { host })).status, 200);
    assert.equal((await call(port, 'GET', '/readyz', { host })).status, 503);
    assert.equal((await call(port, 'GET', '/metrics', { host })).status, 200);
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const res = await call(port, 'POST', path, { host, 'content-type': 'text/plain' }, 'x');
      assert.equal(res.status, 405, path);
    }
    assert.equal(scraped, 1);
  } finally {
    await health.close();
  }
});
