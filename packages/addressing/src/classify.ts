// trivial-rewrite's address classes: which of the configured domain classes
// (mydestination / virtual_mailbox_domains / virtual_alias_domains /
// relay_domains) a domain is in.
// relay_domains match subdomains when parent_domain_matches_subdomains lists
// relay_domains (Postfix's default); otherwise only ".domain" patterns do.
import type { RuntimeConfig } from '@postfleet/config';
import { normalizeDomain, splitAddress } from '@postfleet/maps';
import { addressingTables } from './tables.ts';

export type AddressClass = 'local' | 'virtual' | 'alias' | 'relay' | 'remote';

export function classifyDomain(config: RuntimeConfig, domain: string): AddressClass {
  const t = addressingTables(config);
  const name = normalizeDomain(domain);
  const exact = t.classes.get(name);
  if (exact !== undefined) return exact;
  if (name.startsWith('[')) return 'remote';
  for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
    const parent = t.relayParentMatch ? name.slice(dot + 1) : name.slice(dot);
    if (parent !== '' && parent !== '.' && t.classes.get(parent) === 'relay') return 'relay';
  }
  return 'remote';
}

export function classifyAddress(config: RuntimeConfig, address: string): AddressClass {
  return classifyDomain(config, splitAddress(address).domain);
}
