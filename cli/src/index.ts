// @postfleet/cli: the postfleet command and the composition root (the role list
// `postfleet start` runs). The only package that imports every role.
export { MESSAGE_PATH, startOrder } from './roles.ts';
