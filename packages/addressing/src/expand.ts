// Recipient expansion as cleanup(8) and local(8) do it: virtual alias maps
// (one-to-many, recursive, with loop detection and limits), catch-all, then
// aliases(5) for local-class domains; and Postfix's reject_unlisted_recipient test.
// A limit error names the resource entry that kept expanding (an alias loop).
import { expandedSetting, type RuntimeConfig } from '@postfleet/config';
import { splitAddress, splitExtension } from '@postfleet/maps';
import { classifyDomain } from './classify.ts';
import { resolveAddress } from './resolve.ts';
import {
  addressingTables,
  findFirst,
  lookupFirst,
  qualify,
  type AddressingTables,
} from './tables.ts';

export interface ExpandLimits {
  /** virtual_alias_recursion_limit (default 1000). */
  recursionLimit?: number;
  /** virtual_alias_expansion_limit (default 1000). */
  expansionLimit?: number;
}

export interface Expansion {
  /** Final recipients, de-duplicated (case-insensitively), in expansion order. */
  addresses: string[];
  /** Some result is in a local/virtual domain where no such user exists. */
  unknown: boolean;
  /**
   * A limit was exceeded: Postfix defers the message ("unreasonable ... map nesting"); the
   * text names the resource entry that was expanding, e.g. "AddressMap/v spec.entries[0]".
   */
  error?: string;
}

/** One lookup: the addresses an alias maps to and the resource entry that says so. */
type AliasHit = { result: string[]; origin: string } | null;

export function expandRecipient(
  config: RuntimeConfig,
  input: string,
  limits: ExpandLimits = {},
): Expansion {
  const address = resolveAddress(config, input);
  const t = addressingTables(config);
  const recursionLimit = limits.recursionLimit ?? t.recursionLimit;
  const expansionLimit = limits.expansionLimit ?? t.expansionLimit;

  const bounds = { recursionLimit, expansionLimit };
  const virtual = expandMap(address, 'virtual_alias_maps', (a) => lookupVirtual(t, a), bounds);
  if (virtual.error) return { addresses: [address], unknown: false, error: virtual.error };

  const out: string[] = [];
  for (const a of virtual.addresses) {
    const domain = splitAddress(a).domain;
    if (!t.localDomains.has(domain)) {
      out.push(a);
      continue;
    }
    const local = expandMap(a, 'alias_maps', (x) => lookupAlias(t, x), bounds);
    if (local.error) return { addresses: [address], unknown: false, error: local.error };
    out.push(...local.addresses);
  }
  const addresses = dedupe(out.map((a) => roleAddress(config, t, localUser(t, a))));
  const unknown = addresses.some((a) => {
    const { local, domain } = splitAddress(a);
    const cls = classifyDomain(config, domain);
    // a role mailbox is always accepted (RFC 5321 §4.5.1), even when nobody holds it yet
    if (ROLE_MAILBOXES.has(local.toLowerCase())) return false;
    // an alias-class domain has no mailboxes: what virtual_alias_maps leaves there is unknown
    return cls === 'alias' || ((cls === 'local' || cls === 'virtual') && !isUser(t, a));
  });
  return { addresses, unknown };
}

/** reject_unlisted_recipient: the address expands without error to existing users or to other domains. */
export function isKnownRecipient(config: RuntimeConfig, address: string): boolean {
  const e = expandRecipient(config, address);
  return e.error === undefined && !e.unknown;
}

/** RFC 5321 §4.5.1 / RFC 2142: mailboxes every hosted domain must accept. */
const ROLE_MAILBOXES = new Set(['postmaster', 'abuse']);

/**
 * postmaster@ or abuse@ a hosted domain that no user or alias claims goes to
 * postmaster_recipient, so it is accepted and reaches a person.
 */
function roleAddress(config: RuntimeConfig, t: AddressingTables, address: string): string {
  const { local, domain } = splitAddress(address);
  if (!ROLE_MAILBOXES.has(local.toLowerCase()) || isUser(t, address)) return address;
  const cls = classifyDomain(config, domain);
  if (cls !== 'local' && cls !== 'virtual') return address;
  const target = expandedSetting(config.settings, 'postmaster_recipient');
  return target.includes('@') ? target : address;
}

function lookupVirtual(t: AddressingTables, address: string): AliasHit {
  const hit = findFirst(t.virtual, address);
  if (hit !== null) return hit;
  const domain = splitAddress(address).domain;
  const catchAll = t.catchAll.get(domain);
  if (catchAll === undefined || isUser(t, address)) return null;
  if (t.localDomains.has(domain) && lookupFirst(t.alias, address) !== null) return null;
  return { result: [catchAll], origin: t.catchAllOrigin.get(domain) ?? `catch-all of ${domain}` };
}

function lookupAlias(t: AddressingTables, address: string): AliasHit {
  const hit = findFirst(t.alias, address);
  if (hit === null) return null;
  const domain = splitAddress(address).domain;
  return { result: hit.result.map((r) => qualify(r, domain)), origin: hit.origin };
}

/**
 * Local users are one namespace over every local-class domain (Postfix's passwd): tom@ any
 * local domain is delivered to the MailUser that holds "tom" in a local domain.
 */
function localUser(t: AddressingTables, address: string): string {
  const { local, domain } = splitAddress(address.toLowerCase());
  if (!t.localDomains.has(domain) || isUser(t, address)) return address;
  const exact = t.localUsers.get(local);
  if (exact !== undefined) return exact;
  const split = splitExtension(local, t.recipientDelimiter);
  const base = split === null ? undefined : t.localUsers.get(split.base);
  if (split === null || base === undefined) return address;
  const at = base.lastIndexOf('@');
  return `${base.slice(0, at)}${split.ext}${base.slice(at)}`;
}

/** A mailbox exists for the address or, with an extension (user+tag), for its base address. */
export function isUser(t: AddressingTables, address: string): boolean {
  const { local, domain } = splitAddress(address.toLowerCase());
  if (t.users.has(`${local}@${domain}`)) return true;
  const split = splitExtension(local, t.recipientDelimiter);
  return split !== null && t.users.has(`${split.base}@${domain}`);
}

interface Pending {
  address: string;
  /** Lower-cased addresses this one was expanded from (its chain), for loop detection. */
  ancestors: string[];
}

/**
 * Breadth-first one-to-many expansion. An address that maps to itself, or that comes back
 * round a loop (a → b → a), is delivered to as itself; an alias already expanded on another
 * branch is not expanded twice.
 */
function expandMap(
  address: string,
  mapName: string,
  lookup: (address: string) => AliasHit,
  { recursionLimit, expansionLimit }: { recursionLimit: number; expansionLimit: number },
): { addresses: string[]; error?: string } {
  const final: string[] = [];
  const expanded = new Set<string>();
  const queue: Pending[] = [{ address, ancestors: [] }];
  while (queue.length > 0) {
    const item = queue.shift() as Pending;
    const key = item.address.toLowerCase();
    if (item.ancestors.includes(key)) {
      final.push(item.address);
      continue;
    }
    const hit = lookup(item.address);
    if (hit === null) {
      final.push(item.address);
      continue;
    }
    if (expanded.has(key)) continue;
    if (item.ancestors.length >= recursionLimit) {
      const next = hit.result.map(abbreviate).join(', ');
      return {
        addresses: [],
        error:
          `unreasonable nesting for ${address} in ${mapName}: ${hit.origin} still expands ` +
          `${abbreviate(item.address)} to ${next} after ${recursionLimit} levels (an alias loop?)`,
      };
    }
    expanded.add(key);
    const ancestors = [...item.ancestors, key];
    for (const r of hit.result) {
      if (r.toLowerCase() === key) final.push(r);
      else queue.push({ address: r, ancestors });
    }
    if (final.length + queue.length > expansionLimit) {
      return {
        addresses: [],
        error:
          `unreasonable expansion size for ${address} in ${mapName}: more than ` +
          `${expansionLimit} addresses once ${hit.origin} expands ${abbreviate(item.address)}`,
      };
    }
  }
  return { addresses: final };
}

/** Addresses a loop keeps lengthening stay readable in the message. */
function abbreviate(address: string): string {
  return address.length > 80 ? `${address.slice(0, 40)}…${address.slice(-30)}` : address;
}

function dedupe(addresses: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const a of addresses) {
    const key = a.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
  }
  return out;
}
