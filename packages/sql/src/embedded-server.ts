// A private PostgreSQL server for embedded mode (`npm start`): initdb on first
// use (into a temp directory that is renamed into place, so a crash mid-initdb
// leaves nothing half-made), a Unix socket only (no TCP port), fsync and
// synchronous_commit on, small memory settings. PostgreSQL refuses to run as
// root, so as root the server runs as the `postgres` system user, created when
// missing. A server that a killed Postfleet left running on the same directory
// is shut down before a new one starts.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { postgresBinaries, type PostgresBinaries } from './postgres-binaries.ts';

const run = promisify(execFile);

/** Only names the socket file: the socket directory is private to this server. */
const SOCKET_PORT = 5432;
const SUPERUSER = 'postgres';
const READY_LINE = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
/** How long a start waits for a dead server's processes to let go of the directory. */
const LOCK_WAIT_MS = 30_000;
/** sun_path holds 108 bytes with its terminating NUL. */
const MAX_SOCKET_PATH = 107;

/**
 * Server settings, passed on the command line so that a new Postfleet version's
 * settings apply to an existing directory. Durability is PostgreSQL's default,
 * spelled out: a COMMIT returns only after its WAL is flushed to disk.
 */
export const EMBEDDED_SERVER_SETTINGS: Readonly<Record<string, string>> = {
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  listen_addresses: '',
  max_connections: '40',
  shared_buffers: '16MB',
  wal_buffers: '4MB',
  wal_level: 'minimal',
  max_wal_senders: '0',
  max_wal_size: '256MB',
  io_method: 'sync',
  max_worker_processes: '2',
  max_parallel_workers: '0',
  max_parallel_workers_per_gather: '0',
  autovacuum_max_workers: '1',
  huge_pages: 'off',
  log_checkpoints: 'off',
  logging_collector: 'off',
  max_logical_replication_workers: '0',
};

export interface EmbeddedServerOptions {
  /** The cluster directory: created and initialised when it holds no cluster yet. */
  dir: string;
  /** Server log lines after start (startup lines go into a failure's message). */
  log?: (line: string) => void;
}

export interface PostgresConnection {
  host: string;
  port: number;
  user: string;
  database: string;
}

export interface EmbeddedServer {
  connection: PostgresConnection;
  pid: number;
  /** Fast shutdown (SIGINT): sessions end, the WAL is flushed, a checkpoint written. */
  stop(): Promise<void>;
}

interface Owner {
  uid: number;
  gid: number;
}

async function idsOf(user: string): Promise<Owner | undefined> {
  try {
    const uid = Number((await run('id', ['-u', user])).stdout.trim());
    const gid = Number((await run('id', ['-g', user])).stdout.trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** Who runs the server: ourselves, or the postgres system user when we are root. */
async function serverOwner(): Promise<Owner | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await idsOf(SUPERUSER);
  if (existing) return existing;
  await run('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    SUPERUSER,
  ]);
  const created = await idsOf(SUPERUSER);
  if (!created) throw new Error(`embedded PostgreSQL: could not create the ${SUPERUSER} user`);
  return created;
}

async function ownedDir(path: string, owner: Owner | undefined): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  if (owner) await chown(path, owner.uid, owner.gid);
  if (!owner) return;
  // Every parent must let the postgres user pass: /root usually does not.
  const probe = spawnSync('test', ['-w', path, '-a', '-x', path], { ...owner });
  if (probe.status !== 0) {
    throw new Error(
      `embedded PostgreSQL runs as user ${SUPERUSER} (PostgreSQL refuses root), which cannot ` +
        `reach ${path}: choose a POSTFLEET_DATA_DIR whose parents it may enter, or run as a ` +
        `non-root user`,
    );
  }
}

function spawnAs(bin: string, args: string[], owner: Owner | undefined): ChildProcess {
  return spawn(bin, args, {
    ...owner,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A directory only root may change: safe to run binaries from, as root. */
function rootOwned(path: string): boolean {
  const st = lstatSync(path, { throwIfNoEntry: false });
  return st !== undefined && st.isDirectory() && st.uid === 0 && (st.mode & 0o022) === 0;
}

/**
 * The binaries as the server's user can run them. As root, node_modules may sit
 * where the postgres user cannot enter (a clone under /root or a 0700 temp
 * directory): the package's native/ tree is then copied once to a root-owned
 * directory under the system temp directory, named by its path and version.
 */
async function runnableBinaries(owner: Owner | undefined): Promise<PostgresBinaries> {
  const found = await postgresBinaries();
  if (!owner) return found;
  if (spawnSync(found.postgres, ['--version'], { ...owner }).status === 0) return found;
  const native = dirname(dirname(found.postgres));
  const version = String(spawnSync(found.postgres, ['--version']).stdout).trim();
  const hash = createHash('sha256').update(`${native}\n${version}`).digest('hex').slice(0, 16);
  const target = join(tmpdir(), `postfleet-postgres-${hash}`);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    const staging = `${target}.${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await cp(native, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await rename(staging, target).catch(async (err: unknown) => {
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(join(target, 'bin', 'postgres'))) throw err; // else another start won
    });
  }
  if (!rootOwned(target)) {
    throw new Error(`embedded PostgreSQL: ${target} is not a directory only root may change`);
  }
  return { initdb: join(target, 'bin', 'initdb'), postgres: join(target, 'bin', 'postgres') };
}

async function initdb(
  dir: string,
  owner: Owner | undefined,
  binaries: PostgresBinaries,
): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  if (existsSync(dir)) {
    if ((await readdir(dir)).length > 0) {
      throw new Error(`embedded PostgreSQL: ${dir} is not empty and holds no cluster`);
    }
    await rmdir(dir);
  }
  const bin = binaries.initdb;
  const staging = `${dir}.init-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await ownedDir(staging, owner);
  const child = spawnAs(
    bin,
    ['-D', staging, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--no-locale'],
    owner,
  );
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const code = await exited(child);
  if (code !== 0) {
    await rm(staging, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL: initdb failed (exit ${code}): ${output.slice(-2000)}`);
  }
  await rename(staging, dir);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Stops a server an earlier process started on dir and left behind (it was killed). */
async function stopLeftover(dir: string): Promise<void> {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  // Only our own postmaster: after a reboot the pid may belong to anything.
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdline) || !readFileSync(cmdline, 'utf8').includes(dir)) return;
  process.kill(pid, 'SIGINT');
  if (await waitGone(pid, STOP_TIMEOUT_MS)) return;
  process.kill(pid, 'SIGQUIT');
  await waitGone(pid, STOP_TIMEOUT_MS);
}

/** The socket goes beside the cluster unless that path is too long for a socket. */
function socketDirFor(dir: string): string {
  if (join(dir, `.s.PGSQL.${SOCKET_PORT}`).length <= MAX_SOCKET_PATH) return dir;
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 16);
  return join(tmpdir(), `postfleet-pg-${hash}`);
}

/** How another client of the same machine reaches the embedded server of dir. */
export function embeddedConnection(dir: string): PostgresConnection {
  return { host: socketDirFor(dir), port: SOCKET_PORT, user: SUPERUSER, database: 'postgres' };
}

const quoted = (path: string): string => `"${path.replaceAll('"', '""')}"`;

/** The server's stderr said its lock is still held (a dead postmaster's backends linger). */
class LockHeldError extends Error {}

/** Starts postgres and resolves once it accepts connections; startup lines go into errors. */
function spawnOnce(
  bin: string,
  args: string[],
  owner: Owner | undefined,
  log: ((line: string) => void) | undefined,
): Promise<ChildProcess> {
  const child = spawnAs(bin, args, owner);
  child.stdout?.resume();
  let startup = '';
  let ready = false;
  return new Promise<ChildProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      reject(new Error(`embedded PostgreSQL did not start in 60 s: ${startup.slice(-2000)}`));
    }, START_TIMEOUT_MS);
    child.stderr?.setEncoding('utf8');
    let partial = '';
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (ready) log?.(line);
        else startup += `${line}\n`;
        if (!ready && line.includes(READY_LINE)) {
          ready = true;
          clearTimeout(timer);
          resolve(child);
        }
      }
    });
    child.once('exit', (code, signal) => {
      if (ready) return;
      clearTimeout(timer);
      const how = `embedded PostgreSQL exited during start (${signal ?? `exit ${code}`})`;
      const Kind = startup.includes('lock file') ? LockHeldError : Error;
      reject(new Kind(`${how}: ${startup.slice(-2000)}`));
    });
  });
}

/**
 * spawnOnce, again while the lock is held: after a power cut of the whole
 * process group the postmaster is gone at once, but its backends (each in its own
 * session) take a moment to notice and detach from shared memory.
 */
async function spawnUntilReady(
  bin: string,
  args: string[],
  owner: Owner | undefined,
  log: ((line: string) => void) | undefined,
): Promise<ChildProcess> {
  const until = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      return await spawnOnce(bin, args, owner, log);
    } catch (err) {
      if (!(err instanceof LockHeldError) || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function startEmbeddedServer(opts: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const owner = await serverOwner();
  await mkdir(dirname(opts.dir), { recursive: true });
  const binaries = await runnableBinaries(owner);
  await initdb(opts.dir, owner, binaries);
  await ownedDir(opts.dir, owner);
  await stopLeftover(opts.dir);
  const sockets = socketDirFor(opts.dir);
  if (sockets !== opts.dir) await ownedDir(sockets, owner);
  const { postgres } = binaries;
  const settings = { ...EMBEDDED_SERVER_SETTINGS, unix_socket_directories: quoted(sockets) };
  const args = ['-D', opts.dir, '-p', String(SOCKET_PORT)];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  const child = await spawnUntilReady(postgres, args, owner, opts.log);

  // A normal exit of this process takes the server with it (a SIGKILL cannot:
  // stopLeftover handles that on the next start).
  const onExit = (): void => {
    child.kill('SIGINT');
  };
  process.once('exit', onExit);

  let stopping: Promise<void> | undefined;
  return {
    connection: embeddedConnection(opts.dir),
    pid: child.pid ?? 0,
    stop: () =>
      (stopping ??= (async () => {
        process.removeListener('exit', onExit);
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
          await exited(child);
          clearTimeout(timer);
        }
        if (sockets !== opts.dir) await rm(sockets, { recursive: true, force: true });
      })()),
  };
}
