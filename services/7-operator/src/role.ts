// The operator role: Kubernetes operator: resources to runtime configuration (postconf, postmap, reload).
// Shell for now: it starts, logs, and stops cleanly; the work lands in files
// named for what they do beside this one.
import type { RoleDefinition } from '@postfleet/service-kit';

export const operatorRole: RoleDefinition = {
  name: 'operator',
  ports: ['bus'],
  async start(ctx) {
    ctx.log.info('started');
    return {
      async stop() {
        ctx.log.info('stopped');
      },
    };
  },
};
