// @postfleet/authd: the authd role, for `postfleet start` and tests.
export { authdRole } from './role.ts';
export { createAuthClient, type Authenticate } from './auth-client.ts';
export { AUTH_SUBJECT, type AuthReply, type AuthRequest } from './auth-protocol.ts';
export { hashPassword, verifyPassword } from './password.ts';
export { startAuthdService, type AuthdDeps } from './authd-service.ts';
export { DEFAULT_PENALTY, type PenaltyPolicy } from './penalty.ts';
export { openUserDirectory, type UserDirectory, type DirectoryUser } from './user-directory.ts';
