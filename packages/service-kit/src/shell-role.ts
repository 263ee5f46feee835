// A role whose work has not landed yet: it starts, logs and stops cleanly, so
// its deployable, its place in the start order and its chart entry exist
// before its behaviour does.
import type { PortName } from './ports.ts';
import type { RoleDefinition } from './run-service.ts';

export function shellRole(name: string, ports: readonly PortName[] = ['bus']): RoleDefinition {
  return {
    name,
    ports,
    async start(ctx) {
      ctx.log.info('started');
      return {
        async stop() {
          ctx.log.info('stopped');
        },
      };
    },
  };
}
