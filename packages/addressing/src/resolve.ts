// trivial-rewrite's address resolution before classification: append_at_myorigin,
// the percent hack
// (allow_percent_hack: user%domain@local-domain → user@domain, rightmost % first)
// and resolve_numeric_domain (user@1.2.3.4 → user@[1.2.3.4]).
import { globalSetting, type RuntimeConfig } from '@postfleet/config';
import { isIPv4, isIPv6, splitAddress } from '@postfleet/maps';
import { addressingTables } from './tables.ts';

/** Unqualified addresses ("root") get @myorigin, as Postfix's trivial-rewrite appends it (append_at_myorigin). */
export function qualifyAddress(address: string, myorigin: string): string {
  if (address === '' || address.includes('@')) return address;
  return `${address}@${myorigin}`;
}

/** Postfix resolve.c gives up on an address that keeps rewriting after this many rounds. */
const MAX_PERCENT_ROUNDS = 100;

/** The address as trivial-rewrite resolves it (unchanged when neither setting applies). */
export function resolveAddress(config: RuntimeConfig, address: string): string {
  let current = numericDomain(config, address);
  if (!globalSetting(config.settings, 'allow_percent_hack')) return current;
  const t = addressingTables(config);
  for (let i = 0; i < MAX_PERCENT_ROUNDS; i++) {
    const { local, domain } = splitAddress(current);
    const percent = local.lastIndexOf('%');
    if (percent <= 0 || local.startsWith('"') || !t.localDomains.has(domain)) return current;
    current = numericDomain(config, `${local.slice(0, percent)}@${local.slice(percent + 1)}`);
  }
  return current;
}

function numericDomain(config: RuntimeConfig, address: string): string {
  if (!globalSetting(config.settings, 'resolve_numeric_domain')) return address;
  const at = address.lastIndexOf('@');
  const domain = at < 0 ? '' : address.slice(at + 1);
  if (!isIPv4(domain) && !isIPv6(domain)) return address;
  const literal = isIPv6(domain) ? `[IPv6:${domain}]` : `[${domain}]`;
  return `${address.slice(0, at)}@${literal}`;
}
