// @postfleet/imapd: the imapd role, for `postfleet start` and tests.
export { imapdRole } from './role.ts';
