// runService with the real embedded ports and the directory config publisher:
// roles start in order and stop in reverse, /readyz is 200 only in between,
// a role that fails to start takes the started ones down with it, and the admin
// API wants the token kept in the data dir (or POSTFLEET_ADMIN_TOKEN); a process
// opens only the ports its roles declare (no database for smtpd on NATS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, startNats, EXAMPLE_DOMAIN_YAML } from '@postfleet/harness';
import { runService, type RoleDefinition } from '../src/index.ts';

const domainYaml = EXAMPLE_DOMAIN_YAML;

async function setup() {
  const data = await makeTempDir('sk-data-');
  const conf = await makeTempDir('sk-conf-');
  await writeFile(join(conf.path, 'domain.yaml'), domainYaml);
  const env: NodeJS.ProcessEnv = {
    POSTFLEET_DATA_DIR: data.path,
    POSTFLEET_CONFIG_DIR: conf.path,
    POSTFLEET_HTTP_ADDR: '127.0.0.1:0',
    POSTFLEET_LOG_LEVEL: 'silent',
  };
  return { env, cleanup: () => Promise.all([data.remove(), conf.remove()]) };
}

test('roles start in order with config loaded and stop in reverse order', async () => {
  const { env, cleanup } = await setup();
  const events: string[] = [];
  let readyDuringStop: number | undefined;
  let url = '';
  const role = (name: string): RoleDefinition => ({
    name,
    ports: ['bus', 'sql', 'blob'],
    async start(ctx) {
      assert.ok(ctx.config.current().domains['example.test'], 'config is loaded before start');
      assert.equal(ctx.embedded, true);
      events.push(`start ${name}`);
      return {
        async stop() {
          if (name === 'c') readyDuringStop = (await fetch(`${url}/readyz`)).status;
          events.push(`stop ${name}`);
        },
      };
    },
  });
  let svc: Awaited<ReturnType<typeof runService>> | undefined;
  try {
    svc = await runService([role('a'), role('b'), role('c')], { env, handleSignals: false });
    url = svc.health.url;
    assert.deepEqual(svc.ports.kinds, {
      sql: 'embedded-postgres',
      bus: 'embedded',
      blob: 'fs+inline',
    });
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    await svc.stop();
    await svc.stop(); // idempotent
    assert.deepEqual(events, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    assert.equal(readyDuringStop, 503, 'not ready as soon as shutdown begins');
    await assert.rejects(fetch(`${url}/healthz`), 'HTTP closed after stop');
  } finally {
    // A failed assertion must not leave the embedded PostgreSQL holding the test open.
    await svc?.stop();
    await cleanup();
  }
});

test('a role that fails to start stops the started ones in reverse and rejects', async () => {
  const { env, cleanup } = await setup();
  const events: string[] = [];
  const ok = (name: string): RoleDefinition => ({
    name,
    ports: ['bus'],
    async start() {
      events.push(`start ${name}`);
      return { stop: async () => void events.push(`stop ${name}`) };
    },
  });
  const broken: RoleDefinition = {
    name: 'broken',
    ports: ['bus'],
    async start() {
      throw new Error('cannot bind');
    },
  };
  try {
    await assert.rejects(
      runService([ok('a'), ok('b'), broken, ok('never')], { env, handleSignals: false }),
      /cannot bind/,
    );
    assert.deepEqual(events, ['start a', 'start b', 'stop b', 'stop a']);
  } finally {
    await cleanup();
  }
});

test('the admin API wants the token runService keeps in the data dir, the same after a restart', async () => {
  const { env, cleanup } = await setup();
  const withAdmin: RoleDefinition = {
    name: 'admin-user',
    ports: ['bus'],
    async start(ctx) {
      ctx.admin.addAdminRoute('GET', '/admin/ping', async () => ({ status: 200, body: 'pong' }));
      return { stop: async () => undefined };
    },
  };
  const path = join(env.POSTFLEET_DATA_DIR!, 'admin-token');
  const ping = (url: string, token?: string) =>
    fetch(`${url}/admin/ping`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  try {
    let svc = await runService([withAdmin], { env, handleSignals: false });
    const token = (await readFile(path, 'utf8')).trim();
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await ping(svc.health.url)).status, 401, 'loopback alone is not enough');
    assert.equal((await ping(svc.health.url, token)).status, 200);
    await svc.stop();

    svc = await runService([withAdmin], { env, handleSignals: false });
    assert.equal((await readFile(path, 'utf8')).trim(), token, 'reused, not replaced');
    assert.equal((await ping(svc.health.url, token)).status, 200);
    await svc.stop();

    const fromSecret = { ...env, POSTFLEET_ADMIN_TOKEN: 'the-secret-token-of-this-pod' };
    svc = await runService([withAdmin], { env: fromSecret, handleSignals: false });
    assert.equal((await ping(svc.health.url, token)).status, 401);
    assert.equal((await ping(svc.health.url, 'the-secret-token-of-this-pod')).status, 200);
    await svc.stop();
  } finally {
    await cleanup();
  }
});

test('only declared ports are opened: bus + blob roles on NATS never open a database', async () => {
  const { env, cleanup } = await setup();
  const nats = await startNats();
  let sqlError = '';
  const ingress: RoleDefinition = {
    name: 'ingress',
    ports: ['bus', 'blob'],
    async start(ctx) {
      await ctx.ports.blob.put('probe', Buffer.from('x'));
      try {
        await ctx.ports.sql.query('select 1');
      } catch (err) {
        sqlError = (err as Error).message;
      }
      return { stop: async () => undefined };
    },
  };
  let svc: Awaited<ReturnType<typeof runService>> | undefined;
  try {
    svc = await runService([ingress], {
      env: { ...env, NATS_URL: nats.url, POSTFLEET_CONFIG_DIR: env.POSTFLEET_CONFIG_DIR },
      handleSignals: false,
    });
    assert.deepEqual(svc.ports.kinds, { sql: 'none', bus: 'nats', blob: 'fs' });
    assert.match(sqlError, /port sql is not open/);
    await assert.rejects(
      stat(join(env.POSTFLEET_DATA_DIR!, 'postgres')),
      'no embedded PostgreSQL directory',
    );
  } finally {
    await svc?.stop();
    await nats.destroy();
    await cleanup();
  }
});

test('inet_interfaces from the configuration moves the protocol listeners; an explicit listener address wins', async () => {
  const { env, cleanup } = await setup();
  await writeFile(
    join(env.POSTFLEET_CONFIG_DIR!, 'all.yaml'),
    [
      'apiVersion: postfleet.io/v1alpha1',
      'kind: MailPolicy',
      'metadata:',
      '  name: all',
      'spec:',
      '  listener: all',
      '  parameters:',
      '    inet_interfaces: 127.0.0.2',
      '',
    ].join('\n'),
  );
  let seen: Record<string, string> = {};
  const probe: RoleDefinition = {
    name: 'probe',
    ports: ['bus'],
    async start(ctx) {
      seen = Object.fromEntries(Object.entries(ctx.listen).map(([k, v]) => [k, v.host]));
      return { stop: async () => undefined };
    },
  };
  try {
    const svc = await runService([probe], {
      env: { ...env, POSTFLEET_SUBMISSION_ADDR: '127.0.0.1:0' },
      handleSignals: false,
    });
    await svc.stop();
    assert.equal(seen.smtp, '127.0.0.2');
    assert.equal(seen.imaps, '127.0.0.2');
    assert.equal(seen.submission, '127.0.0.1', 'POSTFLEET_SUBMISSION_ADDR wins');
    assert.equal(seen.http, '127.0.0.1', 'the HTTP endpoint keeps its address');
  } finally {
    await cleanup();
  }
});
