// Starts `postfleet start` as a child process on free ports with temporary
// data and config directories, for CLI tests; waits for /readyz.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@postfleet/harness';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const node = join(root, 'node_modules/.bin/node');
export const cli = join(root, 'cli/src/postfleet.ts');

export const domainYaml = `apiVersion: postfleet.io/v1alpha1
kind: MailDomain
metadata:
  name: example-test
spec:
  domain: example.test
  class: virtual
`;

export interface Started {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readyMs: number;
}

export async function startPostfleet(dataDir: string, configDir: string): Promise<Started> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['NATS_URL', 'DATABASE_URL', 'S3_ENDPOINT']) delete env[k];
  Object.assign(env, {
    POSTFLEET_DATA_DIR: dataDir,
    POSTFLEET_CONFIG_DIR: configDir,
    POSTFLEET_HTTP_ADDR: `127.0.0.1:${port}`,
    // Every protocol listener on a free port, so parallel runs never collide.
    POSTFLEET_SMTP_ADDR: '127.0.0.1:0',
    POSTFLEET_SUBMISSION_ADDR: '127.0.0.1:0',
    POSTFLEET_SUBMISSIONS_ADDR: '127.0.0.1:0',
    POSTFLEET_IMAP_ADDR: '127.0.0.1:0',
    POSTFLEET_IMAPS_ADDR: '127.0.0.1:0',
    POSTFLEET_POP3_ADDR: '127.0.0.1:0',
    POSTFLEET_POP3S_ADDR: '127.0.0.1:0',
  });
  const t0 = performance.now();
  const child = spawn(node, [cli, 'start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const base = `http://127.0.0.1:${port}`;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  for (;;) {
    if (exitedEarly) throw new Error(`postfleet start exited before ready:\n${out}`);
    if (performance.now() - t0 > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`not ready within 120 s:\n${out}`);
    }
    const status = await fetch(`${base}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const readyMs = Math.round(performance.now() - t0);
  return { child, base, output: () => out, exited, readyMs };
}

export async function withinMs<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
