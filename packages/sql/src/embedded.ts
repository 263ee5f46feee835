// Embedded sql adapter: the same pg pool as production, on a private PostgreSQL
// server this process starts under the data directory (embedded-server.ts).
// Closing the Sql stops the server; a temporary one also removes its directory.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sql } from './types.ts';
import { createPostgresSql } from './postgres.ts';
import { startEmbeddedServer, type EmbeddedServer } from './embedded-server.ts';

/**
 * Connections to the embedded server: writers share commits (group commit), so
 * a few suffice, and each is a server process of several MiB.
 */
export const EMBEDDED_POOL_SIZE = 4;

export interface EmbeddedSqlOptions {
  /** The cluster directory. */
  dir: string;
  /** Server log lines (warnings, errors) once it runs. */
  log?: (line: string) => void;
  poolSize?: number;
}

export interface EmbeddedSql extends Sql {
  server: EmbeddedServer;
}

export async function createEmbeddedSql(opts: EmbeddedSqlOptions): Promise<EmbeddedSql> {
  const server = await startEmbeddedServer(opts);
  const sql = createPostgresSql(server.connection, opts.poolSize ?? EMBEDDED_POOL_SIZE);
  return {
    ...sql,
    server,
    close: async () => {
      await sql.close().catch(() => undefined);
      await server.stop();
    },
  };
}

/**
 * A throwaway embedded database in a new temporary directory, removed on close:
 * for tests and benchmarks that need a real PostgreSQL and nothing else.
 */
export async function createTemporarySql(): Promise<EmbeddedSql> {
  const parent = await mkdtemp(join(tmpdir(), 'postfleet-sql-'));
  // As root the server runs as the postgres user, which must be able to enter it.
  await chmod(parent, 0o755);
  try {
    const sql = await createEmbeddedSql({ dir: join(parent, 'postgres') });
    return {
      ...sql,
      close: async () => {
        await sql.close();
        await rm(parent, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(parent, { recursive: true, force: true });
    throw err;
  }
}
