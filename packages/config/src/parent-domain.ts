// parent_domain_matches_subdomains: the Postfix features (relay_domains,
// smtpd_access_maps, …) where a pattern "example.com" also matches subdomains
// instead of requiring an explicit ".example.com" pattern.
import { expandedSetting, type GlobalSettings } from './settings.ts';

/** Does parent_domain_matches_subdomains name this feature (e.g. "relay_domains", "smtpd_access_maps")? */
export function parentDomainMatchesSubdomains(settings: GlobalSettings, feature: string): boolean {
  return expandedSetting(settings, 'parent_domain_matches_subdomains')
    .split(/[\s,]+/)
    .some((name) => name === feature);
}
