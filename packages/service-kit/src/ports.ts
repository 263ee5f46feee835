// Opens the infrastructure ports (sql, bus, blob) the process's roles declare,
// from the environment: production adapters when NATS_URL / DATABASE_URL /
// S3_ENDPOINT are set, embedded ones under the data directory otherwise. A port
// no role declared is not opened (smtpd in a cluster never touches a database);
// using it fails loudly. One instance per process.
import { resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { createSql, sqlKind, type Sql } from '@postfleet/sql';
import { createBus, busKind, type Bus } from '@postfleet/bus';
import { createBlobStore, blobKind, type BlobStore } from '@postfleet/blob';

export type PortName = 'sql' | 'bus' | 'blob';
export const PORT_NAMES: readonly PortName[] = ['sql', 'bus', 'blob'];

export interface PortKinds {
  sql: string;
  bus: string;
  blob: string;
}

export interface Ports {
  sql: Sql;
  bus: Bus;
  blob: BlobStore;
  /** Which adapter each port uses, for logs and the start banner. */
  kinds: PortKinds;
  /** The data directory embedded adapters use (resolved, absolute). */
  dataDir: string;
  /** Close bus, blob, then sql (the embedded bus keeps its tables in sql). */
  close(): Promise<void>;
}

export interface OpenPortsOptions {
  env?: NodeJS.ProcessEnv;
  dataDir?: string;
  /** The ports the roles use (default all three). The embedded bus brings sql with it. */
  needs?: readonly PortName[];
  /** Log lines of the embedded PostgreSQL server (its warnings and errors). */
  sqlLog?: (line: string) => void;
}

/**
 * Embedded mode (bus, sql and blob all embedded) keeps small blobs in the
 * embedded database (blob inline.ts); a pod never starts a database for them.
 */
function blobsInline(env: NodeJS.ProcessEnv): boolean {
  return (
    blobKind(env) === 'fs' && sqlKind(env) === 'embedded-postgres' && busKind(env) === 'embedded'
  );
}

/**
 * Which ports must really be opened for these needs: the embedded bus keeps its
 * tables in sql, and embedded blobs their small objects.
 */
export function portsToOpen(needs: readonly PortName[], env: NodeJS.ProcessEnv): Set<PortName> {
  const open = new Set(needs);
  if (open.has('bus') && busKind(env) === 'embedded') open.add('sql');
  if (open.has('blob') && blobsInline(env)) open.add('sql');
  return open;
}

/** A port that was not opened: any use names the port and why it is missing. */
function notOpened<T extends object>(name: PortName): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      if (prop === 'close') return async () => undefined;
      if (prop === 'then') return undefined; // not a thenable
      throw new Error(
        `port ${name} is not open: no role in this process declared it (RoleDefinition.ports)`,
      );
    },
  });
}

/** POSTFLEET_DATA_DIR, default ./.postfleet, resolved against the working directory. */
export function dataDirFrom(env: NodeJS.ProcessEnv): string {
  return resolve(env.POSTFLEET_DATA_DIR || '.postfleet');
}

/** True when no production bus is configured: every role must then run in this process. */
export function isEmbedded(env: NodeJS.ProcessEnv): boolean {
  return !env.NATS_URL;
}

export async function openPorts(opts: OpenPortsOptions = {}): Promise<Ports> {
  const env = opts.env ?? process.env;
  const dataDir = resolve(opts.dataDir ?? dataDirFrom(env));
  await mkdir(dataDir, { recursive: true });
  const open = portsToOpen(opts.needs ?? PORT_NAMES, env);
  const kinds: PortKinds = {
    sql: open.has('sql') ? sqlKind(env) : 'none',
    bus: open.has('bus') ? busKind(env) : 'none',
    blob: open.has('blob') ? (blobsInline(env) ? 'fs+inline' : blobKind(env)) : 'none',
  };

  const sql = open.has('sql')
    ? await createSql({ env, dataDir, ...(opts.sqlLog ? { log: opts.sqlLog } : {}) })
    : notOpened<Sql>('sql');
  let bus: Bus | undefined;
  let blob: BlobStore | undefined;
  try {
    bus = open.has('bus') ? await createBus({ env, sql }) : notOpened<Bus>('bus');
    blob = open.has('blob')
      ? await createBlobStore({ env, dataDir, ...(blobsInline(env) ? { inlineSql: sql } : {}) })
      : notOpened<BlobStore>('blob');
  } catch (err) {
    await bus?.close().catch(() => undefined);
    await blob?.close().catch(() => undefined);
    await sql.close().catch(() => undefined);
    throw err;
  }
  return assemble(sql, bus, blob, kinds, dataDir);
}

function assemble(sql: Sql, bus: Bus, blob: BlobStore, kinds: PortKinds, dataDir: string): Ports {
  let closing: Promise<void> | undefined;
  return {
    sql,
    bus,
    blob,
    kinds,
    dataDir,
    close() {
      closing ??= (async () => {
        const results = await Promise.allSettled([bus.close(), blob.close()]);
        await sql.close();
        for (const r of results) if (r.status === 'rejected') throw r.reason;
      })();
      return closing;
    },
  };
}
