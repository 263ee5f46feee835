// The CRDs on disk are exactly what the generator makes of the zod schemas, and
// they are structural: no $ref, no lookaround patterns, status and printer columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CRD_DIR, crdFor, renderCrds } from '../src/crd-generate.ts';
import { RESOURCE_KINDS } from '../src/index.ts';

test('crds/*.yaml match the generator (run `npm run crds` after changing resources.ts)', async () => {
  const expected = await renderCrds();
  const onDisk = (await readdir(CRD_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  assert.deepEqual(onDisk, [...expected.keys()].sort());
  for (const [name, text] of expected) {
    assert.equal(await readFile(join(CRD_DIR, name), 'utf8'), text, `${name} drifted`);
  }
});

test('every kind: group, namespaced, v1alpha1 served+storage, status subresource, Ready column', () => {
  for (const kind of RESOURCE_KINDS) {
    const crd = parse(JSON.stringify(crdFor(kind))) as {
      spec: {
        group: string;
        scope: string;
        names: { kind: string; shortNames: string[] };
        versions: {
          name: string;
          served: boolean;
          storage: boolean;
          subresources: { status: object };
          additionalPrinterColumns: { name: string }[];
          schema: {
            openAPIV3Schema: { properties: { status: { properties: Record<string, unknown> } } };
          };
        }[];
      };
    };
    const v = crd.spec.versions[0];
    assert.ok(v);
    assert.equal(crd.spec.group, 'postfleet.io');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.equal(crd.spec.names.kind, kind);
    assert.ok(crd.spec.names.shortNames.length > 0);
    assert.equal(v.name, 'v1alpha1');
    assert.ok(v.served && v.storage);
    assert.deepEqual(v.subresources.status, {});
    assert.ok(v.additionalPrinterColumns.some((c) => c.name === 'Ready'));
    assert.ok(v.additionalPrinterColumns.some((c) => c.name === 'Age'));
    const status = v.schema.openAPIV3Schema.properties.status.properties;
    assert.ok('observedGeneration' in status && 'conditions' in status);
    const text = JSON.stringify(crd);
    for (const banned of [
      '$ref',
      '$schema',
      '"additionalProperties":false',
      'propertyNames',
      '(?!',
      '(?<',
    ]) {
      assert.ok(!text.includes(banned), `${kind} contains ${banned}`);
    }
  }
});

test('CEL rules: relayHost only with class relay; MailUser not both password forms', () => {
  const rules = (kind: (typeof RESOURCE_KINDS)[number]) => JSON.stringify(crdFor(kind));
  assert.match(rules('MailDomain'), /self\.class == 'relay' \|\| !has\(self\.relayHost\)/);
  assert.match(
    rules('MailUser'),
    /!\(has\(self\.passwordSecretRef\) && has\(self\.passwordHash\)\)/,
  );
  assert.match(rules('MailDomain'), /"Domain".*"Class"/);
});
