// postfleet conf (postconf), version, help, and the planned-but-missing commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '@postfleet/harness';

const root = fileURLToPath(new URL('../../', import.meta.url));
const node = join(root, 'node_modules/.bin/node');
const cli = join(root, 'cli/src/postfleet.ts');

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      node,
      [cli, ...args],
      { cwd: root, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test('conf -d prints the catalogue defaults, postconf style', async () => {
  const { code, stdout } = await run(['conf', '-d']);
  assert.equal(code, 0);
  assert.match(stdout, /^smtpd_delay_reject = yes$/m);
  assert.match(stdout, /^message_size_limit = 10240000$/m);
  const names = stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' = ')[0]!);
  assert.deepEqual(names, [...names].sort(), 'sorted by name');
});

test('conf -d NAME prints only that parameter; unknown names fail', async () => {
  const one = await run(['conf', '-d', 'message_size_limit']);
  assert.equal(one.code, 0);
  assert.equal(one.stdout, 'message_size_limit = 10240000\n');
  const bad = await run(['conf', '-d', 'no_such_parameter']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown parameter no_such_parameter/);
});

test('conf -n prints only what the config directory changes', async () => {
  const dir = await makeTempDir('cli-confn-');
  try {
    await writeFile(
      join(dir.path, 'policy.yaml'),
      `apiVersion: postfleet.io/v1alpha1
kind: MailPolicy
metadata:
  name: all
spec:
  listener: all
  message_size_limit: 5000000
`,
    );
    const { code, stdout, stderr } = await run(['conf', '-n'], { POSTFLEET_CONFIG_DIR: dir.path });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^message_size_limit = 5000000$/m);
    assert.doesNotMatch(stdout, /smtpd_delay_reject/);
  } finally {
    await dir.remove();
  }
});

test('version, help, unknown and planned commands', async () => {
  const version = await run(['version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^postfleet \d+\.\d+\.\d+ \(node 24\./);

  const help = await run(['help']);
  assert.equal(help.code, 0);
  for (const word of ['start', 'conf', 'queue', 'user', 'map', 'sendmail', 'import']) {
    assert.match(help.stdout, new RegExp(`^  ${word}\\b`, 'm'));
  }
  assert.match(help.stdout, /map .*not implemented yet/);

  const unknown = await run(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command/);

  const map = await run(['map', 'query', 'AccessMap/x', 'key']);
  assert.equal(map.code, 2);
  assert.match(map.stderr, /not implemented yet/);

  const badQueue = await run(['queue', 'frobnicate']);
  assert.equal(badQueue.code, 2);
  assert.match(badQueue.stderr, /usage: postfleet queue/);
});
