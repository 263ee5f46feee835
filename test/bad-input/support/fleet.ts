// The postfleet under attack: `postfleet start` as a child process (reliability's
// startChild) on embedded or nats+postgresql+s3 backends and fixed ports kept across
// restarts, with its config directory, RSS, crash reason and what it queued.
import { rename, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBlobStore, type BlobStore } from '@postfleet/blob';
import { createEmbeddedBus, createNatsBus, type Bus } from '@postfleet/bus';
import { compileResources } from '@postfleet/config';
import {
  freePort,
  makeTempDir,
  startDnsServer,
  startNats,
  startPostgres,
  type DnsServerHandle,
} from '@postfleet/harness';
import type { QueueRecord } from '@postfleet/queue-record';
import {
  createEmbeddedSql,
  createPostgresSql,
  embeddedConnection,
  embeddedSqlDir,
} from '@postfleet/sql';
import { startQueueReader, type QueueReader } from '../../e2e/support/queue-reader.ts';
import type { TestResource } from '../../e2e/support/stack.ts';
import {
  startChild,
  type ChildOptions,
  type PostfleetChild,
} from '../../reliability/support/postfleet-child.ts';
import { readQueueStream } from '../../reliability/support/queue-stream.ts';
import { startS3Process } from '../../reliability/support/s3-process.ts';

export type BackendKind = 'embedded' | 'real';

export const BACKEND_LABEL: Record<BackendKind, string> = {
  embedded: '[embedded]',
  real: '[nats+postgresql+s3]',
};

export type ListenerName = 'smtp' | 'submission' | 'submissions';

export interface FleetPorts {
  smtp: number;
  submission: number;
  submissions: number;
  http: number;
}

export interface Fleet {
  kind: BackendKind;
  ports: FleetPorts;
  /** How many times the child was started (1 = never restarted). */
  starts: number;
  pid(): number;
  alive(): boolean;
  /** "exit code 1: TypeError: ..." once the child has exited. */
  exitLine(): string;
  /** /healthz answers within ms. */
  responsive(ms?: number): Promise<boolean>;
  /** SIGKILL the child if it still runs, start it again on the same ports and data. */
  restart(): Promise<void>;
  /** VmRSS of the child in kB (null once it has gone). */
  rssKb(): Promise<number | null>;
  /** Rewrite the config directory; with wait, until the child has published that version. */
  setConfig(resources: TestResource[], wait: boolean): Promise<void>;
  blobExists(key: string): Promise<boolean>;
  /** Real backends: every record seen on the QUEUE stream so far (a live consumer). */
  live: QueueReader | null;
  /** Stops the child cleanly, then reads the whole QUEUE stream for the expected ids. */
  finish(expected: string[]): Promise<{ records: QueueRecord[]; stopCode: number | null }>;
  destroy(): Promise<void>;
}

/**
 * This suite checks what smtpd accepts and what the queue holds: delivery is held back
 * (the error transport defers every recipient), so an accepted message keeps its queue
 * blob for the checks instead of being delivered and collected.
 */
const HOLD_DELIVERY: TestResource = {
  kind: 'AddressMap',
  metadata: { name: 'bad-input-hold-delivery' },
  spec: {
    kind: 'transport',
    entries: [{ pattern: '*', result: ['error:4.7.1 bad-input suite: delivery held'] }],
  },
};

const withHeldDelivery = (resources: TestResource[]): TestResource[] => [
  ...resources,
  HOLD_DELIVERY,
];

function render(resources: TestResource[]): string {
  return withHeldDelivery(resources)
    .map((r) => JSON.stringify({ apiVersion: 'postfleet.io/v1alpha1', ...r }, null, 1))
    .join('\n---\n');
}

function versionOf(file: string, resources: TestResource[]): string {
  const r = compileResources(
    withHeldDelivery(resources).map((resource) => ({
      source: file,
      resource: { apiVersion: 'postfleet.io/v1alpha1', ...resource },
    })),
  );
  if ('errors' in r) throw new Error(`test config does not compile: ${JSON.stringify(r.errors)}`);
  return r.config.version;
}

/** The line of the child's output that best says why it died. */
export function crashLine(output: string): string {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  for (let i = lines.length - 1; i >= Math.max(0, lines.length - 60); i--) {
    const l = lines[i] ?? '';
    if (!l.startsWith('{') && !/^\s+at /.test(l) && /\b[A-Z]\w*(Error|Exception)\b/.test(l))
      return l.trim().slice(0, 240);
  }
  for (let i = lines.length - 1; i >= Math.max(0, lines.length - 60); i--) {
    const l = lines[i] ?? '';
    if (/"level":"(error|fatal)"/.test(l)) {
      try {
        const j = JSON.parse(l) as { msg?: string; err?: { message?: string } };
        return `${j.msg ?? ''} ${j.err?.message ?? ''}`.trim().slice(0, 240);
      } catch {
        return l.slice(0, 240);
      }
    }
  }
  return (lines.at(-1) ?? '(no output)').slice(0, 240);
}

interface Backends {
  env: Record<string, string>;
  openBus(): Promise<{ bus: Bus; close(): Promise<void> }>;
  destroy(): Promise<void>;
}

async function realBackends(): Promise<Backends & { natsUrl: string }> {
  const [pg, nats, s3] = await Promise.all([startPostgres(), startNats(), startS3Process()]);
  const env = {
    NATS_URL: nats.url,
    DATABASE_URL: await pg.createDatabase(`bad_input_${process.pid}`),
    ...s3.env,
  };
  return {
    env,
    natsUrl: nats.url,
    async openBus() {
      const bus = await createNatsBus(nats.url);
      return { bus, close: () => bus.close() };
    },
    async destroy() {
      await nats.destroy();
      await s3.destroy();
      await pg.destroy();
    },
  };
}

function embeddedBackends(dataDir: string): Backends {
  return {
    env: {},
    async openBus() {
      const sql = await createEmbeddedSql({ dir: embeddedSqlDir(dataDir) });
      const bus = await createEmbeddedBus(sql);
      return {
        bus,
        close: async () => {
          await bus.close();
          await sql.close();
        },
      };
    },
    destroy: async () => undefined,
  };
}

/** The blob store of a running embedded postfleet, seen from outside. */
async function embeddedBlobView(
  dataDir: string,
  undo: Array<() => Promise<unknown>>,
): Promise<BlobStore> {
  const inlineSql = createPostgresSql(embeddedConnection(embeddedSqlDir(dataDir)), 2);
  undo.push(() => inlineSql.close());
  const blob = await createBlobStore({ env: {}, dataDir, inlineSql });
  undo.push(() => blob.close());
  return blob;
}

/** startChild, failing with one line: why postfleet did not get ready (from its output). */
async function startOrExplain(opts: ChildOptions, what: string): Promise<PostfleetChild> {
  try {
    return await startChild(opts);
  } catch (err) {
    const why = crashLine((err as Error).message);
    throw new Error(`postfleet did not ${what}: ${why}`, { cause: err });
  }
}

/** Starts the backends and postfleet; whatever was started is torn down again on failure. */
export async function startFleet(kind: BackendKind, resources: TestResource[]): Promise<Fleet> {
  const undo: Array<() => Promise<unknown>> = [];
  const teardown = async (): Promise<void> => {
    for (const u of undo.splice(0).reverse()) await u().catch(() => undefined);
  };
  try {
    return await launch(kind, resources, undo, teardown);
  } catch (err) {
    await teardown();
    throw err;
  }
}

async function launch(
  kind: BackendKind,
  resources: TestResource[],
  undo: Array<() => Promise<unknown>>,
  teardown: () => Promise<void>,
): Promise<Fleet> {
  const data = await makeTempDir('bad-input-data-');
  undo.push(() => data.remove());
  const conf = await makeTempDir('bad-input-conf-');
  undo.push(() => conf.remove());
  const configFile = join(conf.path, 'bad-input.yaml');
  await writeFile(configFile, render(resources));
  const dns: DnsServerHandle = await startDnsServer([]);
  undo.push(() => dns.stop());
  const real = kind === 'real' ? await realBackends() : null;
  const backends: Backends = real ?? embeddedBackends(data.path);
  undo.push(() => backends.destroy());
  const ports: FleetPorts = {
    smtp: await freePort(),
    submission: await freePort(),
    submissions: await freePort(),
    http: await freePort(),
  };
  const opts: ChildOptions = {
    env: {
      ...backends.env,
      POSTFLEET_DATA_DIR: data.path,
      POSTFLEET_CONFIG_DIR: conf.path,
      POSTFLEET_SUBMISSION_ADDR: `127.0.0.1:${ports.submission}`,
      POSTFLEET_SUBMISSIONS_ADDR: `127.0.0.1:${ports.submissions}`,
      POSTFLEET_DNS_SERVERS: dns.address,
      POSTFLEET_DNS_TIMEOUT_MS: '1500',
    },
    smtpPort: ports.smtp,
    httpPort: ports.http,
  };
  const realBlob = real ? await createBlobStore({ env: backends.env, dataDir: data.path }) : null;
  if (realBlob) undo.push(() => realBlob.close());
  let live: QueueReader | null = null;
  if (real && realBlob) {
    const liveBus = await createNatsBus(real.natsUrl);
    undo.push(() => liveBus.close());
    const reader = await startQueueReader(liveBus, realBlob);
    undo.push(() => reader.stop());
    live = reader;
  }
  let child: PostfleetChild = await startOrExplain(opts, 'start');
  undo.push(() => child.kill());
  // Embedded: small blobs live in the running process's PostgreSQL; ask it directly.
  const blob: BlobStore = realBlob ?? (await embeddedBlobView(data.path, undo));
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const watchExit = (c: PostfleetChild): void => {
    void c.exited.then((e) => {
      if (c === child) exit = e;
    });
  };
  watchExit(child);

  const fleet: Fleet = {
    kind,
    ports,
    starts: 1,
    pid: () => child.child.pid ?? 0,
    alive: () => exit === null && child.child.exitCode === null && child.child.signalCode === null,
    exitLine() {
      const how = exit?.signal ? `signal ${exit.signal}` : `exit code ${exit?.code ?? '?'}`;
      return `${how}: ${crashLine(child.output())}`;
    },
    async responsive(ms = 2000) {
      const r = await fetch(`${child.httpBase}/healthz`, { signal: AbortSignal.timeout(ms) }).then(
        (res) => res.status,
        () => 0,
      );
      return r === 200;
    },
    async restart() {
      await child.kill();
      exit = null;
      child = await startOrExplain(opts, 'start again');
      watchExit(child);
      fleet.starts++;
    },
    async rssKb() {
      const status = await readFile(`/proc/${fleet.pid()}/status`, 'utf8').catch(() => '');
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      return m ? Number(m[1]) : null;
    },
    async setConfig(next, wait) {
      const version = versionOf(configFile, next);
      const mark = child.output().length;
      const tmp = join(conf.path, '.bad-input.yaml.tmp');
      await writeFile(tmp, render(next));
      await rename(tmp, configFile);
      if (!wait) return;
      const end = Date.now() + 15_000;
      for (;;) {
        const out = child.output();
        const fresh = out.length >= mark ? out.slice(Math.max(0, mark - 2000)) : out;
        if (fresh.includes(`"version":"${version}"`) && fresh.includes('config published')) break;
        if (Date.now() > end) {
          const said = fresh
            .split('\n')
            .filter((l) => /config/i.test(l))
            .at(-1);
          throw new Error(
            `config ${version.slice(0, 12)} not published within 15 s (last config log: ${said?.slice(0, 300) ?? 'none'})`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 200)); // the KV watch applies it right after
    },
    blobExists: (key) => blob.exists(key),
    live,
    async finish(expected) {
      const stopCode = fleet.alive() ? await child.stop() : null;
      const opened = await backends.openBus();
      try {
        const read = await readQueueStream(opened.bus, expected, {
          quietMs: 1000,
          timeoutMs: 20_000,
        });
        return { records: read.records, stopCode };
      } finally {
        await opened.close();
      }
    },
    destroy: teardown,
  };
  return fleet;
}
