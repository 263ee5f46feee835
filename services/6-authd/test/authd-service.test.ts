// authd over the real embedded bus and a user directory in an embedded PostgreSQL: good and bad
// credentials, disabled users, MailUser hashes from the compiled config,
// failure penalties that grow, and tempfail when no authd answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createEmbeddedBus, type Bus } from '@postfleet/bus';
import { createTemporarySql, type Sql } from '@postfleet/sql';
import { defaultRuntimeConfig, type RuntimeConfig } from '@postfleet/config';
import { hashPassword } from '../src/password.ts';
import { openUserDirectory, type UserDirectory } from '../src/user-directory.ts';
import { startAuthdService } from '../src/authd-service.ts';
import { createAuthClient, type Authenticate } from '@postfleet/queue-record';

let sql: Sql;
let bus: Bus;
let directory: UserDirectory;
let authenticate: Authenticate;
let stopAuthd: () => Promise<void>;
let config: RuntimeConfig;

before(async () => {
  sql = await createTemporarySql();
  bus = await createEmbeddedBus(sql);
  config = defaultRuntimeConfig();
  config.users['carol@example.test'] = {
    address: 'carol@example.test',
    passwordHash: await hashPassword('from-config'),
    enabled: true,
    resource: 'carol',
  };
  directory = await openUserDirectory(sql, () => config);
  await directory.upsert('alice@example.test', await hashPassword('s3cret'));
  const svc = await startAuthdService({
    bus,
    directory,
    log: pino({ level: 'silent' }),
    penalty: { baseDelayMs: 100, maxDelayMs: 400, windowMs: 60_000 },
  });
  stopAuthd = () => svc.stop();
  authenticate = createAuthClient(bus, 5000);
});

after(async () => {
  await stopAuthd();
  await bus.close();
  await sql.close();
});

const req = (username: string, password: string, clientAddress = '192.0.2.1') => ({
  mechanism: 'PLAIN',
  username,
  password,
  clientAddress,
  service: 'submission',
});

test('correct password from the sql directory authenticates, case-insensitively', async () => {
  assert.deepEqual(await authenticate(req('Alice@Example.TEST', 's3cret', '192.0.2.10')), {
    result: 'ok',
    user: 'alice@example.test',
  });
});

test('a MailUser passwordHash from the compiled config authenticates', async () => {
  const r = await authenticate(req('carol@example.test', 'from-config', '192.0.2.11'));
  assert.equal(r.result, 'ok');
});

test('wrong password and unknown user fail', async () => {
  assert.equal(
    (await authenticate(req('alice@example.test', 'nope', '192.0.2.12'))).result,
    'fail',
  );
  assert.equal(
    (await authenticate(req('bob@example.test', 's3cret', '192.0.2.13'))).result,
    'fail',
  );
});

test('a removed user can no longer log in', async () => {
  await directory.upsert('dave@example.test', await hashPassword('pw'));
  assert.equal((await authenticate(req('dave@example.test', 'pw', '192.0.2.14'))).result, 'ok');
  assert.equal(await directory.remove('dave@example.test'), true);
  assert.equal((await authenticate(req('dave@example.test', 'pw', '192.0.2.14'))).result, 'fail');
});

test('repeated failures from one IP slow the answers down; success resets', async () => {
  const ip = '198.51.100.7';
  const timed = async (pw: string) => {
    const t = performance.now();
    const r = await authenticate(req('alice@example.test', pw, ip));
    return { r, ms: performance.now() - t };
  };
  const first = await timed('bad');
  await timed('bad');
  const third = await timed('bad'); // two failures recorded before it: 200 ms penalty
  assert.equal(third.r.result, 'fail');
  assert.ok(third.ms >= 180, `third attempt took ${third.ms} ms, expected a penalty delay`);
  assert.ok(third.ms > first.ms);
  const ok = await timed('s3cret');
  assert.equal(ok.r.result, 'ok');
  const after = await timed('bad');
  assert.ok(after.ms < 180, `penalty should be reset after success, took ${after.ms} ms`);
});

test('no authd answering is a tempfail, never a success', async () => {
  await stopAuthd();
  const r = await createAuthClient(bus, 500)(req('alice@example.test', 's3cret'));
  assert.equal(r.result, 'tempfail');
  const svc = await startAuthdService({ bus, directory, log: pino({ level: 'silent' }) });
  stopAuthd = () => svc.stop();
});
