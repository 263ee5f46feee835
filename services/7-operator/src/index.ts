// @postfleet/operator: the operator role, for `postfleet start` and tests.
export { operatorRole } from './role.ts';
