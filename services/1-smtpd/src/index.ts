// @postfleet/smtpd: the smtpd role, for `postfleet start` and tests.
export { smtpdRole } from './role.ts';
