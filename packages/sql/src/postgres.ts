// Production sql adapter: PostgreSQL through a `pg` connection pool.
import pg from 'pg';
import type { Migration, Sql, SqlQueryable, SqlResult, SqlValue } from './types.ts';
import { applyMigrations } from './migrate.ts';

const INT8 = 20;
const INT8_ARRAY = 1016;

/** int8 comes back as a number when that is exact, else as a bigint. */
function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

type TextParser = (text: string) => unknown;
const defaultParser = pg.types.getTypeParser as (oid: number, format?: string) => TextParser;

const parseInt8Array = (text: string): unknown => {
  const items = defaultParser(INT8_ARRAY)(text) as (string | null)[];
  return items.map((v) => (v === null ? null : parseInt8(v)));
};

// Per pool, not pg.types.setTypeParser, so nothing else in the process changes.
const types = {
  getTypeParser: (oid: number, format?: string): TextParser => {
    if (oid === INT8 && format !== 'binary') return parseInt8;
    if (oid === INT8_ARRAY && format !== 'binary') return parseInt8Array;
    return defaultParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** A connection URL, or the parts of one (a Unix socket directory as host). */
export type PostgresTarget =
  string | { host: string; port: number; user: string; database: string };

export function createPostgresSql(target: PostgresTarget, poolSize = 10): Sql {
  const where = typeof target === 'string' ? { connectionString: target } : target;
  const pool = new pg.Pool({ ...where, max: poolSize, types });
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
