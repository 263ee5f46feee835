// Starts the whole SMTP ingress stack in-process (authd, cleanup, smtpd through
// runService) on one backend set: embedded (bus and sql in an embedded PostgreSQL, filesystem blobs) or
// real (nats-server, PostgreSQL, s3rver from @postfleet/harness), with a test DNS
// server, a YAML config directory that tests rewrite to reload, and a queue reader.
import { rename, writeFile } from 'node:fs/promises';
import { describe } from 'node:test';
import { join } from 'node:path';
import { authdRole } from '@postfleet/authd';
import { cleanupRole } from '@postfleet/cleanup';
import { compileResources } from '@postfleet/config';
import {
  suiteFixture,
  makeTempDir,
  startDnsServer,
  startNats,
  loopbackListenerEnv,
  startPostgres,
  startS3,
  type DnsServerHandle,
  type DnsZoneRecord,
  type NatsHandle,
  type PostgresHandle,
  type S3Handle,
  type TempDir,
} from '@postfleet/harness';
import {
  readAdminToken,
  runService,
  type RoleDefinition,
  type RunningService,
} from '@postfleet/service-kit';
import { smtpdRole } from '@postfleet/smtpd';
import { startQueueReader, type QueueReader } from './queue-reader.ts';

export type BackendKind = 'embedded' | 'real';

/** The describe() label of a backend set. */
export const BACKEND_LABEL: Record<BackendKind, string> = {
  embedded: '[embedded]',
  real: '[nats+postgresql+s3]',
};

/** A custom resource as written in YAML (apiVersion is added). */
export interface TestResource {
  kind: 'MailDomain' | 'MailUser' | 'AccessMap' | 'AddressMap' | 'MailPolicy';
  metadata: { name: string };
  spec: Record<string, unknown>;
}

export interface Stack {
  kind: BackendKind;
  running: RunningService;
  smtpPort: number;
  submissionPort: number;
  submissionsPort: number;
  /** http://127.0.0.1:<port> (admin API, health). */
  httpBase: string;
  dns: DnsServerHandle;
  queue: QueueReader;
  env: NodeJS.ProcessEnv;
  /** Real backends only. */
  nats?: NatsHandle;
  s3?: S3Handle;
  /** Rewrite the config directory and wait until the stack runs that config. */
  setConfig(resources: TestResource[]): Promise<void>;
  /** Add a user through the admin API (what `postfleet user add` does). */
  addUser(address: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  dnsRecords?: DnsZoneRecord[];
  /** Config in force at start. */
  resources?: TestResource[];
  env?: NodeJS.ProcessEnv;
  /** Roles to run, in start order (default the ingress: authd, cleanup, smtpd). */
  roles?: RoleDefinition[];
}

let pgShared: PostgresHandle | undefined;
let dbCounter = 0;

function render(resources: TestResource[]): string {
  return resources
    .map((r) => JSON.stringify({ apiVersion: 'postfleet.io/v1alpha1', ...r }, null, 1))
    .join('\n---\n');
}

function expectedVersion(file: string, resources: TestResource[]): string {
  const r = compileResources(
    resources.map((resource) => ({
      source: file,
      resource: { apiVersion: 'postfleet.io/v1alpha1', ...resource },
    })),
  );
  if ('errors' in r)
    throw new Error(`test config does not compile: ${JSON.stringify(r.errors, null, 1)}`);
  return r.config.version;
}

function portOf(listening: string[], name: string): number {
  const line = listening.find((l) => l.startsWith(`${name} `));
  const m = line === undefined ? null : /:(\d+)(?:\s|$)/.exec(line);
  if (!m) throw new Error(`no ${name} listener in ${JSON.stringify(listening)}`);
  return Number(m[1]);
}

export async function startStack(kind: BackendKind, opts: StackOptions = {}): Promise<Stack> {
  const temps: TempDir[] = [];
  const dataDir = await makeTempDir('postfleet-e2e-data-');
  const configDir = await makeTempDir('postfleet-e2e-config-');
  temps.push(dataDir, configDir);
  const dns = await startDnsServer(opts.dnsRecords ?? []);
  const configFile = join(configDir.path, 'e2e.yaml');

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    POSTFLEET_DATA_DIR: dataDir.path,
    POSTFLEET_CONFIG_DIR: configDir.path,
    ...loopbackListenerEnv(),
    POSTFLEET_HTTP_ADDR: '127.0.0.1:0',
    POSTFLEET_DNS_SERVERS: dns.address,
    POSTFLEET_DNS_TIMEOUT_MS: '1500',
    POSTFLEET_LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'silent',
    ...opts.env,
  };
  let nats: NatsHandle | undefined;
  let s3: S3Handle | undefined;
  if (kind === 'real') {
    pgShared ??= await startPostgres();
    const pg = pgShared;
    [nats, s3] = await Promise.all([startNats(), startS3()]);
    env.NATS_URL = nats.url;
    env.DATABASE_URL = await pg.createDatabase(`e2e_${process.pid}_${dbCounter++}`);
    Object.assign(env, s3.env);
  }

  let lastText = render(opts.resources ?? []);
  let running: RunningService;
  let queue: QueueReader;
  try {
    await writeFile(configFile, lastText);
    running = await runService(opts.roles ?? [authdRole, cleanupRole, smtpdRole], {
      env,
      handleSignals: false,
      dataDir: dataDir.path,
      configDir: configDir.path,
    });
    queue = await startQueueReader(running.ports.bus, running.ports.blob);
  } catch (err) {
    await dns.stop();
    await nats?.destroy();
    await s3?.destroy();
    for (const t of temps) await t.remove();
    throw err;
  }
  const http = running.listening.find((l) => l.startsWith('http '))?.split(' ')[1] ?? '';
  const httpBase = http.replace(/\/$/, '');

  const setConfig = async (resources: TestResource[]): Promise<void> => {
    const text = render(resources);
    if (text === lastText) return;
    const version = expectedVersion(configFile, resources);
    const tmp = join(configDir.path, '.e2e.yaml.tmp');
    await writeFile(tmp, text);
    await rename(tmp, configFile);
    lastText = text;
    const end = Date.now() + 15_000;
    while (!running.config.current().version.startsWith(version)) {
      if (Date.now() > end) throw new Error('config was not reloaded within 15 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  return {
    kind,
    running,
    smtpPort: portOf(running.listening, 'smtp'),
    submissionPort: portOf(running.listening, 'submission'),
    submissionsPort: portOf(running.listening, 'submissions'),
    httpBase,
    dns,
    queue,
    env,
    ...(nats ? { nats } : {}),
    ...(s3 ? { s3 } : {}),
    setConfig,
    async addUser(address, password) {
      // The token the stack's runService keeps in its data dir, found as the CLI finds it.
      const { token } = await readAdminToken(env);
      const res = await fetch(`${httpBase}/admin/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ address, password, mode: 'add' }),
      });
      if (res.status !== 200)
        throw new Error(`user add ${address}: ${res.status} ${await res.text()}`);
    },
    async stop() {
      await queue.stop().catch(() => undefined);
      await running.stop();
      await dns.stop();
      await nats?.destroy();
      await s3?.destroy();
      for (const t of temps) await t.remove();
    },
  };
}

/** Stops the PostgreSQL cluster shared by the real stacks of this process. */
export async function stopSharedBackends(): Promise<void> {
  const pg = pgShared;
  pgShared = undefined;
  await pg?.destroy();
}

/**
 * One suite per backend set: a stack started before its tests (then `ready`, e.g. to
 * add users) and stopped after them, the shared real backends with the last suite.
 */
export function onEachBackend(
  title: string,
  start: (kind: BackendKind) => Promise<Stack>,
  suite: (stack: Stack, kind: BackendKind) => void,
): void {
  for (const kind of ['embedded', 'real'] as BackendKind[]) {
    describe(`${title} ${BACKEND_LABEL[kind]}`, () => {
      const stack = suiteFixture(
        () => start(kind),
        async (s) => {
          await s.stop();
          if (kind === 'real') await stopSharedBackends();
        },
      );
      suite(stack, kind);
    });
  }
}
