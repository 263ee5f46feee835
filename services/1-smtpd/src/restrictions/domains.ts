// Which destinations Postfleet hosts, through @postfleet/addressing (the same
// trivial-rewrite logic cleanup uses), plus the routing tricks that must never
// count as ours: percent hack (unless allow_percent_hack resolves it first), bang
// paths, quoted local parts, source routes.
import { myorigin, type RuntimeConfig } from '@postfleet/config';
import {
  classifyDomain,
  qualifyAddress,
  resolveAddress,
  type AddressClass,
} from '@postfleet/addressing';
import { splitAddress } from '@postfleet/maps';

/** user%host@dom, host!user@dom, "a@b"@dom, "a%b"@dom, @hop1,@hop2:user@dom (allow_untrusted_routing = no). */
export function hasRoutingTricks(address: string): boolean {
  if (address.startsWith('@')) return true;
  const { local } = splitAddress(address);
  const unquoted = local.replace(/\\(.)/g, '$1').replace(/"/g, '');
  return /[@%!:]/.test(unquoted);
}

export function domainOf(address: string): string {
  let d = splitAddress(address).domain;
  if (d.endsWith('.')) d = d.slice(0, -1);
  return d;
}

/**
 * A domain-less address as trivial-rewrite sees it: qualified with $myorigin
 * (append_at_myorigin), so "tom" is tom@$myorigin for routing and lookups;
 * reject_non_fqdn_* still see what the client sent.
 */
export function qualifiedAddress(config: RuntimeConfig, address: string): string {
  return qualifyAddress(address, myorigin(config.settings));
}

/**
 * The address's domain class after trivial-rewrite's resolution (append_at_myorigin,
 * allow_percent_hack, resolve_numeric_domain); address literals and routed addresses
 * are remote.
 */
export function destinationClass(config: RuntimeConfig, input: string): AddressClass {
  const address = resolveAddress(config, qualifiedAddress(config, input));
  if (hasRoutingTricks(address)) return 'remote';
  const domain = domainOf(address);
  if (domain === '' || domain.startsWith('[')) return 'remote';
  return classifyDomain(config, domain);
}

/** permit_auth_destination: a domain Postfleet hosts (any class), without routing tricks; RFC 5321 <postmaster> too. */
export function isAuthDestination(config: RuntimeConfig, address: string): boolean {
  if (address.toLowerCase() === 'postmaster') return true;
  return destinationClass(config, address) !== 'remote';
}
