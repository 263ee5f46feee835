// The cleanup role (Postfix cleanup + pickup + trivial-rewrite): answers smtpd's
// cleanup requests on the bus, writes the queue records, and takes locally
// submitted mail (`postfleet sendmail`) through the admin API.
import { globalSetting, myorigin } from '@postfleet/config';
import type { RoleDefinition } from '@postfleet/service-kit';
import { startCleanupService } from './cleanup-service.ts';
import { sendmailRoute } from './sendmail-route.ts';
import { startOrphanSweeper } from './cleanup-orphans.ts';

export const cleanupRole: RoleDefinition = {
  name: 'cleanup',
  ports: ['bus', 'blob'],
  async start(ctx) {
    // read per message, so a reload of myhostname applies without a restart
    const myhostname = (): string => globalSetting(ctx.config.current().settings, 'myhostname');
    const service = await startCleanupService({
      bus: ctx.ports.bus,
      blob: ctx.ports.blob,
      config: () => ctx.config.current(),
      log: ctx.log,
      get myhostname() {
        return myhostname();
      },
      telemetry: { tracer: ctx.tracer, meter: ctx.meter },
    });
    ctx.admin.addAdminRoute(
      'POST',
      '/admin/sendmail',
      sendmailRoute({
        bus: ctx.ports.bus,
        blob: ctx.ports.blob,
        myhostname,
        myorigin: () => myorigin({ ...ctx.config.current().settings, myhostname: myhostname() }),
      }),
    );
    const sweeper = startOrphanSweeper(ctx.ports.blob, ctx.log);
    return {
      async stop() {
        await service.stop();
        await sweeper.stop();
      },
    };
  },
};
