// Which messages postfleet answered "250 ... queued as <id>" for, per attack
// group, and the audit of a QUEUE stream read against them: every accepted id
// exactly once, no sender of ours queued twice (answered or not).
import type { QueueRecord } from '@postfleet/queue-record';

export interface Accepted {
  group: string;
  queueId: string;
  sender: string;
}

/** Envelope senders this suite uses end with this domain, one per message. */
export const SENDER_DOMAIN = 'example.org';

export const QUEUED = /^250 2\.0\.0 Ok: queued as (\S+)/;

export class Ledger {
  readonly accepted: Accepted[] = [];

  add(group: string, queueId: string, sender: string): void {
    this.accepted.push({ group, queueId, sender });
  }

  /** The queue id in a 250 reply (and records it), or null. */
  fromReply(group: string, reply: string, sender: string): string | null {
    const m = QUEUED.exec(reply);
    if (!m?.[1]) return null;
    this.add(group, m[1], sender);
    return m[1];
  }

  of(group: string): Accepted[] {
    return this.accepted.filter((a) => a.group === group);
  }
}

/** Findings for accepted ids against the records: not queued, queued more than once, answered twice. */
export function auditIds(accepted: Accepted[], records: QueueRecord[]): string[] {
  const byId = new Map<string, number>();
  for (const r of records) byId.set(r.queueId, (byId.get(r.queueId) ?? 0) + 1);
  const out: string[] = [];
  const ids = new Set<string>();
  for (const a of accepted) {
    if (ids.has(a.queueId)) out.push(`queue id ${a.queueId} answered twice`);
    ids.add(a.queueId);
    const n = byId.get(a.queueId) ?? 0;
    if (n === 0) out.push(`${a.queueId} (${a.sender}) answered 250 but is not queued`);
    else if (n > 1) out.push(`${a.queueId} (${a.sender}) is queued ${n} times`);
  }
  return out;
}

/** Senders of this suite (one message each) that appear under more than one queue id. */
export function duplicateSenders(records: QueueRecord[]): string[] {
  const bySender = new Map<string, Set<string>>();
  for (const r of records) {
    if (!r.sender.endsWith(`@${SENDER_DOMAIN}`)) continue;
    const ids = bySender.get(r.sender) ?? new Set<string>();
    ids.add(r.queueId);
    bySender.set(r.sender, ids);
  }
  const out: string[] = [];
  for (const [sender, set] of bySender)
    if (set.size > 1) out.push(`${sender} queued ${set.size} times: ${[...set].join(' ')}`);
  return out;
}
