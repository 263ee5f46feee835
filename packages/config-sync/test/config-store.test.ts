// Config publication through the real embedded bus (KV in an embedded PostgreSQL): publish,
// watch, the default when nothing is published, and the directory publisher.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createEmbeddedBus, type Bus } from '@postfleet/bus';
import { createTemporarySql, type Sql } from '@postfleet/sql';
import { makeTempDir } from '@postfleet/harness';
import {
  ConfigCompileError,
  compileResources,
  defaultRuntimeConfig,
  type ConfigDocument,
  type RuntimeConfig,
} from '@postfleet/config';
import {
  CONFIG_BUCKET,
  CONFIG_KEY,
  publishConfig,
  startDirectoryPublisher,
  watchConfig,
} from '../src/index.ts';

const domain = (name: string, domainName: string): ConfigDocument => ({
  source: 'domains.yaml',
  resource: {
    apiVersion: 'postfleet.io/v1alpha1',
    kind: 'MailDomain',
    metadata: { name },
    spec: { domain: domainName, class: 'virtual' },
  },
});

// One embedded bus for the file (its server takes a second to initdb and start);
// each test starts from an empty config key.
let shared: { sql: Sql; bus: Bus } | null = null;
before(async () => {
  const sql = await createTemporarySql();
  shared = { sql, bus: await createEmbeddedBus(sql) };
});
after(async () => {
  await shared?.bus.close();
  await shared?.sql.close();
});

async function withBus(fn: (bus: Bus) => Promise<void>): Promise<void> {
  assert.ok(shared);
  await (await shared.bus.kv(CONFIG_BUCKET)).delete(CONFIG_KEY);
  await fn(shared.bus);
}

function compiled(...names: string[]): RuntimeConfig {
  const r = compileResources(names.map((n) => domain(n, `${n}.test`)));
  if ('errors' in r) throw new ConfigCompileError(r.errors);
  return r.config;
}

function waitFor<T>(register: (cb: (v: T) => void) => void, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
    register((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

test('watchConfig starts with the defaults when nothing is published, then follows publications', async () => {
  await withBus(async (bus) => {
    const handle = await watchConfig(bus, { waitMs: 100 });
    try {
      assert.equal(handle.current().version, defaultRuntimeConfig().version);
      const cfg = compiled('one');
      const changed = waitFor<RuntimeConfig>((cb) => handle.onChange(cb));
      await publishConfig(bus, cfg);
      assert.equal((await changed).version, cfg.version);
      assert.deepEqual(Object.keys(handle.current().domains), ['one.test']);
    } finally {
      await handle.stop();
    }
  });
});

test('watchConfig resolves with an already published config; garbage in the KV is ignored', async () => {
  await withBus(async (bus) => {
    const cfg = compiled('two');
    await publishConfig(bus, cfg);
    const handle = await watchConfig(bus, { waitMs: 5000 });
    try {
      assert.equal(handle.current().version, cfg.version);
      const kv = await bus.kv(CONFIG_BUCKET);
      await kv.put(CONFIG_KEY, new TextEncoder().encode('{"not":"a config"}'));
      const next = compiled('three');
      const changed = waitFor<RuntimeConfig>((cb) => handle.onChange(cb));
      await publishConfig(bus, next);
      assert.equal((await changed).version, next.version);
      assert.equal(handle.current().version, next.version);
    } finally {
      await handle.stop();
    }
  });
});

test('startDirectoryPublisher publishes the directory and republishes valid changes only', async () => {
  const tmp = await makeTempDir();
  await withBus(async (bus) => {
    const file = join(tmp.path, 'example.yaml');
    await writeFile(
      file,
      'apiVersion: postfleet.io/v1alpha1\nkind: MailDomain\nmetadata: {name: example-test}\nspec: {domain: example.test, class: virtual}\n',
    );
    const errors: string[] = [];
    const log = {
      info: () => undefined,
      error: (_o: object, msg?: string) => errors.push(msg ?? ''),
    };
    const publisher = await startDirectoryPublisher({ dir: tmp.path, bus, log, debounceMs: 50 });
    const handle = await watchConfig(bus, { waitMs: 5000 });
    try {
      assert.deepEqual(Object.keys(handle.current().domains), ['example.test']);
      const first = handle.current().version;

      await writeFile(
        file,
        'apiVersion: postfleet.io/v1alpha1\nkind: MailDomain\nmetadata: {name: example-test}\nspec: {domain: example.test, class: nope}\n',
      );
      const deadline = Date.now() + 10_000;
      while (!errors.some((e) => e.includes('spec.class')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(
        errors.some((e) => e.includes(`${file}: MailDomain/example-test: spec.class`)),
        errors.join('\n'),
      );
      assert.equal(handle.current().version, first, 'the previous config stays published');

      const changed = waitFor<RuntimeConfig>((cb) => handle.onChange(cb));
      await writeFile(
        file,
        'apiVersion: postfleet.io/v1alpha1\nkind: MailDomain\nmetadata: {name: example-test}\nspec: {domain: example.test, class: local}\n',
      );
      assert.equal((await changed).domains['example.test']?.class, 'local');
    } finally {
      await handle.stop();
      await publisher.stop();
      await tmp.remove();
    }
  });
});

test('startDirectoryPublisher refuses to start on an invalid directory', async () => {
  const tmp = await makeTempDir();
  await withBus(async (bus) => {
    await writeFile(
      join(tmp.path, 'bad.yaml'),
      'apiVersion: postfleet.io/v1alpha1\nkind: MailDomain\nmetadata: {name: x}\nspec: {domain: x.test}\n',
    );
    await assert.rejects(startDirectoryPublisher({ dir: tmp.path, bus }), (err: unknown) => {
      assert.ok(err instanceof ConfigCompileError);
      assert.match(err.message, /bad\.yaml: MailDomain\/x: spec\.class/);
      return true;
    });
  });
  await tmp.remove();
});
