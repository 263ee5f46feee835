// Sql benchmark: sequential single-row inserts, primary-key selects and
// two-statement transactions for PostgreSQL (a throwaway cluster from the
// harness, fsync off) and the embedded server `npm start` runs (fsync on, so
// every commit waits for a WAL flush), about 3 s per adapter.
import { createPostgresSql, createTemporarySql, type Sql } from '@postfleet/sql';
import { startPostgres } from '@postfleet/harness';

const PHASE_MS = 1000;
const row = 'x'.repeat(200);

/** Runs op(i) one after another for PHASE_MS; operations per second. */
async function rate(op: (i: number) => Promise<void>): Promise<number> {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < PHASE_MS) await op(n++);
  return Math.round(n / ((performance.now() - start) / 1000));
}

async function bench(name: string, sql: Sql): Promise<void> {
  await sql.exec(
    'CREATE TABLE bench (id bigserial PRIMARY KEY, k text NOT NULL, v text NOT NULL, at timestamptz NOT NULL DEFAULT now())',
  );
  for (let i = 0; i < 50; i++)
    await sql.query('INSERT INTO bench (k, v) VALUES ($1, $2)', ['w', row]);
  let inserted = 50;
  console.log(
    `sql.insert_per_s[${name}] ${await rate(async (i) => {
      await sql.query('INSERT INTO bench (k, v) VALUES ($1, $2)', [`k${i}`, row]);
      inserted++;
    })}`,
  );
  console.log(
    `sql.select_pk_per_s[${name}] ${await rate(async (i) => {
      await sql.query('SELECT k, v, at FROM bench WHERE id = $1', [(i % inserted) + 1]);
    })}`,
  );
  console.log(
    `sql.transaction_per_s[${name}] ${await rate(async (i) => {
      await sql.transaction(async (tx) => {
        const r = await tx.query<{ id: number }>(
          'INSERT INTO bench (k, v) VALUES ($1, $2) RETURNING id',
          [`t${i}`, row],
        );
        await tx.query('UPDATE bench SET v = $1 WHERE id = $2', ['done', r.rows[0]?.id ?? null]);
      });
    })}`,
  );
}

const [pgHandle, embedded] = await Promise.all([startPostgres(), createTemporarySql()]);
try {
  const pgSql = createPostgresSql(pgHandle.url);
  await bench('postgres,fsync=off', pgSql);
  await pgSql.close();
  await pgHandle.destroy();
  await bench('embedded-postgres,fsync=on', embedded);
} finally {
  await embedded.close();
  await pgHandle.destroy();
}
