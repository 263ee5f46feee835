// @postfleet/cleanup: the cleanup role, for `postfleet start` and tests.
export { cleanupRole } from './role.ts';
