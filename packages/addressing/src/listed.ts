// Postfix's check_rcpt_maps (reject_unlisted_recipient / _sender and smtpd's
// implicit recipient validation): an address of a local or virtual domain is
// listed when a user, alias, virtual alias or canonical entry names it; the
// targets are not checked (a bad alias member bounces later, as in Postfix).
import { expandedSetting, globalSetting, type RuntimeConfig } from '@postfleet/config';
import { splitAddress, splitExtension } from '@postfleet/maps';
import { classifyDomain } from './classify.ts';
import { isUser } from './expand.ts';
import { resolveAddress } from './resolve.ts';
import { addressingTables, lookupFirst } from './tables.ts';

export type ListedResult = 'listed' | 'unlisted' | 'not-hosted';

/** Which table an unlisted address of a hosted class is unknown in (Postfix's reply text). */
export function unlistedTable(cls: 'local' | 'virtual' | 'alias'): string {
  if (cls === 'alias') return 'virtual alias table';
  return cls === 'local' ? 'local recipient table' : 'virtual mailbox table';
}

/**
 * check_rcpt_maps: "not-hosted" for relay/remote domains; for local-class domains the
 * local user namespace (every local domain), alias_maps, postmaster / MAILER-DAEMON /
 * $double_bounce_sender; for both local and virtual classes MailUsers, virtual_alias_maps
 * (catch-alls included), canonical maps and postmaster@/abuse@ (postmaster_recipient); for
 * alias-class domains (virtual_alias_domains) virtual_alias_maps only.
 */
export function checkRecipientMaps(config: RuntimeConfig, input: string): ListedResult {
  const address = resolveAddress(config, input);
  const { local, domain } = splitAddress(address);
  const cls = classifyDomain(config, domain);
  if (cls !== 'local' && cls !== 'virtual' && cls !== 'alias') return 'not-hosted';
  const t = addressingTables(config);
  const aliased = lookupFirst(t.virtual, address) !== null || t.catchAll.has(domain);
  if (cls === 'alias') return aliased ? 'listed' : 'unlisted';
  const name = local.toLowerCase();
  if (cls === 'local') {
    if (isLocalRoleName(config, name)) return 'listed';
    const base = splitExtension(name, t.recipientDelimiter)?.base;
    if (t.localUsers.has(name) || (base !== undefined && t.localUsers.has(base))) return 'listed';
    if (lookupFirst(t.alias, address) !== null) return 'listed';
  }
  if (isUser(t, address)) return 'listed';
  if (aliased) return 'listed';
  if (hasPostmasterRecipient(config) && POSTMASTER_ROLES.has(name)) return 'listed';
  for (const maps of [t.recipientCanonical, t.canonical])
    if (lookupFirst(maps, address) !== null) return 'listed';
  return 'unlisted';
}

/**
 * Postfleet addition: postmaster@ and abuse@ every local or virtual domain reach
 * postmaster_recipient (RFC 5321 4.5.1, RFC 2142) unless it is set empty; Postfix
 * accepts them only where a table lists them.
 */
const POSTMASTER_ROLES = new Set(['postmaster', 'abuse']);

function hasPostmasterRecipient(config: RuntimeConfig): boolean {
  return expandedSetting(config.settings, 'postmaster_recipient').includes('@');
}

/** postmaster, MAILER-DAEMON and $double_bounce_sender exist in every local domain (RFC 5321 4.5.1). */
export function isLocalRoleName(config: RuntimeConfig, local: string): boolean {
  const name = local.toLowerCase();
  const doubleBounce = globalSetting(config.settings, 'double_bounce_sender').toLowerCase();
  return name === 'postmaster' || name === 'mailer-daemon' || name === doubleBounce;
}
