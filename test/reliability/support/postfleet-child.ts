// Runs `postfleet start` as a child process with a given backend environment on
// fixed free SMTP/HTTP ports (kept across restarts), waits for /readyz, and can
// SIGKILL it or stop it cleanly (SIGINT). Output is kept (tail) for evidence.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const node = join(root, 'node_modules/.bin/node');
const cli = join(root, 'cli/src/postfleet.ts');

export interface ChildOptions {
  /** Backend and config variables (NATS_URL, DATABASE_URL, S3_*, POSTFLEET_*). */
  env: Record<string, string>;
  smtpPort: number;
  httpPort: number;
}

export interface PostfleetChild {
  child: ChildProcess;
  httpBase: string;
  readyMs: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): Promise<void>;
  /** SIGINT and wait for the exit code (SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<number | null>;
}

const KEEP = 400_000;

export async function startChild(
  opts: ChildOptions,
  readyTimeoutMs = 60_000,
): Promise<PostfleetChild> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (
      k.startsWith('POSTFLEET_') ||
      k.startsWith('S3_') ||
      k === 'NATS_URL' ||
      k === 'DATABASE_URL'
    )
      delete env[k];
  }
  Object.assign(env, {
    POSTFLEET_HTTP_ADDR: `127.0.0.1:${opts.httpPort}`,
    POSTFLEET_SMTP_ADDR: `127.0.0.1:${opts.smtpPort}`,
    POSTFLEET_SUBMISSION_ADDR: '127.0.0.1:0',
    POSTFLEET_SUBMISSIONS_ADDR: '127.0.0.1:0',
    POSTFLEET_IMAP_ADDR: '127.0.0.1:0',
    POSTFLEET_IMAPS_ADDR: '127.0.0.1:0',
    POSTFLEET_POP3_ADDR: '127.0.0.1:0',
    POSTFLEET_POP3S_ADDR: '127.0.0.1:0',
    POSTFLEET_LOG_LEVEL: 'info',
    ...opts.env,
  });
  const t0 = performance.now();
  const child = spawn(node, [cli, 'start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer): void => {
    out += b.toString();
    if (out.length > KEEP * 2) out = out.slice(-KEEP);
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
    if (done) throw new Error(`postfleet start exited before ready:\n${out.slice(-8000)}`);
    if (performance.now() - t0 > readyTimeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`postfleet not ready within ${readyTimeoutMs} ms:\n${out.slice(-8000)}`);
    }
    const status = await fetch(`${httpBase}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const readyMs = Math.round(performance.now() - t0);
  return {
    child,
    httpBase,
    readyMs,
    output: () => out,
    exited,
    async kill() {
      if (!done) child.kill('SIGKILL');
      await exited;
    },
    async stop(timeoutMs = 20_000) {
      if (done) return (await exited).code;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const { code } = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
