// Address helpers shared by every service: split user@domain, test FQDNs and
// HELO hostnames. One place, so smtpd, cleanup and the maps agree on syntax.

/** Split at the last '@' outside a quoted local part; the domain is lower-cased. No '@' → domain ''. */
export function splitAddress(address: string): { local: string; domain: string } {
  let inQuote = false;
  let at = -1;
  for (let i = 0; i < address.length; i++) {
    const c = address[i];
    if (c === '\\' && inQuote) {
      i++;
    } else if (c === '"') {
      inQuote = !inQuote;
    } else if (c === '@' && !inQuote) {
      at = i;
    }
  }
  if (at < 0) return { local: address, domain: '' };
  return { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase() };
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** At least two labels, each a valid hostname label, top label not all-numeric. A trailing dot is allowed. */
export function isFqdn(domain: string): boolean {
  const name = domain.endsWith('.') ? domain.slice(0, -1) : domain;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((l) => LABEL.test(l) || /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?$/i.test(l)))
    return false;
  return !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

/** reject_invalid_helo_hostname: a syntactically valid hostname (one label is enough) or an [address literal]. */
export function isValidHostname(name: string): boolean {
  if (name.startsWith('[') && name.endsWith(']')) return isAddressLiteral(name.slice(1, -1));
  const host = name.endsWith('.') ? name.slice(0, -1) : name;
  if (host.length === 0 || host.length > 255) return false;
  const labels = host.split('.');
  if (!labels.every((l) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?$/i.test(l))) return false;
  // All-numeric with dots must be a real IPv4 address to be acceptable (Postfix valid_hostname rejects "1.2.3").
  if (labels.every((l) => /^\d+$/.test(l))) return false;
  return true;
}

function isAddressLiteral(inner: string): boolean {
  if (/^ipv6:/i.test(inner)) return isIPv6(inner.slice(5));
  return isIPv4(inner);
}

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
