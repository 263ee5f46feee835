// Public surface of the sql port.
export type * from './types.ts';
export { createSql, sqlKind, type SqlSelection } from './factory.ts';
export { createPostgresSql } from './postgres.ts';
export { createPgliteSql } from './pglite.ts';
