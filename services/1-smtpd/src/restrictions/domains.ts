// Which destinations Postfleet hosts, through @postfleet/addressing (the same
// trivial-rewrite logic cleanup uses), plus the routing tricks that must never
// count as ours: percent hack, bang paths, quoted local parts, source routes.
import type { RuntimeConfig } from '@postfleet/config';
import { classifyDomain, isKnownRecipient, type AddressClass } from '@postfleet/addressing';
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

/** The address's domain class; domain-less addresses and address literals are remote, routed addresses too. */
export function destinationClass(config: RuntimeConfig, address: string): AddressClass {
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

/** Recipient validation; a trailing dot on the domain is dropped first, as trivial-rewrite does. */
export function knownRecipient(config: RuntimeConfig, address: string): boolean {
  return isKnownRecipient(config, address.endsWith('.') ? address.slice(0, -1) : address);
}
