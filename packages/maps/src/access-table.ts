// access(5) tables built from an AccessMap resource: the Postfix lookup order for
// client, HELO/domain and envelope address checks over hash, cidr and regexp/pcre data
// (regexp/pcre entries match in linear time, see regexp-pattern.ts). The input is
// structural: config's AccessMap spec has this shape, maps does not depend on config.
import { splitAddress } from './address.ts';
import { addressLookupKeys, cidrContains, parseCidr, parseIp, type CidrNetwork } from './ip.ts';
import { domainLookupKeys, splitExtension, tableKey } from './lookup-keys.ts';
import { compileRegexpList, substituteGroups } from './regexp-pattern.ts';

/** An access(5) table's data, as an AccessMap resource's spec carries it. */
export interface AccessTableSpec {
  /** hash (default): access(5) key lookups; cidr: networks in order; regexp/pcre: first match. */
  type?: 'hash' | 'cidr' | 'regexp' | 'pcre';
  entries: readonly AccessTableEntry[];
}

export interface AccessTableEntry {
  pattern: string;
  /** The access(5) result, parsed by parseAccessAction. */
  action: string;
}

export interface AccessTable {
  /** check_client_access: hostname + parent domains (unless "unknown"), then the IP and its shorter prefixes; cidr: networks in order; regexp: hostname, then address. */
  lookupClient(hostname: string, address: string): string | null;
  /** check_helo_access and domain lookups: the name, then parent domains ("example.test" or ".example.test" keys, see parentMatchesSubdomains). */
  lookupDomainName(name: string): string | null;
  /** check_sender/recipient_access: user+ext@domain, user@domain, domain + parents, user+ext@, user@; "<>" for the null sender. */
  lookupAddress(address: string): string | null;
}

export interface AccessTableOptions {
  /** recipient_delimiter characters (default "+"); empty disables extension stripping. */
  recipientDelimiter?: string;
  /** smtpd_null_access_lookup_key (default "<>"). */
  nullAccessLookupKey?: string;
  /**
   * parent_domain_matches_subdomains lists smtpd_access_maps (Postfix's default, true):
   * "example.test" keys match subdomains and ".example.test" keys are never looked up.
   */
  parentMatchesSubdomains?: boolean;
}

/** Build an access table; invalid regexp or cidr patterns throw with the pattern named. */
export function buildAccessTable(
  spec: AccessTableSpec,
  opts: AccessTableOptions = {},
): AccessTable {
  const type = spec.type ?? 'hash';
  const nullKey = opts.nullAccessLookupKey ?? '<>';
  const delimiters = opts.recipientDelimiter ?? '+';
  if (type === 'cidr') return cidrTable(spec.entries);
  if (type === 'regexp' || type === 'pcre') return regexpTable(spec.entries, nullKey, type);
  return hashTable(spec.entries, nullKey, delimiters, opts.parentMatchesSubdomains ?? true);
}

type Entries = AccessTableSpec['entries'];

function hashTable(
  entries: Entries,
  nullKey: string,
  delimiters: string,
  parentStyle: boolean,
): AccessTable {
  const map = new Map<string, string>();
  for (const e of entries) {
    const key = tableKey(e.pattern);
    if (!map.has(key)) map.set(key, e.action);
  }
  const first = (keys: Iterable<string>): string | null => {
    for (const k of keys) {
      const v = map.get(k);
      if (v !== undefined) return v;
    }
    return null;
  };
  const lookupDomainName = (name: string): string | null =>
    first(domainLookupKeys(name, parentStyle));
  return {
    lookupDomainName,
    lookupClient(hostname, address) {
      if (hostname.length > 0 && hostname.toLowerCase() !== 'unknown') {
        const hit = lookupDomainName(hostname);
        if (hit !== null) return hit;
      }
      const ip = parseIp(address);
      return first(ip ? addressLookupKeys(ip) : [address.toLowerCase()]);
    },
    lookupAddress(address) {
      const addr = address.trim();
      if (addr === '' || addr === '<>') return first([nullKey.toLowerCase()]);
      const { local, domain } = splitAddress(addr.toLowerCase());
      const split = splitExtension(local, delimiters);
      const keys: string[] = [];
      if (domain.length > 0) {
        keys.push(`${local}@${domain}`);
        if (split) keys.push(`${split.base}@${domain}`);
        keys.push(...domainLookupKeys(domain, parentStyle));
      } else {
        keys.push(local);
        if (split) keys.push(split.base);
      }
      keys.push(`${local}@`);
      if (split) keys.push(`${split.base}@`);
      return first(keys);
    },
  };
}

function cidrTable(entries: Entries): AccessTable {
  const nets: { net: CidrNetwork; action: string }[] = entries.map((e) => ({
    net: parseCidr(e.pattern.trim()),
    action: e.action,
  }));
  const match = (address: string): string | null => {
    const ip = parseIp(address);
    if (ip === null) return null;
    for (const n of nets) if (cidrContains(n.net, ip)) return n.action;
    return null;
  };
  return {
    lookupClient: (_hostname, address) => match(address),
    lookupDomainName: (name) => match(name),
    lookupAddress: () => null,
  };
}

function regexpTable(entries: Entries, nullKey: string, type: 'regexp' | 'pcre'): AccessTable {
  const rules = compileRegexpList(
    entries.map((e) => e.pattern),
    type,
  );
  const match = (s: string): string | null => {
    const hit = rules.first(s);
    return hit ? substituteGroups(entries[hit.index]?.action ?? '', hit.match) : null;
  };
  return {
    lookupClient(hostname, address) {
      if (hostname.length > 0 && hostname.toLowerCase() !== 'unknown') {
        const hit = match(hostname);
        if (hit !== null) return hit;
      }
      const ip = parseIp(address);
      return match(ip ? ip.text : address);
    },
    lookupDomainName: (name) => match(name),
    lookupAddress: (address) => {
      const addr = address.trim();
      return match(addr === '' || addr === '<>' ? nullKey : addr);
    },
  };
}
