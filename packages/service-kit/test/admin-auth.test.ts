// The admin API token and request checks: the token file is created 0600 once
// and reused, POSTFLEET_ADMIN_TOKEN wins, the CLI's read names the file when it
// fails, and checkAdminRequest refuses in the order 401, 403, 415.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@postfleet/harness';
import {
  AdminTokenError,
  adminHostNames,
  adminTokenPath,
  checkAdminRequest,
  loadAdminToken,
  readAdminToken,
} from '../src/admin-auth.ts';

test('the token file is created with mode 0600 on first start and reused after', async () => {
  const temp = await makeTempDir('sk-token-');
  try {
    const dataDir = join(temp.path, 'not-yet-there');
    const first = await loadAdminToken({}, dataDir);
    const path = adminTokenPath(dataDir);
    assert.equal(first.source, path);
    assert.match(first.token, /^[A-Za-z0-9_-]{43,}$/, '32 random bytes, base64url');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await readFile(path, 'utf8')).trim(), first.token);
    assert.deepEqual(await loadAdminToken({}, dataDir), first);
    assert.deepEqual(await readAdminToken({ POSTFLEET_DATA_DIR: dataDir }), first);
  } finally {
    await temp.remove();
  }
});

test('starts racing for the first token all end up with the one in the file', async () => {
  const temp = await makeTempDir('sk-token-');
  try {
    const tokens = await Promise.all(
      Array.from({ length: 8 }, () => loadAdminToken({}, temp.path)),
    );
    const onDisk = (await readFile(adminTokenPath(temp.path), 'utf8')).trim();
    assert.deepEqual(new Set(tokens.map((t) => t.token)), new Set([onDisk]));
    assert.deepEqual(await readdir(temp.path), ['admin-token'], 'no temporary files left');
  } finally {
    await temp.remove();
  }
});

test('POSTFLEET_ADMIN_TOKEN wins and no file is written', async () => {
  const temp = await makeTempDir('sk-token-');
  try {
    const env = { POSTFLEET_ADMIN_TOKEN: 'from-the-secret\n', POSTFLEET_DATA_DIR: temp.path };
    const expected = { token: 'from-the-secret', source: 'POSTFLEET_ADMIN_TOKEN' };
    assert.deepEqual(await loadAdminToken(env, temp.path), expected);
    assert.deepEqual(await readAdminToken(env), expected);
    assert.deepEqual(await readdir(temp.path), []);
    await assert.rejects(
      loadAdminToken({ POSTFLEET_ADMIN_TOKEN: 'two words' }, temp.path),
      AdminTokenError,
    );
  } finally {
    await temp.remove();
  }
});

test('a token file others can read, or one without a token, is refused', async () => {
  const temp = await makeTempDir('sk-token-');
  try {
    const path = adminTokenPath(temp.path);
    await writeFile(path, 'a-token-written-by-hand\n', { mode: 0o600 });
    await chmod(path, 0o644);
    await assert.rejects(loadAdminToken({}, temp.path), (err: Error) => {
      assert.ok(err instanceof AdminTokenError);
      assert.match(err.message, new RegExp(`${path}.*mode 644.*chmod 600`));
      return true;
    });
    await writeFile(path, '\n');
    await chmod(path, 0o600);
    await assert.rejects(loadAdminToken({}, temp.path), /does not hold a token: delete it/);
  } finally {
    await temp.remove();
  }
});

test('the CLI side never creates the file and names it when it is missing', async () => {
  const temp = await makeTempDir('sk-token-');
  try {
    const path = adminTokenPath(temp.path);
    await assert.rejects(readAdminToken({ POSTFLEET_DATA_DIR: temp.path }), (err: Error) => {
      assert.ok(err instanceof AdminTokenError);
      assert.ok(err.message.includes(path), err.message);
      assert.match(err.message, /no such file.*run as the user that runs postfleet/);
      return true;
    });
    assert.deepEqual(await readdir(temp.path), []);
  } finally {
    await temp.remove();
  }
});

test(
  'a token file the CLI user may not read is named, with whom to run as',
  { skip: process.getuid?.() === 0 && 'root reads a mode 000 file' },
  async () => {
    const temp = await makeTempDir('sk-token-');
    try {
      await loadAdminToken({}, temp.path);
      await chmod(adminTokenPath(temp.path), 0o000);
      await assert.rejects(
        readAdminToken({ POSTFLEET_DATA_DIR: temp.path }),
        /admin-token: permission denied; run as the user that runs postfleet/,
      );
    } finally {
      await temp.remove();
    }
  },
);

const TOKEN = 'x'.repeat(43);
const access = { token: TOKEN, hosts: adminHostNames({ host: '127.0.0.1', port: 8025 }) };
const status = (method: string, headers: Record<string, string>) =>
  checkAdminRequest({ method, headers }, access)?.status ?? 200;

test('checkAdminRequest: 401 before 403 before 415; only the right request passes', () => {
  const good = {
    host: '127.0.0.1:8025',
    authorization: `Bearer ${TOKEN}`,
    'content-type': 'application/json',
    'content-length': '2',
  };
  assert.equal(status('POST', good), 200);
  const browser = { ...good, origin: 'https://evil.example', 'content-type': 'text/plain' };
  assert.equal(status('POST', { ...browser, authorization: '' }), 401);
  assert.equal(status('POST', { ...browser, authorization: `Bearer ${TOKEN}x` }), 401);
  assert.equal(status('POST', { ...browser, authorization: 'Bearer short' }), 401);
  assert.equal(status('POST', { ...browser, authorization: `Basic ${TOKEN}` }), 401);
  assert.equal(status('POST', browser), 403);
  assert.equal(status('POST', { ...good, host: 'rebound.example:8025' }), 403);
  assert.equal(status('POST', { ...good, 'content-type': 'text/plain' }), 415);
  assert.equal(status('POST', { ...good, 'content-type': 'message/rfc822' }), 200);
  assert.equal(status('POST', { ...good, authorization: `bearer  ${TOKEN}` }), 200);
  const noBody = { host: 'localhost:8025', authorization: `Bearer ${TOKEN}` };
  assert.equal(status('GET', noBody), 200);
  assert.equal(status('DELETE', noBody), 200);
  assert.equal(status('DELETE', { ...noBody, 'content-length': '5' }), 415);
  assert.equal(status('GET', { ...noBody, 'sec-fetch-site': 'same-site' }), 403);
  assert.equal(status('GET', { ...noBody, 'sec-fetch-site': 'none' }), 200);
  assert.equal(
    checkAdminRequest({ method: 'GET', headers: noBody }, { ...access, token: undefined })?.status,
    401,
  );
});

test('adminHostNames: the listen host and the loopback names, with the port', () => {
  assert.deepEqual(
    [...adminHostNames({ host: '0.0.0.0', port: 8080 })],
    ['0.0.0.0:8080', '127.0.0.1:8080', '[::1]:8080', 'localhost:8080'],
  );
  assert.deepEqual([...adminHostNames({ host: '::', port: 80 })].sort(), [
    '127.0.0.1:80',
    '[::1]:80',
    '[::]:80',
    'localhost:80',
  ]);
  const port80 = { token: TOKEN, hosts: adminHostNames({ host: '127.0.0.1', port: 80 }) };
  const headers = { host: 'localhost', authorization: `Bearer ${TOKEN}` };
  assert.equal(checkAdminRequest({ method: 'GET', headers }, port80), undefined);
});
