// The embedded PostgreSQL server `npm start` runs: durable settings in force,
// data kept across a restart on the same directory, and a server left behind
// by a killed process (SIGKILL gives it no chance to stop its child) replaced
// on the next start without losing what it had committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@postfleet/harness';
import { createEmbeddedSql, EMBEDDED_SERVER_SETTINGS } from '../src/index.ts';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('embedded server: fsync and synchronous_commit on, Unix socket only, data kept across restart', async () => {
  const temp = await makeTempDir('postfleet-embedded-pg-');
  const dir = join(temp.path, 'postgres');
  try {
    let sql = await createEmbeddedSql({ dir });
    for (const name of ['fsync', 'synchronous_commit', 'full_page_writes']) {
      const r = await sql.query<Record<string, string>>(`SHOW ${name}`);
      assert.equal(r.rows[0]?.[name], 'on', name);
    }
    assert.equal(EMBEDDED_SERVER_SETTINGS.fsync, 'on');
    const listen = await sql.query<{ listen_addresses: string }>('SHOW listen_addresses');
    assert.equal(listen.rows[0]?.listen_addresses, '', 'no TCP listener');
    await sql.exec('CREATE TABLE kept (v text)');
    await sql.query('INSERT INTO kept VALUES ($1)', ['before restart']);
    const firstPid = sql.server.pid;
    await sql.close();
    assert.equal(isAlive(firstPid), false, 'close stops the server');

    sql = await createEmbeddedSql({ dir });
    const r = await sql.query<{ v: string }>('SELECT v FROM kept');
    assert.deepEqual(r.rows, [{ v: 'before restart' }]);
    await sql.close();
  } finally {
    await temp.remove();
  }
});

test('embedded server: one left running by a SIGKILLed process is stopped and replaced', async () => {
  const temp = await makeTempDir('postfleet-embedded-pg-');
  const dir = join(temp.path, 'postgres');
  const script = `
    import { createEmbeddedSql } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};
    const sql = await createEmbeddedSql({ dir: process.argv[1] });
    await sql.exec('CREATE TABLE kept (v text)');
    await sql.query("INSERT INTO kept VALUES ('committed before the kill')");
    process.stdout.write(String(sql.server.pid) + '\\n');
    setInterval(() => {}, 1000);
  `;
  try {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const serverPid = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(isAlive(serverPid), true, 'the orphaned server still runs');

    const sql = await createEmbeddedSql({ dir });
    try {
      assert.equal(isAlive(serverPid), false, 'the orphan was shut down');
      assert.notEqual(sql.server.pid, serverPid);
      const r = await sql.query<{ v: string }>('SELECT v FROM kept');
      assert.deepEqual(r.rows, [{ v: 'committed before the kill' }]);
    } finally {
      await sql.close();
    }
    assert.equal(existsSync(join(dir, 'postmaster.pid')), false, 'clean shutdown');
  } finally {
    await temp.remove();
  }
});
