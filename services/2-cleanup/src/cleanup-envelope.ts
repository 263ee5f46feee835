// Envelope handling of cleanup: the sender through sender canonical maps; each
// recipient through recipient canonical maps, virtual alias and local alias
// expansion, de-duplicated, keeping its RCPT TO form and DSN parameters; REDIRECT.
import { canonicalize, expandRecipient, qualifyAddress } from '@postfleet/addressing';
import type { RuntimeConfig } from '@postfleet/config';
import type { CleanupRequest, QueueRecipient } from '@postfleet/queue-record';
import { CleanupTempfail } from './cleanup-errors.ts';

export interface Envelope {
  sender: string;
  recipients: QueueRecipient[];
}

export function rewriteSender(config: RuntimeConfig, sender: string, myorigin: string): string {
  return canonicalize(config, qualifyAddress(sender, myorigin), 'sender');
}

/** Canonical + alias expansion of one address; an expansion limit defers the message (451 4.3.0). */
export function resolveRecipient(
  config: RuntimeConfig,
  address: string,
  myorigin: string,
): string[] {
  const canonical = canonicalize(config, qualifyAddress(address, myorigin), 'recipient');
  const expansion = expandRecipient(config, canonical);
  if (expansion.error) throw new CleanupTempfail(expansion.error);
  return expansion.addresses;
}

/**
 * The queue envelope of a request. With a redirect (access or header_checks REDIRECT),
 * every recipient is replaced by the expansion of the redirect address.
 */
export function buildEnvelope(
  config: RuntimeConfig,
  req: Pick<CleanupRequest, 'sender' | 'recipients' | 'redirect'>,
  myorigin: string,
  redirect?: string,
): Envelope {
  const target = redirect ?? req.redirect;
  const redirected = target ? resolveRecipient(config, target, myorigin) : undefined;
  const seen = new Set<string>();
  const recipients: QueueRecipient[] = [];
  for (const r of req.recipients) {
    for (const address of redirected ?? resolveRecipient(config, r.address, myorigin)) {
      const key = address.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      const rcpt: QueueRecipient = { address, original: r.address };
      if (r.orcpt !== undefined) rcpt.orcpt = r.orcpt;
      if (r.notify !== undefined) rcpt.notify = r.notify;
      recipients.push(rcpt);
    }
  }
  return { sender: rewriteSender(config, req.sender, myorigin), recipients };
}
