// Starts a throwaway PostgreSQL cluster for a test run (Debian package postgresql):
// initdb + pg_ctl from the newest /usr/lib/postgresql/<ver>/bin, listening only on
// 127.0.0.1 with trust auth, run as the postgres user when we are root.
import { execFile, execFileSync } from 'node:child_process';
import { chown, mkdtemp, readdir, rm, appendFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './temp.ts';

const run = promisify(execFile);

export interface PostgresHandle {
  /** postgres://...@127.0.0.1:<port>/<db> */
  url: string;
  /** Create another empty database on the same cluster and return its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** The bin directory of the newest installed PostgreSQL major version. */
async function findBinDir(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? (await readdir(root))
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) throw new Error('install the Debian package postgresql');
  return join(root, newest, 'bin');
}

/** The argv that runs a PostgreSQL tool as the postgres user when we are root. */
function asOwner(tool: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ['runuser', ['-u', 'postgres', '--', tool, ...args]];
  return [tool, args];
}

export async function startPostgres(): Promise<PostgresHandle> {
  const bin = await findBinDir();
  const dir = await mkdtemp(join(tmpdir(), 'postfleet-pg-'));
  const root = process.getuid?.() === 0;
  if (root) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  const port = await freePort();
  const pgctl = join(bin, 'pg_ctl');

  const tool = async (name: string, args: string[]): Promise<void> => {
    const [cmd, argv] = asOwner(join(bin, name), args);
    try {
      await run(cmd, argv, { cwd: dir });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${name} failed: ${e.stderr ?? e.message}`, { cause: err });
    }
  };

  await tool('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-N', '-E', 'UTF8']);
  await appendFile(
    join(data, 'postgresql.conf'),
    [
      `listen_addresses = '127.0.0.1'`,
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 100',
      '',
    ].join('\n'),
  );

  let running = false;
  const start = async (): Promise<void> => {
    await tool('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', 'start']);
    running = true;
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    await tool('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    running = false;
  };
  // A test process that dies without destroy() must not leave a server behind.
  const onExit = (): void => {
    if (!running) return;
    const [cmd, argv] = asOwner(pgctl, ['-D', data, '-m', 'immediate', 'stop']);
    try {
      execFileSync(cmd, argv, { stdio: 'ignore' });
    } catch {
      // best effort
    }
  };
  process.on('exit', onExit);

  await start();
  const urlFor = (db: string): string => `postgres://postgres@127.0.0.1:${port}/${db}`;

  return {
    url: urlFor('postgres'),
    createDatabase: async (name: string) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name: ${name}`);
      await run(join(bin, 'createdb'), [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        name,
      ]);
      return urlFor(name);
    },
    stop,
    start,
    destroy: async () => {
      await stop().catch(() => {});
      onExit();
      running = false;
      process.off('exit', onExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
