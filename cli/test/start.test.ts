// `postfleet start` as a newcomer runs it: every role in one process on the
// embedded backends. Becomes ready (time-to-ready is measured in bench/startup.ts,
// not asserted here), serves health and metrics, and exits cleanly
// with 0 on SIGINT and on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, makeTempDir } from '@postfleet/harness';
import {
  cli,
  domainYaml,
  node,
  root,
  startPostfleet,
  withinMs,
  type Started,
} from './support/postfleet-process.ts';

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`postfleet start becomes ready and exits 0 on ${signal}`, async (t) => {
    const data = await makeTempDir('cli-data-');
    const conf = await makeTempDir('cli-conf-');
    await writeFile(join(conf.path, 'domain.yaml'), domainYaml);
    let started: Started | undefined;
    try {
      started = await startPostfleet(data.path, conf.path);
      t.diagnostic(`ready after ${started.readyMs} ms`);

      const healthz = await fetch(`${started.base}/healthz`);
      assert.equal(healthz.status, 200);
      const metrics = await fetch(`${started.base}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /target_info|# HELP|# no registered metrics/);
      // Every role reported: the banner names them and the HTTP endpoint.
      await withinMs(
        (async () => {
          while (!/listening: http /.test(started.output()))
            await new Promise((r) => setTimeout(r, 20));
        })(),
        2000,
        'banner',
      );
      for (const role of ['smtpd', 'cleanup', 'qmgr', 'delivery', 'authd', 'imapd']) {
        assert.match(started.output(), new RegExp(`\\b${role}\\b`));
      }

      const t0 = performance.now();
      started.child.kill(signal);
      const { code } = await withinMs(started.exited, 5000, `exit after ${signal}`);
      t.diagnostic(`exited ${Math.round(performance.now() - t0)} ms after ${signal}`);
      assert.equal(code, 0, started.output());
      assert.match(started.output(), /"msg":"stopped"/);
      await assert.rejects(fetch(`${started.base}/readyz`), '/readyz is gone after exit');
    } finally {
      if (started && started.child.exitCode === null) started.child.kill('SIGKILL');
      await data.remove();
      await conf.remove();
    }
  });
}

test('postfleet start refuses an invalid configuration directory, naming file and field', async () => {
  const data = await makeTempDir('cli-data-');
  const conf = await makeTempDir('cli-conf-');
  try {
    await writeFile(join(conf.path, 'domain.yaml'), domainYaml.replace('virtual', 'bogus'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ['NATS_URL', 'DATABASE_URL', 'S3_ENDPOINT']) delete env[k];
    Object.assign(env, {
      POSTFLEET_DATA_DIR: data.path,
      POSTFLEET_CONFIG_DIR: conf.path,
      POSTFLEET_HTTP_ADDR: `127.0.0.1:${await freePort()}`,
      POSTFLEET_LOG_LEVEL: 'silent',
    });
    const child = spawn(node, [cli, 'start'], {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await withinMs(
      new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))),
      30_000,
      'exit',
    );
    assert.equal(code, 1);
    assert.match(stderr, /domain\.yaml: MailDomain\/example-test: spec\.class/);
  } finally {
    await data.remove();
    await conf.remove();
  }
});
