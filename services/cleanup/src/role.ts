// The cleanup role: message canonicalisation and queue entry (cleanup, pickup, trivial-rewrite).
// Shell for now: it starts, logs, and stops cleanly; the work lands in files
// named for what they do beside this one.
import type { RoleDefinition } from '@postfleet/service-kit';

export const cleanupRole: RoleDefinition = {
  name: 'cleanup',
  async start(ctx) {
    ctx.log.info('started');
    return {
      async stop() {
        ctx.log.info('stopped');
      },
    };
  },
};
