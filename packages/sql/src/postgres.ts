// Production sql adapter: PostgreSQL through a `pg` connection pool.
import pg from 'pg';
import type { Migration, Sql, SqlQueryable, SqlResult, SqlValue } from './types.ts';
import { applyMigrations } from './migrate.ts';

export function createPostgresSql(connectionString: string, poolSize = 10): Sql {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});

  const query = async <Row>(text: string, params?: SqlValue[]): Promise<SqlResult<Row>> => {
    const r = await pool.query(text, params as unknown[]);
    return { rows: r.rows as Row[], rowCount: r.rowCount ?? r.rows.length };
  };

  const transaction = async <T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const tx: SqlQueryable = {
        query: async <Row>(text: string, params?: SqlValue[]) => {
          const r = await client.query(text, params as unknown[]);
          return { rows: r.rows as Row[], rowCount: r.rowCount ?? r.rows.length };
        },
        exec: async (script: string) => {
          await client.query(script);
        },
      };
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  };

  const sql: Sql = {
    query,
    exec: async (script: string) => {
      await pool.query(script);
    },
    transaction,
    migrate: (component: string, migrations: Migration[]) =>
      applyMigrations(sql, component, migrations),
    close: () => pool.end(),
  };
  return sql;
}
