// How qmgr splits a queued message into delivery jobs (Postfix's qmgr with
// trivial-rewrite's answers): each recipient's transport and next hop, or the
// record's content filter for all of them; recipients of one transport and
// next hop share a job of at most default_destination_recipient_limit.
import { parseTransportResult, resolveTransport } from '@postfleet/addressing';
import { globalSetting, type RuntimeConfig } from '@postfleet/config';
import { isTransportName, type QueueRecord } from '@postfleet/queue-record';
import type { PlannedRecipient } from '@postfleet/queue-store';

export interface PlannedJob {
  job: number;
  transport: string;
  nexthop: string;
}

/** A route whose transport cannot name a job subject is delivered by the error transport. */
function usable(route: { transport: string; nexthop: string }): {
  transport: string;
  nexthop: string;
} {
  if (isTransportName(route.transport)) return route;
  return { transport: 'error', nexthop: `4.3.5 mail transport unavailable: ${route.transport}` };
}

export function planRecipients(
  config: RuntimeConfig,
  record: Pick<QueueRecord, 'recipients' | 'filter'>,
  firstJob = 0,
): { recipients: PlannedRecipient[]; jobs: PlannedJob[] } {
  const limit = Math.max(1, globalSetting(config.settings, 'default_destination_recipient_limit'));
  const filter = record.filter ? usable(parseTransportResult(record.filter)) : null;
  const jobs: PlannedJob[] = [];
  const open = new Map<string, { job: PlannedJob; count: number }>();
  const recipients = record.recipients.map((r, index): PlannedRecipient => {
    const route = filter ?? usable(resolveTransport(config, r.address));
    const key = `${route.transport}\0${route.nexthop}`;
    let slot = open.get(key);
    if (!slot || slot.count >= limit) {
      slot = { job: { job: firstJob + jobs.length, ...route }, count: 0 };
      jobs.push(slot.job);
      open.set(key, slot);
    }
    slot.count++;
    return {
      index,
      address: r.address,
      original: r.original,
      ...(r.orcpt === undefined ? {} : { orcpt: r.orcpt }),
      ...(r.notify === undefined ? {} : { notify: r.notify }),
      transport: route.transport,
      nexthop: route.nexthop,
      job: slot.job.job,
    };
  });
  return { recipients, jobs };
}
