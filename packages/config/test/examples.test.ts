// crds/examples compile together without errors, the minimal MailDomain is there
// verbatim (DESIGN section 4), and the embedded default config dir compiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatConfigError, loadDirectory, RESOURCE_KINDS } from '../src/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const MINIMAL = `apiVersion: postfleet.io/v1alpha1
kind: MailDomain
metadata:
  name: example-test
spec:
  domain: example.test
  class: virtual        # local | virtual | relay
`;

test('crds/examples: every kind present, all compile with no errors', async () => {
  const r = await loadDirectory(join(ROOT, 'crds/examples'));
  if ('errors' in r) assert.fail(r.errors.map(formatConfigError).join('\n'));
  const cfg = r.config;
  assert.equal(cfg.domains['example.test']?.class, 'virtual');
  assert.ok(Object.keys(cfg.users).length > 0);
  assert.ok(Object.keys(cfg.accessMaps).length > 0);
  assert.ok(Object.keys(cfg.addressMaps).length > 0);
  assert.notEqual(cfg.policies.smtp.source, '(default)');
  assert.equal(RESOURCE_KINDS.length, 5);
});

test('the DESIGN section 4 minimal MailDomain is an example verbatim, and config/local uses it', async () => {
  for (const file of ['crds/examples/maildomain-minimal.yaml', 'config/local/example.yaml']) {
    const text = await readFile(join(ROOT, file), 'utf8');
    assert.ok(text.endsWith(MINIMAL), `${file} does not end with the minimal example`);
  }
  const r = await loadDirectory(join(ROOT, 'config/local'));
  if ('errors' in r) assert.fail(r.errors.map(formatConfigError).join('\n'));
  assert.deepEqual(Object.keys(r.config.domains), ['example.test']);
});
