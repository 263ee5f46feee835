// @postfleet/delivery: the delivery role, for `postfleet start` and tests.
export { deliveryRole } from './role.ts';
