// Runs `postfleet start` (or another Postfleet entry point) as a child process
// for tests: a clean environment (PATH and HOME, no backend selection leaking in
// from the caller), every listener on 127.0.0.1, output kept (its tail), and
// /readyz awaited. kill() is a power cut (SIGKILL to the process group); stop() is Ctrl-C (SIGINT).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Node 24 from the `node` devDependency (the system's may be older). */
export const nodeBin = join(repoRoot, 'node_modules/.bin/node');
export const postfleetCli = join(repoRoot, 'cli/src/postfleet.ts');

/** The smallest useful configuration: one virtual domain, example.test. */
export const EXAMPLE_DOMAIN_YAML = `apiVersion: postfleet.io/v1alpha1
kind: MailDomain
metadata:
  name: example-test
spec:
  domain: example.test
  class: virtual
`;

const LISTENERS = ['SMTP', 'SUBMISSION', 'SUBMISSIONS', 'IMAP', 'IMAPS', 'POP3', 'POP3S'] as const;

/** POSTFLEET_<LISTENER>_ADDR for every protocol listener: 127.0.0.1, any free port. */
export function loopbackListenerEnv(): Record<string, string> {
  return Object.fromEntries(LISTENERS.map((l) => [`POSTFLEET_${l}_ADDR`, '127.0.0.1:0']));
}

export interface PostfleetProcessOptions {
  /** Added to PATH, HOME and the loopback listeners: data/config dirs, backends, ports. */
  env: Record<string, string | undefined>;
  /** The health endpoint's port (also set as POSTFLEET_HTTP_ADDR). */
  httpPort: number;
  /** Arguments after node (default: the postfleet CLI and `start`). */
  args?: string[];
  /** A command that runs node for us, e.g. ['strace', '-f', '-o', file]. */
  wrapper?: string[];
  readyTimeoutMs?: number;
  /** How much output to keep (default 400,000 characters, the tail). */
  keepChars?: number;
}

export interface PostfleetProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<httpPort> */
  httpBase: string;
  readyMs: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGINT and wait for the exit code (SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** The first child process of pid (Linux /proc), or undefined. */
function firstChildOf(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    const first = Number(children.split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

export async function startPostfleetProcess(
  opts: PostfleetProcessOptions,
): Promise<PostfleetProcess> {
  const keepChars = opts.keepChars ?? 400_000;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...loopbackListenerEnv(),
    POSTFLEET_HTTP_ADDR: `127.0.0.1:${opts.httpPort}`,
    // tests never query the real DNS (delivery looks up MX records): a closed local port
    // unless the test brings its own DNS server
    POSTFLEET_DNS_SERVERS: '127.0.0.1:9',
    ...opts.env,
  };
  const t0 = performance.now();
  // Its own process group, so that a power cut takes the embedded PostgreSQL server with it.
  const argv = [nodeBin, ...(opts.args ?? [postfleetCli, 'start'])];
  const [command, ...commandArgs] = [...(opts.wrapper ?? []), ...argv] as [string, ...string[]];
  const child = spawn(command, commandArgs, {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const killGroup = (): void => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let out = '';
  const keep = (b: Buffer): void => {
    out += b.toString();
    if (out.length > keepChars * 2) out = out.slice(-keepChars);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  const httpBase = `http://127.0.0.1:${opts.httpPort}`;
  for (;;) {
    if (done) throw new Error(`postfleet exited before ready:\n${out.slice(-8000)}`);
    if (performance.now() - t0 > readyTimeoutMs) {
      killGroup();
      throw new Error(`postfleet not ready within ${readyTimeoutMs} ms:\n${out.slice(-8000)}`);
    }
    const status = await fetch(`${httpBase}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    httpBase,
    readyMs: Math.round(performance.now() - t0),
    output: () => out,
    exited,
    async kill() {
      killGroup();
      await exited;
    },
    async stop(timeoutMs = 20_000) {
      if (done) return (await exited).code;
      // Ctrl-C reaches node itself, not a wrapper (which would detach or kill it).
      const nodePid = opts.wrapper ? firstChildOf(child.pid ?? 0) : child.pid;
      if (nodePid) process.kill(nodePid, 'SIGINT');
      const timer = setTimeout(killGroup, timeoutMs);
      const { code } = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
