// Directory source: multi-document YAML files compiled together, reload on change,
// and a malformed file reported by name while the previous config stays in force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@postfleet/harness';
import {
  formatConfigError,
  loadDirectory,
  watchDirectory,
  type ConfigError,
  type RuntimeConfig,
} from '../src/index.ts';

const DOMAIN = (name: string, domain: string, cls = 'virtual') => `apiVersion: postfleet.io/v1alpha1
kind: MailDomain
metadata:
  name: ${name}
spec:
  domain: ${domain}
  class: ${cls}
`;

/** Resolves with the next value pushed, or rejects after ms. */
function nextOf<T>(ms: number): { push: (v: T) => void; next: () => Promise<T> } {
  const queue: T[] = [];
  let waiter: ((v: T) => void) | null = null;
  return {
    push: (v) => {
      if (waiter) {
        const w = waiter;
        waiter = null;
        w(v);
      } else queue.push(v);
    },
    next: () => {
      const v = queue.shift();
      if (v !== undefined) return Promise.resolve(v);
      return new Promise<T>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
        waiter = (x) => {
          clearTimeout(t);
          resolve(x);
        };
      });
    },
  };
}

test('loadDirectory reads every .yaml/.yml file, multi-document, ignoring other files', async () => {
  const tmp = await makeTempDir();
  try {
    await writeFile(
      join(tmp.path, 'a.yaml'),
      `${DOMAIN('a', 'a.test')}---\n${DOMAIN('b', 'b.test', 'local')}---\n`,
    );
    await writeFile(join(tmp.path, 'c.yml'), DOMAIN('c', 'c.test'));
    await writeFile(join(tmp.path, 'notes.txt'), 'not: [yaml');
    const r = await loadDirectory(tmp.path);
    if ('errors' in r) assert.fail(r.errors.map(formatConfigError).join('\n'));
    assert.deepEqual(Object.keys(r.config.domains).sort(), ['a.test', 'b.test', 'c.test']);
  } finally {
    await tmp.remove();
  }
});

test('errors name the file, the resource and the field, across all files', async () => {
  const tmp = await makeTempDir();
  try {
    await writeFile(
      join(tmp.path, 'domains.yaml'),
      DOMAIN('example-test', 'example.test', 'bogus'),
    );
    await writeFile(
      join(tmp.path, 'broken.yaml'),
      'apiVersion: postfleet.io/v1alpha1\nkind: [MailDomain\n',
    );
    await writeFile(
      join(tmp.path, 'users.yaml'),
      `apiVersion: postfleet.io/v1alpha1
kind: MailUser
metadata: { name: bob }
spec: { address: bob@elsewhere.test }
`,
    );
    const r = await loadDirectory(tmp.path);
    assert.ok('errors' in r);
    const msgs = r.errors.map(formatConfigError);
    assert.ok(
      msgs.includes(
        `${join(tmp.path, 'domains.yaml')}: MailDomain/example-test: spec.class: Invalid option: expected one of "local"|"virtual"|"alias"|"relay"`,
      ),
      msgs.join('\n'),
    );
    assert.ok(
      msgs.some(
        (m) =>
          m.startsWith(`${join(tmp.path, 'broken.yaml')}: line `) &&
          m.includes('YAML syntax error'),
      ),
      msgs.join('\n'),
    );
    assert.ok(
      msgs.some((m) =>
        m.startsWith(
          `${join(tmp.path, 'users.yaml')}: MailUser/bob: spec.address: domain of bob@elsewhere.test is not hosted`,
        ),
      ),
      msgs.join('\n'),
    );
  } finally {
    await tmp.remove();
  }
});

test('watchDirectory reloads on change and keeps the previous config on a malformed file', async () => {
  const tmp = await makeTempDir();
  const configs = nextOf<RuntimeConfig>(10_000);
  const errors = nextOf<ConfigError[]>(10_000);
  await writeFile(join(tmp.path, 'example.yaml'), DOMAIN('example-test', 'example.test'));
  const w = await watchDirectory(tmp.path, configs.push, errors.push, { debounceMs: 50 });
  try {
    const first = await configs.next();
    assert.deepEqual(Object.keys(first.domains), ['example.test']);
    assert.equal(w.current()?.version, first.version);

    await writeFile(join(tmp.path, 'more.yaml'), DOMAIN('second', 'second.test', 'local'));
    const second = await configs.next();
    assert.deepEqual(Object.keys(second.domains).sort(), ['example.test', 'second.test']);

    await writeFile(join(tmp.path, 'more.yaml'), DOMAIN('second', 'second.test', 'bogus'));
    const errs = (await errors.next()).map(formatConfigError);
    assert.ok(
      errs.some((m) =>
        m.startsWith(`${join(tmp.path, 'more.yaml')}: MailDomain/second: spec.class:`),
      ),
      errs.join('\n'),
    );
    assert.equal(w.current()?.version, second.version, 'the previous valid config stays in force');

    await writeFile(join(tmp.path, 'more.yaml'), 'kind: : :\n  - [');
    const syntax = (await errors.next()).map(formatConfigError);
    assert.ok(
      syntax.some((m) => m.includes('more.yaml') && m.includes('YAML syntax error')),
      syntax.join('\n'),
    );
    assert.equal(w.current()?.version, second.version);

    await rm(join(tmp.path, 'more.yaml'));
    const third = await configs.next();
    assert.equal(third.version, first.version, 'back to the first content, same version');
  } finally {
    w.stop();
    await tmp.remove();
  }
});

test('a Kubernetes ConfigMap-style update (atomic "..data" symlink swap) is picked up', async () => {
  const tmp = await makeTempDir();
  const configs = nextOf<RuntimeConfig>(10_000);
  const dir = tmp.path;
  await mkdir(join(dir, '..v1'));
  await writeFile(join(dir, '..v1', 'domains.yaml'), DOMAIN('a', 'a.test'));
  await symlink('..v1', join(dir, '..data'));
  await symlink(join('..data', 'domains.yaml'), join(dir, 'domains.yaml'));
  const w = await watchDirectory(dir, configs.push, () => undefined, { debounceMs: 50 });
  try {
    assert.deepEqual(Object.keys((await configs.next()).domains), ['a.test']);
    await mkdir(join(dir, '..v2'));
    await writeFile(join(dir, '..v2', 'domains.yaml'), DOMAIN('b', 'b.test'));
    await symlink('..v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    assert.deepEqual(Object.keys((await configs.next()).domains), ['b.test']);
  } finally {
    w.stop();
    await tmp.remove();
  }
});
