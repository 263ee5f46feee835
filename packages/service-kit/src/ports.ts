// Opens the three infrastructure ports (sql, bus, blob) from the environment:
// production adapters when NATS_URL / DATABASE_URL / S3_ENDPOINT are set,
// embedded ones under the data directory otherwise. One instance per process.
import { resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { createSql, sqlKind, type Sql } from '@postfleet/sql';
import { createBus, busKind, type Bus } from '@postfleet/bus';
import { createBlobStore, blobKind, type BlobStore } from '@postfleet/blob';

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
  const kinds: PortKinds = { sql: sqlKind(env), bus: busKind(env), blob: blobKind(env) };

  const sql = await createSql({ env, dataDir });
  let bus: Bus | undefined;
  let blob: BlobStore | undefined;
  try {
    bus = await createBus({ env, sql });
    blob = await createBlobStore({ env, dataDir });
  } catch (err) {
    await bus?.close().catch(() => undefined);
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
