// @postfleet/authd: the authd role, for `postfleet start` and tests.
export { authdRole } from './role.ts';
