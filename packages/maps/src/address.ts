// Address helpers shared by every service: split user@domain, test FQDNs and
// HELO hostnames. One place, so smtpd, cleanup and the maps agree on syntax.
import { normalizeDomain } from './domain-name.ts';
import { isIPv4, isIPv6 } from './ip.ts';

/** Split at the last '@' outside a quoted local part; the domain in comparison form (normalizeDomain). No '@' → domain ''. */
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
  return { local: address.slice(0, at), domain: normalizeDomain(address.slice(at + 1)) };
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** At least two labels, each a valid hostname label, not all numeric. A trailing dot is allowed. */
export function isFqdn(domain: string): boolean {
  const name = domain.endsWith('.') ? domain.slice(0, -1) : domain;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((l) => LABEL.test(l) || /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?$/i.test(l)))
    return false;
  // Postfix's valid_hostname refuses only a name that is numeric throughout (host.123 is fine)
  return !labels.every((l) => /^\d+$/.test(l));
}

/** reject_invalid_helo_hostname: a syntactically valid hostname (one label is enough) or an [address literal]. */
export function isValidHostname(name: string): boolean {
  if (name.startsWith('[') && name.endsWith(']')) return isAddressLiteral(name.slice(1, -1));
  const host = name.endsWith('.') ? name.slice(0, -1) : name;
  if (host.length === 0 || host.length > 255) return false;
  const labels = host.split('.');
  if (!labels.every((l) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?$/i.test(l))) return false;
  // All-numeric: acceptable only as an IPv4 address (Postfix's valid_hostaddr, so a bare IP
  // passes here and reject_non_fqdn_helo_hostname decides); "1.2.3" is neither.
  if (labels.every((l) => /^\d+$/.test(l))) return isIPv4(host);
  return true;
}

function isAddressLiteral(inner: string): boolean {
  if (/^ipv6:/i.test(inner)) return isIPv6(inner.slice(5));
  return isIPv4(inner);
}
