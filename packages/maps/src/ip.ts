// IP addresses and networks for lookup tables: the one implementation lives in
// @postfleet/config (the compiler validates cidr patterns and mynetworks with it).
export {
  isIPv4,
  isIPv6,
  parseIPv6,
  parseIp,
  formatIPv6,
  addressLookupKeys,
  parseCidr,
  cidrContains,
  parseNetwork,
  parseNetworks,
  inNetworks,
  type IpAddress,
  type CidrNetwork,
} from '@postfleet/config';
