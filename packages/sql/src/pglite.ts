// Embedded sql adapter: PGlite (PostgreSQL compiled to WebAssembly) persisted
// in a directory, or in memory when no directory is given. One connection, so
// transactions are serialised by PGlite itself.
import { PGlite } from '@electric-sql/pglite';
import type { Migration, Sql, SqlQueryable, SqlResult, SqlValue } from './types.ts';
import { applyMigrations } from './migrate.ts';

export async function createPgliteSql(dataDir?: string): Promise<Sql> {
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();

  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): SqlQueryable => ({
    query: async <Row>(text: string, params?: SqlValue[]): Promise<SqlResult<Row>> => {
      const r = await q.query<Row>(text, params as unknown[]);
      return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
    },
    exec: async (script: string) => {
      await q.exec(script);
    },
  });
  const base = wrap(db);

  const sql: Sql = {
    query: base.query,
    exec: base.exec,
    transaction: <T>(fn: (tx: SqlQueryable) => Promise<T>) => db.transaction((tx) => fn(wrap(tx))),
    migrate: (component: string, migrations: Migration[]) =>
      applyMigrations(sql, component, migrations),
    close: () => db.close(),
  };
  return sql;
}
