// trivial-rewrite's address classes: which of the configured domain classes
// (mydestination / virtual_mailbox_domains / relay_domains) a domain is in.
import type { RuntimeConfig } from '@postfleet/config';
import { normalizeDomain, splitAddress } from '@postfleet/maps';
import { addressingTables } from './tables.ts';

export type AddressClass = 'local' | 'virtual' | 'relay' | 'remote';

export function classifyDomain(config: RuntimeConfig, domain: string): AddressClass {
  return addressingTables(config).classes.get(normalizeDomain(domain)) ?? 'remote';
}

export function classifyAddress(config: RuntimeConfig, address: string): AddressClass {
  return classifyDomain(config, splitAddress(address).domain);
}
