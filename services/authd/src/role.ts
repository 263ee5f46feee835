// The authd role: SASL credential checks on the bus (Dovecot auth) against the
// user directory, with failed-login penalties shared across replicas.
import type { RoleDefinition } from '@postfleet/service-kit';
import { openUserDirectory } from './user-directory.ts';
import { startAuthdService } from './authd-service.ts';

export const authdRole: RoleDefinition = {
  name: 'authd',
  async start(ctx) {
    const directory = await openUserDirectory(ctx.ports.sql, () => ctx.config.current());
    const service = await startAuthdService({ bus: ctx.ports.bus, directory, log: ctx.log });
    ctx.log.info('authd answering credential checks');
    return { stop: () => service.stop() };
  },
};
