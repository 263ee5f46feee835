// Splits one restriction-list entry ("check_client_access AccessMap/blocklist")
// into its rule name and arguments. Deliberately lenient: validation is the
// config compiler's job; the evaluator answers 451 4.3.5 for what it cannot run.

export interface ParsedRule {
  /** Lower-cased rule name, e.g. "reject_rbl_client". */
  name: string;
  args: string[];
}

export function parseRule(rule: string): ParsedRule {
  const words = rule
    .trim()
    .split(/[\s,]+/)
    .filter((w) => w.length > 0);
  return { name: (words[0] ?? '').toLowerCase(), args: words.slice(1) };
}
