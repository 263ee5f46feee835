// The admin API route behind `postfleet queue …`: POST /admin/queue with a
// queue tool request as JSON; answered by this process's qmgr, or by any qmgr
// replica over the bus when this process runs none.
import { json } from 'node:stream/consumers';
import type { AdminHandler } from '@postfleet/service-kit';
import type { QueueToolReply, QueueToolRequest } from '@postfleet/queue-record';

const OPS = new Set(['list', 'show', 'flush', 'hold', 'release', 'requeue', 'delete']);

export function queueAdminRoute(
  tools: (req: QueueToolRequest) => Promise<QueueToolReply>,
): AdminHandler {
  return async (req) => {
    let body: QueueToolRequest;
    try {
      body = (await json(req)) as QueueToolRequest;
    } catch {
      return { status: 400, body: { ok: false, text: 'request body is not JSON' } };
    }
    if (typeof body !== 'object' || body === null || !OPS.has(body.op))
      return { status: 400, body: { ok: false, text: 'unknown queue operation' } };
    const reply = await tools(body);
    return { status: reply.ok ? 200 : 422, body: reply };
  };
}
