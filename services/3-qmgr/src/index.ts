// @postfleet/qmgr: the qmgr role, for `postfleet start` and tests.
export { qmgrRole } from './role.ts';
