// Public surface of the sql port.
export type * from './types.ts';
export { createSql, embeddedSqlDir, sqlKind, type SqlSelection } from './factory.ts';
export { createPostgresSql, type PostgresTarget } from './postgres.ts';
export {
  createEmbeddedSql,
  createTemporarySql,
  type EmbeddedSql,
  type EmbeddedSqlOptions,
} from './embedded.ts';
export { EMBEDDED_SERVER_SETTINGS } from './embedded-server.ts';
