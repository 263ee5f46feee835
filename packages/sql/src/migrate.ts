// Numbered migrations shared by both sql adapters: each (component, id) runs
// once, in its own transaction, under an advisory lock so that replicas
// starting together do not race.
import type { Migration, Sql } from './types.ts';

const LOCK_KEY = 0x706f7374; // "post"

export async function applyMigrations(
  sql: Sql,
  component: string,
  migrations: Migration[],
): Promise<void> {
  // Under the lock too: concurrent CREATE TABLE IF NOT EXISTS races in PostgreSQL
  // (duplicate key in pg_type) on an empty database.
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS postfleet_migrations (
      component text NOT NULL,
      id integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (component, id))`);
  });
  const ordered = [...migrations].sort((a, b) => a.id - b.id);
  for (const m of ordered) {
    await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const done = await tx.query(
        'SELECT 1 FROM postfleet_migrations WHERE component = $1 AND id = $2',
        [component, m.id],
      );
      if (done.rowCount > 0) return;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO postfleet_migrations (component, id, name) VALUES ($1, $2, $3)', [
        component,
        m.id,
        m.name,
      ]);
    });
  }
}
