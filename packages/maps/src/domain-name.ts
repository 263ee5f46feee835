// Domain names compared one way everywhere: lower case, without a trailing dot,
// internationalised names as A-labels (xn--…), so "Bücher.test.", "XN--BCHER-KVA.test"
// and "xn--bcher-kva.test" are one domain to the tables, smtpd and the config compiler.
import { domainToASCII } from 'node:url';

/** The comparison form of a domain; address literals ([…]) only lose case. */
export function normalizeDomain(domain: string): string {
  let d = domain.trim().toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d.startsWith('[')) return d;
  // eslint-disable-next-line no-control-regex -- plain ASCII without A-labels needs no IDNA pass
  if (/^[\x00-\x7f]*$/.test(d) && !/(?:^|\.)xn--/.test(d)) return d;
  return domainToASCII(d) || d;
}

/** local@domain with the domain in comparison form and the local part lower-cased (lookup key). */
export function normalizeAddressKey(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address.toLowerCase();
  return `${address.slice(0, at).toLowerCase()}@${normalizeDomain(address.slice(at + 1))}`;
}
