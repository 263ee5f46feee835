// Runs the harness S3 endpoint (s3rver) in its own process for the kill tests:
// an upload cut off by SIGKILL can make s3rver throw ENOENT outside any request
// (a harness artefact, not a Postfleet error), which must not crash the test process.
// As a script it prints the S3_* env as one JSON line; startS3Process spawns it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startS3 } from '@postfleet/harness';

export interface S3Process {
  env: Record<string, string>;
  /** Errors s3rver threw outside a request (logged, survived). */
  strayErrors(): string[];
  destroy(): Promise<void>;
}

export async function startS3Process(): Promise<S3Process> {
  const node = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));
  const child: ChildProcess = spawn(node, [fileURLToPath(import.meta.url)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stray: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => {
    if (l.startsWith('stray: ')) stray.push(l.slice(7));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) =>
      resolve(JSON.parse(l) as Record<string, string>),
    );
    void exited.then(() => reject(new Error('S3 process exited before it was ready')));
  });
  return {
    env,
    strayErrors: () => stray,
    async destroy() {
      child.stdin!.end(); // the script destroys s3rver and exits when stdin closes
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.on('uncaughtException', (err) => {
    process.stderr.write(`stray: ${String(err).replace(/\n/g, ' ')}\n`);
  });
  const s3 = await startS3();
  process.stdout.write(`${JSON.stringify(s3.env)}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => {
    void s3.destroy().finally(() => process.exit(0));
  });
}
