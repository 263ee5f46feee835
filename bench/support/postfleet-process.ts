// Spawns `postfleet start` as a child process on free 127.0.0.1 ports for the
// start-up and SMTP benchmarks, keeps its JSON log lines, waits for /readyz and
// stops it with SIGINT (timing each step).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort, nodeBin, postfleetCli as cliEntry, repoRoot } from '@postfleet/harness';

export { repoRoot };

const listeners = [
  'smtp',
  'submission',
  'submissions',
  'imap',
  'imaps',
  'pop3',
  'pop3s',
  'http',
] as const;
type Listener = (typeof listeners)[number];

export interface PostfleetProcess {
  /** The node process, leader of the process group its helpers (PostgreSQL) run in. */
  pid: number;
  /** 127.0.0.1 port of each listener. */
  ports: Record<Listener, number>;
  /** http://127.0.0.1:<port> of the health/admin endpoint. */
  httpUrl: string;
  /** The admin API's bearer token (POSTFLEET_ADMIN_TOKEN given to the process). */
  adminToken: string;
  /** Every stdout line so far (JSON log lines, one per entry). */
  stdoutLines: string[];
  /** The last 8 KiB of stderr. */
  stderrTail(): string;
  /** Resolves with ms since spawn once /readyz answers 200; rejects if the process exits. */
  waitReady(timeoutMs?: number): Promise<number>;
  /** Sends SIGINT and resolves with ms until exit (SIGKILL after killAfterMs). */
  stop(killAfterMs?: number): Promise<{ ms: number; code: number | null; killed: boolean }>;
  exited(): boolean;
}

/** The admin token of each process spawnPostfleet started, by its httpUrl (for addUser). */
const adminTokens = new Map<string, string>();

/** Starts `postfleet start` with the given extra env (data dir, config dir, backends). */
export async function spawnPostfleet(extraEnv: Record<string, string>): Promise<PostfleetProcess> {
  const ports = {} as Record<Listener, number>;
  // the benchmark never queries the real DNS: delivery of remote mail defers at once
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POSTFLEET_LOG_LEVEL: 'info',
    POSTFLEET_DNS_SERVERS: '127.0.0.1:9',
  };
  for (const key of listeners) {
    ports[key] = await freePort();
    env[`POSTFLEET_${key.toUpperCase()}_ADDR`] = `127.0.0.1:${ports[key]}`;
  }
  // A token of our own, so that addUser can call the admin API (as the CLI does with the file).
  const adminToken = extraEnv.POSTFLEET_ADMIN_TOKEN ?? randomBytes(32).toString('base64url');
  Object.assign(env, extraEnv, { POSTFLEET_ADMIN_TOKEN: adminToken });

  const startedAt = performance.now();
  // Its own process group: a SIGKILL then takes the embedded PostgreSQL server too.
  const child: ChildProcess = spawn(nodeBin, [cliEntry, 'start'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stdoutLines: string[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (line) stdoutLines.push(line);
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
  });
  let exitCode: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      if (partial) stdoutLines.push(partial);
      resolve(code);
    });
  });

  const httpUrl = `http://127.0.0.1:${ports.http}`;
  adminTokens.set(httpUrl, adminToken);
  return {
    pid: child.pid ?? 0,
    ports,
    httpUrl,
    adminToken,
    stdoutLines,
    stderrTail: () => stderr,
    exited: () => exitCode !== undefined,
    async waitReady(timeoutMs = 120_000) {
      const deadline = startedAt + timeoutMs;
      while (performance.now() < deadline) {
        if (exitCode !== undefined) {
          throw new Error(`postfleet start exited (${exitCode}) before ready: ${stderr}`);
        }
        try {
          const res = await fetch(`${httpUrl}/readyz`);
          await res.arrayBuffer();
          if (res.status === 200) return performance.now() - startedAt;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`postfleet start not ready after ${timeoutMs} ms: ${stderr}`);
    },
    async stop(killAfterMs = 60_000) {
      if (exitCode !== undefined) return { ms: 0, code: exitCode, killed: false };
      const t0 = performance.now();
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      }, killAfterMs);
      child.kill('SIGINT');
      const code = await exit;
      clearTimeout(timer);
      return { ms: performance.now() - t0, code, killed };
    },
  };
}

/** Adds (or re-adds) a user through the admin API, as `postfleet user add` does. */
export async function addUser(httpUrl: string, address: string, password: string): Promise<void> {
  const res = await fetch(`${httpUrl}/admin/users`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${adminTokens.get(httpUrl) ?? ''}`,
    },
    body: JSON.stringify({ address, password, mode: 'add' }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST /admin/users: ${res.status} ${text}`);
}

/** Log lines (parsed JSON) whose msg matches, skipping lines that are not JSON. */
export function logMessages(lines: string[]): Array<{ level?: number; msg?: string }> {
  const out: Array<{ level?: number; msg?: string }> = [];
  for (const line of lines) {
    try {
      out.push(JSON.parse(line) as { level?: number; msg?: string });
    } catch {
      out.push({ msg: line });
    }
  }
  return out;
}
