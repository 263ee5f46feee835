// The sql port: parameterised queries, transactions and numbered migrations.
// Services see only these types; one adapter (pg) serves an external PostgreSQL
// or the embedded server (factory.ts), so both speak the same dialect ($1 params).

export type SqlValue = string | number | bigint | boolean | null | Date | Uint8Array | unknown[];

export interface SqlResult<Row> {
  rows: Row[];
  /** Rows inserted, updated or deleted (or returned, for SELECT). */
  rowCount: number;
}

export interface SqlQueryable {
  query<Row = Record<string, unknown>>(
    this: void,
    text: string,
    params?: SqlValue[],
  ): Promise<SqlResult<Row>>;
  /** Run a script of several statements without parameters (migrations). */
  exec(this: void, script: string): Promise<void>;
}

export interface Migration {
  /** Applied in ascending id order, each exactly once, each in its own transaction. */
  id: number;
  name: string;
  sql: string;
}

export interface Sql extends SqlQueryable {
  /** Run fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Apply the migrations not yet applied, recorded per component in
   * postfleet_migrations(component, id). Safe to call from many replicas at once.
   */
  migrate(component: string, migrations: Migration[]): Promise<void>;
  close(): Promise<void>;
}
