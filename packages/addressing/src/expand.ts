// Recipient expansion as cleanup(8) and local(8) do it: virtual alias maps
// (one-to-many, recursive, with loop detection and limits), catch-all, then
// aliases(5) for local-class domains; and Postfix's reject_unlisted_recipient test.
import type { RuntimeConfig } from '@postfleet/config';
import { splitAddress, splitExtension } from '@postfleet/maps';
import { classifyDomain } from './classify.ts';
import { addressingTables, lookupFirst, qualify, type AddressingTables } from './tables.ts';

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
  /** A limit was exceeded: Postfix defers the message ("unreasonable ... map nesting"). */
  error?: string;
}

export function expandRecipient(
  config: RuntimeConfig,
  address: string,
  limits: ExpandLimits = {},
): Expansion {
  const t = addressingTables(config);
  const recursionLimit = limits.recursionLimit ?? t.recursionLimit;
  const expansionLimit = limits.expansionLimit ?? t.expansionLimit;

  const virtual = expandMap(
    address,
    (a) => lookupVirtual(config, t, a),
    recursionLimit,
    expansionLimit,
  );
  if (virtual.error)
    return { addresses: [address], unknown: false, error: `${virtual.error} virtual_alias_maps` };

  const out: string[] = [];
  for (const a of virtual.addresses) {
    const domain = splitAddress(a).domain;
    if (!t.localDomains.has(domain)) {
      out.push(a);
      continue;
    }
    const local = expandMap(
      a,
      (x) => lookupFirst(t.alias, x)?.map((r) => qualify(r, splitAddress(x).domain)) ?? null,
      recursionLimit,
      expansionLimit,
    );
    if (local.error)
      return { addresses: [address], unknown: false, error: `${local.error} alias_maps` };
    out.push(...local.addresses);
  }
  const addresses = dedupe(out);
  const unknown = addresses.some((a) => {
    const cls = classifyDomain(config, splitAddress(a).domain);
    return (cls === 'local' || cls === 'virtual') && !isUser(t, a);
  });
  return { addresses, unknown };
}

/** reject_unlisted_recipient: the address expands without error to existing users or to other domains. */
export function isKnownRecipient(config: RuntimeConfig, address: string): boolean {
  const e = expandRecipient(config, address);
  return e.error === undefined && !e.unknown;
}

function lookupVirtual(
  config: RuntimeConfig,
  t: AddressingTables,
  address: string,
): string[] | null {
  const hit = lookupFirst(t.virtual, address);
  if (hit !== null) return hit;
  const domain = splitAddress(address).domain;
  const catchAll = t.catchAll.get(domain);
  if (catchAll === undefined || isUser(t, address)) return null;
  if (t.localDomains.has(domain) && lookupFirst(t.alias, address) !== null) return null;
  return [catchAll];
}

/** A mailbox exists for the address or, with an extension (user+tag), for its base address. */
function isUser(t: AddressingTables, address: string): boolean {
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
  lookup: (address: string) => string[] | null,
  recursionLimit: number,
  expansionLimit: number,
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
    const result = lookup(item.address);
    if (result === null) {
      final.push(item.address);
      continue;
    }
    if (expanded.has(key)) continue;
    if (item.ancestors.length >= recursionLimit) {
      return { addresses: [], error: `unreasonable nesting for ${address} in` };
    }
    expanded.add(key);
    const ancestors = [...item.ancestors, key];
    for (const r of result) {
      if (r.toLowerCase() === key) final.push(r);
      else queue.push({ address: r, ancestors });
    }
    if (final.length + queue.length > expansionLimit) {
      return { addresses: [], error: `unreasonable expansion size for ${address} in` };
    }
  }
  return { addresses: final };
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
