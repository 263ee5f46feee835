// IP addresses and networks, one implementation: parse IPv4/IPv6 (IPv4-mapped
// folded to IPv4), prefix keys for access(5) hash lookups, cidr_table(5) patterns
// (strict) and address lists such as mynetworks (lenient). The tables here and
// smtpd match with it; the config compiler validates cidr patterns and mynetworks with it.

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function isIPv6(s: string): boolean {
  return parseIPv6(s) !== null;
}

/** Parse an IPv6 address (with optional embedded IPv4 tail) into 8 groups, or null. */
export function parseIPv6(s: string): number[] | null {
  if (!/^[0-9a-f:.]+$/i.test(s) || !s.includes(':')) return null;
  let tail: number[] = [];
  let text = s;
  const lastColon = s.lastIndexOf(':');
  const maybeV4 = s.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    if (!isIPv4(maybeV4)) return null;
    const o = maybeV4.split('.').map(Number) as [number, number, number, number];
    tail = [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
    text = s.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0] ?? '');
  if (head === null) return null;
  if (halves.length === 1) {
    const all = [...head, ...tail];
    return all.length === 8 ? all : null;
  }
  const back = parseGroups(halves[1] ?? '');
  if (back === null) return null;
  const known = head.length + back.length + tail.length;
  if (known > 7) return null;
  return [...head, ...new Array<number>(8 - known).fill(0), ...back, ...tail];
}

export interface IpAddress {
  family: 4 | 6;
  bytes: number[];
  /** Canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6. */
  text: string;
}

/** Parse "1.2.3.4", "2001:db8::1", "[..]" or "ipv6:.."; IPv4-mapped IPv6 becomes IPv4 (as Postfix smtpd does). */
export function parseIp(address: string): IpAddress | null {
  let a = address.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  if (/^ipv6:/i.test(a)) a = a.slice(5);
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  if (isIPv4(a)) {
    const bytes = a.split('.').map(Number);
    return { family: 4, bytes, text: bytes.join('.') };
  }
  const groups = parseIPv6(a);
  if (groups === null) return null;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const g6 = groups[6] ?? 0;
    const g7 = groups[7] ?? 0;
    const bytes = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
    return { family: 4, bytes, text: bytes.join('.') };
  }
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  return { family: 6, bytes, text: formatIPv6(groups) };
}

/** RFC 5952: lower-case, no leading zeros, the longest run (≥2) of zero groups as "::". */
export function formatIPv6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** access(5) address keys: 1.2.3.4, 1.2.3, 1.2, 1 — or IPv6 cut at the last ':' repeatedly. */
export function addressLookupKeys(ip: IpAddress): string[] {
  const delim = ip.family === 4 ? '.' : ':';
  const keys: string[] = [];
  let key = ip.text;
  for (;;) {
    keys.push(key);
    const cut = key.lastIndexOf(delim);
    if (cut <= 0) break;
    key = key.slice(0, cut);
  }
  return keys;
}

export interface CidrNetwork {
  family: 4 | 6;
  bytes: number[];
  prefix: number;
}

/** cidr_table(5) pattern: "net/prefix", "[ipv6]/prefix" or a bare address; host bits must be zero. */
export function parseCidr(pattern: string): CidrNetwork {
  const slash = pattern.lastIndexOf('/');
  const addrText = slash < 0 ? pattern : pattern.slice(0, slash);
  const ip = parseIp(addrText);
  if (ip === null) throw new Error(`invalid cidr pattern ${JSON.stringify(pattern)}: bad address`);
  // A bare IPv4-mapped form stays IPv6 in a pattern only if the prefix says so; keep it simple: family of parse.
  const max = ip.family === 4 ? 32 : 128;
  const prefix = slash < 0 ? max : Number(pattern.slice(slash + 1));
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (slash >= 0 && !/^\d+$/.test(pattern.slice(slash + 1)))
  ) {
    throw new Error(`invalid cidr pattern ${JSON.stringify(pattern)}: bad prefix length`);
  }
  for (let bit = prefix; bit < max; bit++) {
    if (((ip.bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) {
      throw new Error(
        `invalid cidr pattern ${JSON.stringify(pattern)}: non-null host address bits`,
      );
    }
  }
  return { family: ip.family, bytes: ip.bytes, prefix };
}

export function cidrContains(net: CidrNetwork, ip: IpAddress): boolean {
  if (net.family !== ip.family) return false;
  for (let bit = 0; bit < net.prefix; bit++) {
    const mask = 1 << (7 - (bit & 7));
    if (((net.bytes[bit >> 3] ?? 0) & mask) !== ((ip.bytes[bit >> 3] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * A network in an address list (mynetworks, smtpd_upstream_proxy_trusted):
 * "192.0.2.0/24", "2001:db8::/32", "[::1]/128", "::ffff:10.0.0.0/104" or a bare
 * address. Unlike a cidr_table pattern, host bits are ignored; null when it does not parse.
 */
export function parseNetwork(text: string): CidrNetwork | null {
  const t = text.trim();
  const slash = t.lastIndexOf('/');
  const addrText = slash < 0 ? t : t.slice(0, slash);
  const ip = parseIp(addrText);
  if (ip === null) return null;
  const mappedForm = ip.family === 4 && addrText.includes(':');
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    if (mappedForm) prefix -= 96;
    if (prefix < 0 || prefix > max) return null;
  }
  return { family: ip.family, bytes: ip.bytes, prefix };
}

/** Networks of an address list; entries that do not parse are dropped (they never match). */
export function parseNetworks(list: readonly string[]): CidrNetwork[] {
  return list.map(parseNetwork).filter((n): n is CidrNetwork => n !== null);
}

/** The address (IPv4-mapped IPv6 counts as IPv4) is inside one of the networks. */
export function inNetworks(nets: readonly CidrNetwork[], address: string): boolean {
  const ip = parseIp(address);
  return ip !== null && nets.some((n) => cidrContains(n, ip));
}
