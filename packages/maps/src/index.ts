// Public surface of @postfleet/maps: Postfix lookup tables (access(5), virtual(5)/
// canonical(5)/aliases(5), regexp_table(5), cidr_table(5)) and address helpers.
export * from './access-action.ts';
export * from './access-table.ts';
export * from './address-table.ts';
export * from './regexp-pattern.ts';
export { splitAddress, isFqdn, isValidHostname } from './address.ts';
export {
  isIPv4,
  isIPv6,
  parseIp,
  parseCidr,
  cidrContains,
  parseNetwork,
  parseNetworks,
  inNetworks,
  addressLookupKeys,
  type IpAddress,
  type CidrNetwork,
} from './ip.ts';
export { domainLookupKeys, splitExtension } from './lookup-keys.ts';
