// Starts Postfleet for the parity suite as a child process (postfleet-main.ts) on
// 127.0.0.1:<port> with a config directory holding the translated resources, DNS
// from the suite's server, and the same TLS certificate as Postfix. The resources
// are compiled here first, so a translation the compiler refuses fails loudly.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileResources } from '@postfleet/config';
import { loopbackListenerEnv } from '@postfleet/harness';
import { renderResources, type ParityResource } from '../config/postfleet-config.ts';
import { onExit } from '@postfleet/harness';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const node = join(repo, 'node_modules/.bin/node');
const main = fileURLToPath(new URL('./postfleet-main.ts', import.meta.url));

export interface PostfleetInstance {
  port: number;
  /** Compiler warnings about the translation. */
  warnings: string[];
  output(): string;
  stop(): Promise<void>;
}

export interface PostfleetOptions {
  port: number;
  /** "127.0.0.153:53" */
  dnsServer: string;
  resources: ParityResource[];
  /** PEM files (Postfix's, so both present the same certificate). */
  tlsCert?: string;
  tlsKey?: string;
  readyTimeoutMs?: number;
}

function compiledVersion(resources: ParityResource[]): { version: string; warnings: string[] } {
  const r = compileResources(
    resources.map((resource) => ({
      source: 'parity.yaml',
      resource: { apiVersion: 'postfleet.io/v1alpha1', ...resource },
    })),
  );
  if ('errors' in r)
    throw new Error(
      `the Postfleet translation does not compile:\n${JSON.stringify(r.errors, null, 1)}`,
    );
  return {
    version: r.config.version,
    warnings: r.warnings.map((w) => `${w.kind}/${w.name} ${w.field}: ${w.message}`),
  };
}

export async function startPostfleet(opts: PostfleetOptions): Promise<PostfleetInstance> {
  const { version, warnings } = compiledVersion(opts.resources);
  const root = await mkdtemp(join(tmpdir(), 'postfleet-parity-'));
  // As root the embedded PostgreSQL runs as postgres, which must enter the data directory.
  await chmod(root, 0o711);
  const configDir = join(root, 'config');
  const dataDir = join(root, 'data');
  await mkdir(configDir);
  await mkdir(dataDir);
  await writeFile(join(configDir, 'parity.yaml'), renderResources(opts.resources));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    POSTFLEET_DATA_DIR: dataDir,
    POSTFLEET_CONFIG_DIR: configDir,
    ...loopbackListenerEnv(),
    POSTFLEET_SMTP_ADDR: `127.0.0.1:${opts.port}`,
    POSTFLEET_HTTP_ADDR: '127.0.0.1:0',
    POSTFLEET_DNS_SERVERS: opts.dnsServer,
    POSTFLEET_DNS_TIMEOUT_MS: '2000',
    POSTFLEET_LOG_LEVEL: process.env.PARITY_LOG_LEVEL ?? 'warn',
    PARITY_CONFIG_VERSION: version,
    ...(opts.tlsCert && opts.tlsKey
      ? { POSTFLEET_TLS_CERT: opts.tlsCert, POSTFLEET_TLS_KEY: opts.tlsKey }
      : {}),
  };
  const child = spawn(node, [main], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-200_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let done = false;
  void exited.then(() => (done = true));
  const forget = onExit(() => {
    if (!done) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });
  const stop = async (): Promise<void> => {
    forget();
    if (!done && child.pid !== undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(root, { recursive: true, force: true });
  };
  const end = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (!out.includes('parity-ready')) {
    if (done || Date.now() > end) {
      await stop();
      throw new Error(`postfleet did not become ready:\n${out.slice(-8000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port: opts.port, warnings, output: () => out, stop };
}
