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
export {
  EMBEDDED_SERVER_SETTINGS,
  embeddedConnection,
  type PostgresConnection,
} from './embedded-server.ts';
export { groupCommit, type GroupCommit } from './group-commit.ts';
export { lastPerKey, valuesList } from './batch-rows.ts';
