// Key sequences for hash-style lookups, shared by access and address tables:
// parent domains and address extensions (user+ext → user), and the one way a
// table key is normalised (case, trailing dot, IDN A-labels) on both sides.
import { normalizeDomain } from './domain-name.ts';

/** A hash table key as written in a map (user@domain, user@, domain, .domain, IP) in lookup form. */
export function tableKey(pattern: string): string {
  const p = pattern.trim();
  const at = p.lastIndexOf('@');
  if (at >= 0) {
    const domain = p.slice(at + 1);
    return `${p.slice(0, at).toLowerCase()}@${domain === '' ? '' : normalizeDomain(domain)}`;
  }
  if (p.startsWith('.')) return `.${normalizeDomain(p.slice(1))}`;
  return normalizeDomain(p);
}

/**
 * A domain's access(5) keys. parent_domain_matches_subdomains containing smtpd_access_maps
 * (Postfix's default): "sub.example.test" → sub.example.test, example.test, test; without
 * it only the ".parent" form matches subdomains: sub.example.test, .example.test, .test.
 */
export function domainLookupKeys(name: string, parentMatchesSubdomains = true): string[] {
  const domain = normalizeDomain(name);
  if (domain.length === 0) return [];
  const keys = [domain];
  let rest = domain;
  for (let dot = rest.indexOf('.'); dot >= 0; dot = rest.indexOf('.')) {
    rest = rest.slice(dot + 1);
    if (rest.length === 0) break;
    keys.push(parentMatchesSubdomains ? rest : `.${rest}`);
  }
  return keys;
}

/**
 * Split "user+ext" at the first recipient delimiter character. The extension keeps its
 * delimiter ("+ext"). No split when the local part starts with the delimiter or it is empty.
 */
export function splitExtension(
  local: string,
  delimiters: string,
): { base: string; ext: string } | null {
  if (delimiters.length === 0) return null;
  for (let i = 1; i < local.length; i++) {
    if (delimiters.includes(local[i] as string))
      return { base: local.slice(0, i), ext: local.slice(i) };
  }
  return null;
}
