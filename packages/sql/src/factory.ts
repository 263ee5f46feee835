// Picks the sql adapter from the environment: DATABASE_URL selects PostgreSQL,
// otherwise PGlite under <dataDir>/pglite.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Sql } from './types.ts';
import { createPostgresSql } from './postgres.ts';
import { createPgliteSql } from './pglite.ts';

export interface SqlSelection {
  env: NodeJS.ProcessEnv;
  dataDir: string;
}

export function sqlKind(env: NodeJS.ProcessEnv): 'postgres' | 'pglite' {
  return env.DATABASE_URL ? 'postgres' : 'pglite';
}

export async function createSql({ env, dataDir }: SqlSelection): Promise<Sql> {
  if (env.DATABASE_URL) return createPostgresSql(env.DATABASE_URL);
  const dir = join(dataDir, 'pglite');
  await mkdir(dir, { recursive: true });
  return createPgliteSql(dir);
}
