// Public surface of @postfleet/maps: Postfix lookup tables (access(5), virtual(5)/
// canonical(5)/aliases(5), regexp_table(5), cidr_table(5)), the parsers they share
// with the config compiler (IP/CIDR, regexp/pcre patterns, domain names, access(5)
// action names) and address helpers. Depends on no other Postfleet package.
export * from './access-action.ts';
export * from './access-table.ts';
export * from './address-table.ts';
export * from './regexp-pattern.ts';
export * from './ip.ts';
export * from './domain-name.ts';
export { splitAddress, isFqdn, isValidHostname } from './address.ts';
export { domainLookupKeys, splitExtension } from './lookup-keys.ts';
