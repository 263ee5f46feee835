// Starts a throwaway PostgreSQL cluster for a test run (Debian package postgresql).
// PLACEHOLDER: the blob/sql work replaces this file.
export interface PostgresHandle {
  /** postgres://...@127.0.0.1:<port>/<db> */
  url: string;
  /** Create another empty database on the same cluster and return its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}
export async function startPostgres(): Promise<PostgresHandle> {
  throw new Error('startPostgres: not implemented yet');
}
