// Contract tests for the sql port: one suite, run against an external PostgreSQL
// (a throwaway Debian cluster from the harness) and the embedded server that
// `npm start` runs (its own binaries, fsync on), so both behave alike.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres, type PostgresHandle } from '@postfleet/harness';
import {
  createPostgresSql,
  createSql,
  createTemporarySql,
  sqlKind,
  type EmbeddedSql,
  type PostgresTarget,
  type Sql,
} from '../src/index.ts';

interface Backend {
  sql: Sql;
  /** Other handles on the same database, as other replicas would have. */
  peers(n: number): Sql[];
  /** A new empty database on the same server. */
  freshDatabase(name: string): Promise<PostgresTarget>;
  /** Stops the server and starts it again, or null when the adapter cannot. */
  restartServer: { stop(): Promise<void>; start(): Promise<void> } | null;
  cleanup(): Promise<void>;
}

let cluster: PostgresHandle | undefined;

const adapters: { name: string; open(): Promise<Backend> }[] = [
  {
    name: 'postgresql',
    open: async () => {
      cluster ??= await startPostgres();
      const url = await cluster.createDatabase(`contract_${process.pid}`);
      const sql = await createSql({ env: { DATABASE_URL: url }, dataDir: '/nonexistent' });
      const opened: Sql[] = [];
      return {
        sql,
        peers: (n) => {
          const more = Array.from({ length: n }, () => createPostgresSql(url, 2));
          opened.push(...more);
          return more;
        },
        freshDatabase: (name) => (cluster as PostgresHandle).createDatabase(name),
        restartServer: {
          stop: () => (cluster as PostgresHandle).stop(),
          start: () => (cluster as PostgresHandle).start(),
        },
        cleanup: async () => {
          await Promise.all(opened.map((s) => s.close()));
          await cluster?.destroy();
          cluster = undefined;
        },
      };
    },
  },
  {
    name: 'embedded postgresql',
    open: async () => {
      const sql: EmbeddedSql = await createTemporarySql();
      const opened: Sql[] = [];
      return {
        sql,
        peers: (n) => {
          const more = Array.from({ length: n }, () => createPostgresSql(sql.server.connection, 2));
          opened.push(...more);
          return more;
        },
        freshDatabase: async (name) => {
          await sql.exec(`CREATE DATABASE ${name}`);
          return { ...sql.server.connection, database: name };
        },
        // The embedded server lives and dies with its process.
        restartServer: null,
        cleanup: async () => {
          await Promise.all(opened.map((s) => s.close()));
        },
      };
    },
  },
];

const applied = async (sql: Sql, component: string): Promise<number[]> =>
  (
    await sql.query<{ id: number }>(
      'SELECT id FROM postfleet_migrations WHERE component = $1 ORDER BY id',
      [component],
    )
  ).rows.map((r) => r.id);

const tableExists = async (sql: Sql, name: string): Promise<boolean> =>
  (await sql.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name])).rows[0]?.t !=
  null;

for (const adapter of adapters) {
  describe(`sql contract [${adapter.name}]`, () => {
    let backend: Backend;
    let sql: Sql;
    before(async () => {
      backend = await adapter.open();
      sql = backend.sql;
      await sql.exec('CREATE TABLE kv (k text PRIMARY KEY, v text NOT NULL)');
    });
    after(async () => {
      await sql.close();
      await backend.cleanup();
    });

    test(`[${adapter.name}] query with parameters; rowCount for writes and reads`, async () => {
      const ins = await sql.query('INSERT INTO kv (k, v) VALUES ($1, $2), ($3, $4)', [
        'a',
        'one',
        'b',
        "it's two",
      ]);
      assert.equal(ins.rowCount, 2);
      const r = await sql.query<{ k: string; v: string }>(
        'SELECT k, v FROM kv WHERE k = ANY($1) ORDER BY k',
        [['a', 'b', 'zz']],
      );
      assert.deepEqual(r.rows, [
        { k: 'a', v: 'one' },
        { k: 'b', v: "it's two" },
      ]);
      assert.equal(r.rowCount, 2);
      const upd = await sql.query('UPDATE kv SET v = $1 WHERE k = $2', ['uno', 'a']);
      assert.equal(upd.rowCount, 1);
      const none = await sql.query('SELECT * FROM kv WHERE k = $1', ['nope']);
      assert.deepEqual(none.rows, []);
      assert.equal(none.rowCount, 0);
    });

    test(`[${adapter.name}] a transaction commits when its function resolves`, async () => {
      const result = await sql.transaction(async (tx) => {
        await tx.query('INSERT INTO kv (k, v) VALUES ($1, $2)', ['tx-commit', '1']);
        await tx.exec("UPDATE kv SET v = '2' WHERE k = 'tx-commit'");
        const r = await tx.query<{ v: string }>('SELECT v FROM kv WHERE k = $1', ['tx-commit']);
        return r.rows[0]?.v;
      });
      assert.equal(result, '2');
      const r = await sql.query<{ v: string }>('SELECT v FROM kv WHERE k = $1', ['tx-commit']);
      assert.deepEqual(r.rows, [{ v: '2' }]);
    });

    test(`[${adapter.name}] a transaction that throws is rolled back and rethrows`, async () => {
      const boom = new Error('boom');
      await assert.rejects(
        sql.transaction(async (tx) => {
          await tx.query('INSERT INTO kv (k, v) VALUES ($1, $2)', ['tx-rollback', '1']);
          await tx.query("UPDATE kv SET v = 'changed' WHERE k = 'b'");
          throw boom;
        }),
        (err) => err === boom,
      );
      assert.equal((await sql.query('SELECT 1 FROM kv WHERE k = $1', ['tx-rollback'])).rowCount, 0);
      const b = await sql.query<{ v: string }>('SELECT v FROM kv WHERE k = $1', ['b']);
      assert.deepEqual(b.rows, [{ v: "it's two" }]);
      // A statement error inside the transaction rolls back too.
      await assert.rejects(
        sql.transaction(async (tx) => {
          await tx.query('INSERT INTO kv (k, v) VALUES ($1, $2)', ['tx-rollback-2', '1']);
          await tx.query('INSERT INTO kv (k, v) VALUES ($1, $2)', ['tx-rollback-2', 'dup']);
        }),
      );
      assert.equal(
        (await sql.query('SELECT 1 FROM kv WHERE k = $1', ['tx-rollback-2'])).rowCount,
        0,
      );
      // And the connection is usable afterwards.
      assert.equal((await sql.query('SELECT 1 AS one')).rows.length, 1);
    });

    test(`[${adapter.name}] exec runs a multi-statement script`, async () => {
      await sql.exec(`
        CREATE TABLE script_a (id int PRIMARY KEY);
        INSERT INTO script_a VALUES (1), (2), (3);
        CREATE TABLE script_b AS SELECT id * 10 AS x FROM script_a;
      `);
      const r = await sql.query<{ s: number }>('SELECT sum(x)::int AS s FROM script_b');
      assert.deepEqual(r.rows, [{ s: 60 }]);
    });

    test(`[${adapter.name}] bytea round trip`, async () => {
      await sql.exec('CREATE TABLE bin (id int PRIMARY KEY, b bytea)');
      const bytes = new Uint8Array(256).map((_, i) => i);
      await sql.query('INSERT INTO bin VALUES ($1, $2), ($3, $4)', [1, bytes, 2, Buffer.alloc(0)]);
      const r = await sql.query<{ id: number; b: Uint8Array }>('SELECT id, b FROM bin ORDER BY id');
      assert.ok(r.rows[0]?.b instanceof Uint8Array);
      assert.deepEqual(Buffer.from(r.rows[0].b), Buffer.from(bytes));
      assert.equal(r.rows[1]?.b.length, 0);
    });

    test(`[${adapter.name}] bigint and timestamptz`, async () => {
      await sql.exec('CREATE TABLE nums (id int PRIMARY KEY, n int8, t timestamptz)');
      const when = new Date('2024-02-29T23:59:58.123Z');
      const big = 2n ** 62n + 7n;
      await sql.query('INSERT INTO nums VALUES ($1, $2, $3), ($4, $5, $6)', [
        1,
        big,
        when,
        2,
        42,
        '2024-01-01T00:00:00+02:00',
      ]);
      const r = await sql.query<{ n: number | bigint; t: Date }>(
        'SELECT n, t FROM nums ORDER BY id',
      );
      // int8: a number when exact, a bigint when not, in both adapters.
      assert.equal(r.rows[0]?.n, big);
      assert.equal(r.rows[1]?.n, 42);
      assert.ok(r.rows[0]?.t instanceof Date);
      assert.equal(r.rows[0].t.getTime(), when.getTime());
      assert.equal(r.rows[1]?.t.toISOString(), '2023-12-31T22:00:00.000Z');
      const c = await sql.query<{ c: number }>('SELECT count(*) AS c FROM nums');
      assert.equal(c.rows[0]?.c, 2);
      const now = await sql.query<{ now: Date }>('SELECT now() AS now');
      assert.ok(Math.abs((now.rows[0]?.now.getTime() ?? 0) - Date.now()) < 60_000);
    });

    test(`[${adapter.name}] migrations run once each, in id order`, async () => {
      const migrations = [
        { id: 3, name: 'three', sql: "INSERT INTO mlog (what) VALUES ('3')" },
        {
          id: 1,
          name: 'one',
          sql: "CREATE TABLE mlog (seq serial PRIMARY KEY, what text); INSERT INTO mlog (what) VALUES ('1');",
        },
        { id: 2, name: 'two', sql: "INSERT INTO mlog (what) VALUES ('2')" },
      ];
      await sql.migrate('ordered', migrations);
      await sql.migrate('ordered', migrations);
      const log = await sql.query<{ what: string }>('SELECT what FROM mlog ORDER BY seq');
      assert.deepEqual(
        log.rows.map((r) => r.what),
        ['1', '2', '3'],
      );
      assert.deepEqual(await applied(sql, 'ordered'), [1, 2, 3]);
      // Components are independent: the same ids elsewhere are not "already done".
      await sql.migrate('other', [
        { id: 1, name: 'o', sql: "INSERT INTO mlog (what) VALUES ('o')" },
      ]);
      assert.equal((await sql.query('SELECT 1 FROM mlog')).rowCount, 4);
      // A later migration added to the list is applied on the next call.
      await sql.migrate('ordered', [
        ...migrations,
        { id: 4, name: 'four', sql: "INSERT INTO mlog (what) VALUES ('4')" },
      ]);
      assert.deepEqual(await applied(sql, 'ordered'), [1, 2, 3, 4]);
    });

    test(`[${adapter.name}] a failing migration leaves nothing and is not recorded`, async () => {
      const good1 = { id: 1, name: 'base', sql: 'CREATE TABLE fm_base (id int)' };
      const bad = {
        id: 2,
        name: 'bad',
        sql: 'CREATE TABLE fm_half (id int); INSERT INTO fm_base VALUES (1); SELECT no_such_function();',
      };
      const later = { id: 3, name: 'later', sql: 'CREATE TABLE fm_later (id int)' };
      await assert.rejects(sql.migrate('failing', [good1, bad, later]), /no_such_function/);
      assert.deepEqual(await applied(sql, 'failing'), [1]);
      assert.equal(await tableExists(sql, 'fm_base'), true);
      assert.equal(await tableExists(sql, 'fm_half'), false);
      assert.equal(await tableExists(sql, 'fm_later'), false);
      assert.equal((await sql.query('SELECT 1 FROM fm_base')).rowCount, 0);
      // Fixed, it applies with the ones after it.
      const fixed = { ...bad, sql: 'CREATE TABLE fm_half (id int)' };
      await sql.migrate('failing', [good1, fixed, later]);
      assert.deepEqual(await applied(sql, 'failing'), [1, 2, 3]);
      assert.equal(await tableExists(sql, 'fm_later'), true);
    });

    test(`[${adapter.name}] concurrent migrate calls apply each migration once`, async () => {
      const migrations = Array.from({ length: 5 }, (_, i) => ({
        id: i + 1,
        name: `m${i + 1}`,
        sql:
          i === 0
            ? 'CREATE TABLE cm (n int NOT NULL); INSERT INTO cm VALUES (1);'
            : `INSERT INTO cm VALUES (${i + 1})`,
      }));
      const peers = backend.peers(4);
      await Promise.all(peers.map((p) => p.migrate('concurrent', migrations)));
      const r = await sql.query<{ n: number }>('SELECT n FROM cm ORDER BY n');
      assert.deepEqual(
        r.rows.map((x) => x.n),
        [1, 2, 3, 4, 5],
      );
      assert.deepEqual(await applied(sql, 'concurrent'), [1, 2, 3, 4, 5]);
    });

    test(`[${adapter.name}] concurrent first migrations on an empty database`, async () => {
      // Fresh database: the bookkeeping table itself is created concurrently.
      const url = await backend.freshDatabase(`fresh_${process.pid}`);
      const peers = Array.from({ length: 4 }, () => createPostgresSql(url, 2));
      try {
        await Promise.all(
          peers.map((p) =>
            p.migrate('fresh', [{ id: 1, name: 't', sql: 'CREATE TABLE fresh_t (id int)' }]),
          ),
        );
        assert.deepEqual(await applied(peers[0] as Sql, 'fresh'), [1]);
      } finally {
        await Promise.all(peers.map((p) => p.close()));
      }
    });

    test(`[${adapter.name}] queries fail while the server is down and work once it is back`, async (t) => {
      const server = backend.restartServer;
      if (!server) {
        t.skip('the embedded server lives and dies with its process');
        return;
      }
      await sql.query('SELECT 1');
      await server.stop();
      await assert.rejects(sql.query('SELECT 1'));
      await server.start();
      const r = await sql.query<{ k: string }>('SELECT k FROM kv WHERE k = $1', ['a']);
      assert.deepEqual(r.rows, [{ k: 'a' }]);
      await sql.transaction(async (tx) => {
        await tx.query('INSERT INTO kv (k, v) VALUES ($1, $2)', ['after-outage', '1']);
      });
      assert.equal(
        (await sql.query('SELECT 1 FROM kv WHERE k = $1', ['after-outage'])).rowCount,
        1,
      );
    });
  });
}

test('sql factory picks the adapter from the environment', () => {
  assert.equal(sqlKind({}), 'embedded-postgres');
  assert.equal(sqlKind({ DATABASE_URL: 'postgres://127.0.0.1/x' }), 'postgres');
});
