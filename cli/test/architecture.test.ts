// The tree's dependency rules, checked on the sources themselves so a new
// import cannot quietly break them: packages never import services, no service
// imports another, config and the lookup tables never reach the bus, and the
// queue's names (blob prefixes, stream subjects) are spelled only in queue-record.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SERVICES = ['smtpd', 'cleanup', 'qmgr', 'delivery', 'imapd', 'authd', 'operator'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(path));
    else if (e.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const importsOf = (file: string): string[] =>
  [...readFileSync(join(root, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);

const packageDirs = readdirSync(join(root, 'packages')).map((d) => `packages/${d}`);
const serviceDirs = readdirSync(join(root, 'services')).map((d) => `services/${d}`);

test('no file under packages/ imports a service', () => {
  const bad: string[] = [];
  for (const dir of packageDirs)
    for (const file of sources(dir))
      for (const spec of importsOf(file))
        if (SERVICES.some((s) => spec === `@postfleet/${s}`) || spec.includes('services/'))
          bad.push(`${file}: ${spec}`);
  assert.deepEqual(bad, []);
});

test('no service imports another service (tests included)', () => {
  const bad: string[] = [];
  for (const dir of serviceDirs) {
    const own = dir.replace(/^services\/\d+-/, '');
    for (const file of sources(dir))
      for (const spec of importsOf(file)) {
        const other = SERVICES.find((s) => s !== own && spec === `@postfleet/${s}`);
        if (other || /\.\.\/\.\.\/\d+-/.test(spec) || spec.includes('services/'))
          bad.push(`${file}: ${spec}`);
      }
  }
  assert.deepEqual(bad, []);
});

test('config, maps and addressing do not depend on the bus', () => {
  const bad: string[] = [];
  for (const dir of ['packages/config', 'packages/maps', 'packages/addressing']) {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    if (manifest.dependencies?.['@postfleet/bus']) bad.push(`${dir}/package.json`);
    for (const file of sources(dir)) if (importsOf(file).includes('@postfleet/bus')) bad.push(file);
  }
  assert.deepEqual(bad, []);
});

test("the queue's blob prefixes and subjects are spelled only in queue-record", () => {
  const literal = /['`"](incoming\/|queue\/)|queue\.incoming|['`"]queue\.>/;
  const bad: string[] = [];
  for (const dir of [...packageDirs, ...serviceDirs, 'cli', 'test', 'bench']) {
    if (dir === 'packages/queue-record') continue;
    for (const file of sources(dir)) {
      if (relative(root, join(root, file)) === 'cli/test/architecture.test.ts') continue;
      const lines = readFileSync(join(root, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (literal.test(line)) bad.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  assert.deepEqual(bad, []);
});
