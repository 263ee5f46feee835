// Splits one restriction-list entry ("check_client_access AccessMap/blocklist")
// into its rule name and arguments: @postfleet/config's parseRestriction (the
// compiler's vocabulary) first; names only access-map results may carry
// (defer_if_permit, ...) fall back to a plain split. Unknown names become 451 4.3.5.
import { parseRestriction } from '@postfleet/config';

export interface ParsedRule {
  /** Lower-cased rule name, e.g. "reject_rbl_client". */
  name: string;
  args: string[];
}

export function parseRule(rule: string): ParsedRule {
  try {
    const r = parseRestriction(rule);
    return { name: r.name, args: [...r.args] };
  } catch {
    const words = rule
      .trim()
      .split(/[\s,]+/)
      .filter((w) => w.length > 0);
    return { name: (words[0] ?? '').toLowerCase(), args: words.slice(1) };
  }
}
