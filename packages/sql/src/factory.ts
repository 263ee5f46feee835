// Picks the sql adapter from the environment: DATABASE_URL selects an external
// PostgreSQL, otherwise an embedded PostgreSQL server under <dataDir>/postgres.
import { join } from 'node:path';
import type { Sql } from './types.ts';
import { createPostgresSql } from './postgres.ts';
import { createEmbeddedSql } from './embedded.ts';

export interface SqlSelection {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** Where the embedded server's log lines go. */
  log?: (line: string) => void;
}

export function sqlKind(env: NodeJS.ProcessEnv): 'postgres' | 'embedded-postgres' {
  return env.DATABASE_URL ? 'postgres' : 'embedded-postgres';
}

/** The embedded server's cluster directory inside a data directory. */
export const embeddedSqlDir = (dataDir: string): string => join(dataDir, 'postgres');

export async function createSql({ env, dataDir, log }: SqlSelection): Promise<Sql> {
  if (env.DATABASE_URL) return createPostgresSql(env.DATABASE_URL);
  return createEmbeddedSql({ dir: embeddedSqlDir(dataDir), ...(log ? { log } : {}) });
}
