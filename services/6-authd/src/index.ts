// @postfleet/authd: the authd role, for `postfleet start` and tests.
export { authdRole } from './role.ts';
export { hashPassword, verifyPassword } from './password.ts';
export { startAuthdService, type AuthdDeps } from './authd-service.ts';
export { DEFAULT_PENALTY, type PenaltyPolicy } from './penalty.ts';
export { openUserDirectory, type UserDirectory, type DirectoryUser } from './user-directory.ts';
