// The local and virtual transports (Postfix local(8)/virtual(8), Dovecot LDA):
// find each recipient's mailbox user (recipient_delimiter extensions stripped),
// refuse unknown users, loops and full mailboxes, store the body once for all of
// them, and — in the transaction that records the results — add each message to
// its user's INBOX with Return-Path and Delivered-To in front.
import type { BlobStore } from '@postfleet/blob';
import { addressingTables } from '@postfleet/addressing';
import type { RuntimeConfig } from '@postfleet/config';
import {
  deliverToMailboxes,
  mailboxUsage,
  storeBody,
  type DeliveredMessage,
  type MailboxDelivery,
} from '@postfleet/mailbox-store';
import { normalizeDomain, splitAddress, splitExtension } from '@postfleet/maps';
import type { Sql, SqlQueryable } from '@postfleet/sql';
import type { RecipientResult, TransportJob } from './transport-types.ts';

export interface MailboxAttempt {
  results: RecipientResult[];
  /** In the results' transaction: add the messages of the recipients whose status changed. */
  write(tx: SqlQueryable, changed: number[]): Promise<DeliveredMessage[]>;
}

interface Target {
  index: number;
  owner: string;
  recipient: string;
}

const result = (
  index: number,
  status: RecipientResult['status'],
  dsn: string,
  reply: string,
): RecipientResult => ({ index, status, dsn, reply, relay: status === 'sent' ? 'local' : 'none' });

/** The mailbox user an address delivers to, or null when there is none. */
export function mailboxOwner(
  config: RuntimeConfig,
  transport: string,
  address: string,
): string | null {
  const t = addressingTables(config);
  const { local, domain } = splitAddress(address);
  const base =
    splitExtension(local.toLowerCase(), t.recipientDelimiter)?.base ?? local.toLowerCase();
  if (transport === 'local') return t.localUsers.get(base) ?? null;
  const key = `${base}@${normalizeDomain(domain)}`;
  return t.users.has(key) ? key : null;
}

function quotaOf(config: RuntimeConfig, owner: string): number {
  const user = config.users[owner];
  if (user?.quotaBytes) return user.quotaBytes;
  const domain = config.domains[normalizeDomain(splitAddress(owner).domain)];
  return domain?.defaultQuotaBytes ?? 0;
}

/** Delivered-To lines already in the header block, lower-cased (mail loop detection). */
function deliveredTo(headers: string): Set<string> {
  const out = new Set<string>();
  for (const m of headers.matchAll(/^delivered-to:[ \t]*([^\r\n]*)/gim))
    out.add((m[1] ?? '').trim().toLowerCase());
  return out;
}

const headerSafe = (s: string): string => s.replace(/[\r\n]/g, '');

export async function mailboxAttempt(
  deps: { blob: BlobStore; sql: Sql; config: RuntimeConfig },
  job: TransportJob,
): Promise<MailboxAttempt> {
  const { config } = deps;
  const results: RecipientResult[] = [];
  const targets: Target[] = [];
  for (const r of job.recipients) {
    const owner = mailboxOwner(config, job.transport, r.address);
    if (owner === null) {
      const { local } = splitAddress(r.address);
      results.push(
        job.transport === 'local'
          ? result(r.index, 'bounced', '5.1.1', `unknown user: "${local.toLowerCase()}"`)
          : result(r.index, 'bounced', '5.1.1', `unknown user: "${r.address.toLowerCase()}"`),
      );
    } else if (config.users[owner]?.enabled === false) {
      results.push(result(r.index, 'bounced', '5.2.1', `mailbox disabled for ${owner}`));
    } else targets.push({ index: r.index, owner, recipient: r.address.toLowerCase() });
  }
  if (targets.length === 0) return { results, write: async () => [] };

  const body = await storeBody(deps.blob, () => job.openMessage(), job.size);
  const loops = deliveredTo(body.index.headers);
  const prefixFor = (t: Target): string =>
    `Return-Path: <${headerSafe(job.sender)}>\r\nDelivered-To: ${headerSafe(t.recipient)}\r\n`;
  const accepted: Target[] = [];
  for (const t of targets) {
    if (loops.has(t.recipient)) {
      results.push(result(t.index, 'bounced', '5.4.6', `mail forwarding loop for ${t.recipient}`));
      continue;
    }
    const quota = quotaOf(config, t.owner);
    if (quota > 0) {
      const used = await mailboxUsage(deps.sql, t.owner);
      const size = Buffer.byteLength(prefixFor(t)) + body.size;
      if (used + size > quota) {
        results.push(
          result(t.index, 'deferred', '4.2.2', `Mailbox full: quota exceeded (${t.owner})`),
        );
        continue;
      }
    }
    accepted.push(t);
    results.push(result(t.index, 'sent', '2.0.0', `delivered to mailbox ${t.owner} INBOX`));
  }
  const now = new Date();
  return {
    results,
    write: (tx, changed) => {
      const wanted = new Set(changed);
      const deliveries: MailboxDelivery[] = accepted
        .filter((t) => wanted.has(t.index))
        .map((t) => ({
          owner: t.owner,
          queueId: job.queueId,
          recipient: t.recipient,
          headerPrefix: prefixFor(t),
          body,
          internalDate: now,
        }));
      return deliverToMailboxes(tx, deliveries);
    },
  };
}
