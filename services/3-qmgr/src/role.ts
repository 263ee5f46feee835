// The qmgr role: queue manager (qmgr, bounce, defer, postqueue/postsuper).
// Shell for now: it starts, logs, and stops cleanly; the work lands in files
// named for what they do beside this one.
import type { RoleDefinition } from '@postfleet/service-kit';

export const qmgrRole: RoleDefinition = {
  name: 'qmgr',
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
