// The delivery role (Postfix local, virtual, smtp, lmtp, discard, error): runs
// the delivery jobs qmgr publishes, any replica taking any job, and records each
// recipient's result in the queue store.
import { resolverFromEnv } from '@postfleet/dns';
import { MAILBOX_MIGRATIONS } from '@postfleet/mailbox-store';
import { DELIVERY_STREAM, DELIVERY_STREAM_SPEC } from '@postfleet/queue-record';
import { openQueueStore } from '@postfleet/queue-store';
import type { RoleDefinition } from '@postfleet/service-kit';
import { deliveryHandler } from './delivery-job.ts';
import { createSmtpTransport } from './smtp-transport.ts';

/** Jobs one delivery process runs at once (destination limits apply across all of them). */
const JOBS_IN_FLIGHT = 64;

export const deliveryRole: RoleDefinition = {
  name: 'delivery',
  ports: ['bus', 'blob', 'sql'],
  async start(ctx) {
    const { bus, blob, sql } = ctx.ports;
    await sql.migrate('mailbox', MAILBOX_MIGRATIONS);
    const store = await openQueueStore(sql);
    await bus.ensureStream(DELIVERY_STREAM_SPEC);
    const resolver = resolverFromEnv(ctx.env);
    const settings = () => ctx.config.current().settings;
    const smtp = createSmtpTransport({ resolver, settings, log: ctx.log });
    const lmtp = createSmtpTransport({ resolver, settings, log: ctx.log, lmtp: true });
    const sub = await bus.consume(
      {
        stream: DELIVERY_STREAM,
        name: 'delivery',
        filterSubject: 'delivery.>',
        maxInFlight: JOBS_IN_FLIGHT,
        ackWaitMs: 60_000,
      },
      deliveryHandler({
        store,
        sql,
        bus,
        blob,
        config: () => ctx.config.current(),
        log: ctx.log,
        remote: { smtp, lmtp },
      }),
    );
    return {
      async stop() {
        await sub.stop();
        await smtp.close();
        await lmtp.close();
      },
    };
  },
};
