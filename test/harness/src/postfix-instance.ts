// A private Debian Postfix instance (parity suite, benchmarks): its own config,
// queue and data directories under one temp dir, the caller's master.cf and
// main.cf additions, never the system's instance. With a nameserver it starts
// inside a private mount namespace in which /etc/resolv.conf names that server.
// `postfix stop` and rm at the end (or at process exit).
import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTestCert } from './tls-cert.ts';
import { onExit } from './exit-cleanup.ts';

const run = promisify(execFile);

export const POSTFIX = '/usr/sbin/postfix';

export interface PostfixInstance {
  port: number;
  root: string;
  /** The instance's maillog (for failure reports). */
  maillog(): Promise<string>;
  stop(): Promise<void>;
}

/** A file for the config directory; postmap/postalias build its .db. */
export interface PostfixFile {
  name: string;
  content: string;
  build?: 'postmap' | 'postalias';
}

/** What the caller's configuration adds to the instance's own settings. */
export interface PostfixSeed {
  /** Appended to main.cf after the instance lines (later lines win). */
  mainCf: string;
  files: PostfixFile[];
}

export interface PostfixOptions {
  port: number;
  /** "127.0.0.153": resolv.conf inside a mount namespace; absent: the system's. */
  nameserver?: string;
  /** master.cf for the instance, given the smtpd port. */
  masterCf: (port: number) => string;
  seed: (confDir: string, root: string) => PostfixSeed;
  /** Runs before Postfix starts: directories its delivery agents write to. */
  prepare?: (root: string) => Promise<void>;
}

/** main.cf lines that make this a separate instance in its own directories. */
function instanceMainCf(root: string): string {
  return [
    'compatibility_level = 3.6',
    `queue_directory = ${root}/queue`,
    `data_directory = ${root}/data`,
    'command_directory = /usr/sbin',
    'daemon_directory = /usr/lib/postfix/sbin',
    'meta_directory = /etc/postfix',
    'shlib_directory = /usr/lib/postfix',
    'mail_owner = postfix',
    'setgid_group = postdrop',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    `maillog_file_prefixes = ${root}`,
    `maillog_file = ${root}/maillog`,
    'smtpd_tls_loglevel = 0',
    '',
  ].join('\n');
}

/** The services every instance needs beside its smtpd and transports. */
export const POSTFIX_CORE_SERVICES = [
  'cleanup   unix n - n - 0 cleanup',
  'qmgr      unix n - n 300 1 qmgr',
  'rewrite   unix - - n - - trivial-rewrite',
  'bounce    unix - - n - 0 bounce',
  'defer     unix - - n - 0 bounce',
  'trace     unix - - n - 0 bounce',
  'verify    unix - - n - 1 verify',
  'flush     unix n - n 1000? 0 flush',
  'anvil     unix - - n - 1 anvil',
  'tlsmgr    unix - - n 1000? 1 tlsmgr',
  'proxymap  unix - - n - - proxymap',
  'postlog   unix-dgram n - n - 1 postlogd',
];

async function selfSignedCert(confDir: string): Promise<void> {
  const pair = makeTestCert('mx.parity.test');
  await writeFile(join(confDir, 'tls.key'), pair.key);
  await writeFile(join(confDir, 'tls.crt'), pair.cert);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function masterPid(root: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(join(root, 'queue', 'pid', 'master.pid'), 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startPostfix(opts: PostfixOptions): Promise<PostfixInstance> {
  const root = await mkdtemp(join(tmpdir(), 'postfleet-postfix-'));
  // The daemons run as user postfix: they must traverse the root and own data/.
  await chmod(root, 0o755);
  const confDir = join(root, 'conf');
  await mkdir(confDir);
  await mkdir(join(root, 'queue'));
  await mkdir(join(root, 'data'));
  await chown(join(root, 'data'), Number((await run('id', ['-u', 'postfix'])).stdout), 0);
  const confArgs = ['-c', confDir];
  const maillog = (): Promise<string> => readFile(join(root, 'maillog'), 'utf8').catch(() => '');
  let started = false;
  const forget = onExit(() => {
    if (started)
      execFileSync(POSTFIX, [...confArgs, 'abort'], { stdio: 'ignore', timeout: 10_000 });
    rmSync(root, { recursive: true, force: true });
  });
  const stop = async (): Promise<void> => {
    forget();
    if (started) {
      const pid = await masterPid(root);
      await run(POSTFIX, [...confArgs, 'stop']).catch(() => undefined);
      for (let i = 0; pid !== null && alive(pid) && i < 100; i++) await sleep(100);
      if (pid !== null && alive(pid))
        await run(POSTFIX, [...confArgs, 'abort']).catch(() => undefined);
      started = false;
    }
    await rm(root, { recursive: true, force: true });
  };
  try {
    const seed = opts.seed(confDir, root);
    await writeFile(join(confDir, 'main.cf'), instanceMainCf(root) + seed.mainCf);
    await writeFile(join(confDir, 'master.cf'), opts.masterCf(opts.port));
    for (const f of seed.files) {
      const path = join(confDir, f.name);
      await writeFile(path, f.content);
      if (f.build === 'postmap') await run('/usr/sbin/postmap', [...confArgs, `hash:${path}`]);
      if (f.build === 'postalias') await run('/usr/sbin/postalias', [...confArgs, `hash:${path}`]);
    }
    await selfSignedCert(confDir);
    await opts.prepare?.(root);
    if (opts.nameserver === undefined) await run(POSTFIX, [...confArgs, 'start']);
    else await startWithNameserver(root, confDir, opts.nameserver);
    started = true;
    for (let i = 0; !(await canConnect(opts.port)); i++) {
      if (i > 50) throw new Error(`postfix did not listen on ${opts.port}`);
      await sleep(100);
    }
  } catch (err) {
    const log = await maillog();
    await stop();
    throw new Error(`postfix instance failed to start: ${(err as Error).message}\n${log}`, {
      cause: err,
    });
  }
  return { port: opts.port, root, maillog, stop };
}

async function startWithNameserver(
  root: string,
  confDir: string,
  nameserver: string,
): Promise<void> {
  const resolv = join(root, 'resolv.conf');
  await writeFile(resolv, `nameserver ${nameserver}\noptions timeout:2 attempts:1\n`);
  await chmod(resolv, 0o644);
  // The mount namespace lives as long as its processes: master and its children.
  await run('unshare', [
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    'mount --bind "$1" /etc/resolv.conf && exec "$2" -c "$3" start',
    'sh',
    resolv,
    POSTFIX,
    confDir,
  ]);
}
