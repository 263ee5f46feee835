// The resolver's vocabulary: a lookup result that keeps "does not exist" apart
// from "could not find out" (tempfail), so callers answer 4xx, never accept by accident.

export type DnsResult<T> =
  | { status: 'ok'; records: T[] }
  | { status: 'nxdomain' }
  | { status: 'nodata' }
  | { status: 'tempfail'; reason: string };

export interface MxRecord {
  exchange: string;
  priority: number;
}

export type DnsListResult = DnsResult<string> & { txt?: string };

export interface Resolver {
  a(name: string): Promise<DnsResult<string>>;
  aaaa(name: string): Promise<DnsResult<string>>;
  /** Sorted by priority; exchange names lower-case without the trailing dot. */
  mx(name: string): Promise<DnsResult<MxRecord>>;
  /** Each TXT record's character strings joined. */
  txt(name: string): Promise<DnsResult<string>>;
  /** Reverse lookup of an IPv4/IPv6 address (in-addr.arpa / ip6.arpa). */
  ptr(address: string): Promise<DnsResult<string>>;
  /** reject_unknown_*_domain: MX, else A/AAAA; a null MX (RFC 7505) is 'no'. */
  domainExists(name: string): Promise<'yes' | 'no' | 'tempfail'>;
  /** Postfix client name: the PTR name whose A/AAAA includes the address, else "unknown"; also the unverified reverse name. */
  clientNames(
    address: string,
  ): Promise<{ hostname: string; reverseHostname: string; tempfail: boolean }>;
  /** DNSBL: reversed octets (or IPv6 nibbles) + "." + zone → A records (127.0.0.x) and TXT when listed. */
  rbl(address: string, zone: string): Promise<DnsListResult>;
  /** RHSBL: domain + "." + zone. */
  rhsbl(domain: string, zone: string): Promise<DnsListResult>;
}

export interface ResolverOptions {
  /** "127.0.0.1:5353", "[::1]:53"; default env POSTFLEET_DNS_SERVERS or the system resolver. */
  servers?: string[];
  /** Per-try timeout (default 5000 ms). */
  timeoutMs?: number;
  /** Tries per server (default 2). */
  tries?: number;
  /** Positive and negative answers are cached this long (default 60 000 ms); tempfails never. 0 disables. */
  cacheTtlMs?: number;
  /** Oldest entries are evicted beyond this (default 10 000). */
  maxCacheEntries?: number;
}
