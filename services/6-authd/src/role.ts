// The authd role: SASL credential checks on the bus (Dovecot auth) against the
// user directory, with failed-login penalties shared across replicas, and the
// admin routes that manage the directory (`postfleet user`).
import type { RoleDefinition } from '@postfleet/service-kit';
import { USERS_BUCKET } from '@postfleet/config-sync';
import { openUserDirectory } from './user-directory.ts';
import { startAuthdService } from './authd-service.ts';
import { userRoutes } from './users-route.ts';

export const authdRole: RoleDefinition = {
  name: 'authd',
  ports: ['bus', 'sql'],
  async start(ctx) {
    const config = () => ctx.config.current();
    const directory = await openUserDirectory(
      ctx.ports.sql,
      config,
      await ctx.ports.bus.kv(USERS_BUCKET),
    );
    const service = await startAuthdService({ bus: ctx.ports.bus, directory, log: ctx.log });
    const routes = userRoutes(directory, config);
    ctx.admin.addAdminRoute('GET', '/admin/users', routes.list);
    ctx.admin.addAdminRoute('POST', '/admin/users', routes.set);
    ctx.admin.addAdminRoute('DELETE', '/admin/users', routes.remove);
    return { stop: () => service.stop() };
  },
};
