// The qmgr role (Postfix qmgr + bounce + postqueue/postsuper): takes queued
// records off the incoming stream into the queue store and publishes their
// delivery jobs, turns final and delay notices into DSNs, removes finished
// messages, and answers the queue tools on the bus and the admin API.
import {
  DELIVERY_STREAM,
  DELIVERY_STREAM_SPEC,
  QMGR_SUBJECT,
  QUEUE_STREAM,
  QUEUE_STREAM_SPEC,
  queueSubjectFilter,
  type QueueToolRequest,
} from '@postfleet/queue-record';
import { openQueueStore } from '@postfleet/queue-store';
import type { RoleDefinition } from '@postfleet/service-kit';
import { incomingHandler } from './qmgr-incoming.ts';
import { noticeHandler } from './qmgr-notice.ts';
import { queueTools } from './qmgr-tools.ts';
import { queueAdminRoute } from './qmgr-admin-route.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const qmgrRole: RoleDefinition = {
  name: 'qmgr',
  ports: ['bus', 'blob', 'sql'],
  async start(ctx) {
    const { bus, blob, sql } = ctx.ports;
    const store = await openQueueStore(sql);
    const config = () => ctx.config.current();
    await bus.ensureStream(QUEUE_STREAM_SPEC);
    await bus.ensureStream(DELIVERY_STREAM_SPEC);
    const tools = queueTools({ store, bus, blob, config, log: ctx.log });
    const subs = [
      await bus.reply(
        QMGR_SUBJECT,
        async (msg) =>
          encoder.encode(
            JSON.stringify(await tools(JSON.parse(decoder.decode(msg.data)) as QueueToolRequest)),
          ),
        'qmgr',
      ),
      await bus.consume(
        {
          stream: DELIVERY_STREAM,
          name: 'qmgr-notice',
          filterSubject: 'notice.>',
          maxInFlight: 8,
          ackWaitMs: 120_000,
        },
        noticeHandler({ store, bus, blob, config, log: ctx.log }),
      ),
      await bus.consume(
        {
          stream: QUEUE_STREAM,
          name: 'qmgr',
          filterSubject: queueSubjectFilter('incoming'),
          maxInFlight: 64,
          ackWaitMs: 60_000,
        },
        incomingHandler({ store, bus, config, log: ctx.log }),
      ),
    ];
    ctx.admin.addAdminRoute('POST', '/admin/queue', queueAdminRoute(tools));
    return {
      async stop() {
        for (const s of subs.reverse()) await s.stop();
        await store.drain();
      },
    };
  },
};
