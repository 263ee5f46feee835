// Validation of regexp_table(5)/pcre_table(5) patterns "/regexp/flags" and of the
// actions that header/body checks and access(5) tables accept. The compiler uses
// it; the matcher (regexp-pattern.ts) and the access(5) keywords (ACCESS_ACTIONS,
// next to their parser in access-action.ts) are @postfleet/maps'.
import { parseRegexpPattern, type AccessActionName } from '@postfleet/maps';

/**
 * Validates "/re/flags" or "!/re/" as regexp_table(5) and pcre_table(5) read it (they differ
 * only in the x flag); the reason it is invalid (including a backreference or lookaround,
 * which the linear-time engine refuses), or null.
 */
export function checkRegexpPattern(pattern: string): string | null {
  for (const dialect of ['pcre', 'regexp'] as const) {
    try {
      parseRegexpPattern(pattern, dialect);
    } catch (err) {
      return (err as Error).message;
    }
  }
  return null;
}

/**
 * Actions of header_checks(5)/body_checks, as Postfix 3.x has them (OK is Postfix's
 * backwards-compatible DUNNO). The one list: the compiler accepts exactly these, and
 * cleanup's action table (cleanup-checks.ts) is a Record over them, so TypeScript
 * refuses a name without an implementation. DEFER is not a header_checks action.
 */
export const CHECK_ACTIONS = [
  'BCC',
  'DISCARD',
  'DUNNO',
  'FILTER',
  'HOLD',
  'IGNORE',
  'INFO',
  'OK',
  'PASS',
  'PREPEND',
  'REDIRECT',
  'REPLACE',
  'REJECT',
  'STRIP',
  'WARN',
] as const;
export type CheckActionName = (typeof CHECK_ACTIONS)[number];

/** Actions whose argument is required, and what it must look like (access(5), header_checks(5)). */
const ARGUMENTS: Partial<Record<AccessActionName | CheckActionName, [RegExp, string]>> = {
  BCC: [/^[^@\s]+@[^@\s]+$/, 'BCC needs one user@domain address'],
  REDIRECT: [/^[^@\s]+@[^@\s]+$/, 'REDIRECT needs one user@domain address'],
  FILTER: [/^[^:\s]+:\S*$/, 'FILTER needs transport:destination'],
  PREPEND: [/\S/, 'PREPEND needs the text to prepend'],
};

/**
 * Returns an error message when the action is neither a listed verb (with a well-formed
 * argument where one is required) nor "4NN/5NN text"; what names the kind of table.
 */
export function checkAction(
  action: string,
  verbs: readonly string[],
  what = 'action',
): string | null {
  const trimmed = action.trim();
  const word = trimmed.split(/\s+/)[0] ?? '';
  const rest = trimmed.slice(word.length).trim();
  if (/^[45]\d\d$/.test(word)) return null;
  if (/^\d+$/.test(word)) return `"${word}": a numeric action must be a 4NN or 5NN code`;
  const verb = word.toUpperCase();
  if (!verbs.includes(verb))
    return `unknown ${what} "${word}" (expected one of ${verbs.join(', ')}, or 4NN/5NN text)`;
  const arg = ARGUMENTS[verb as AccessActionName | CheckActionName];
  // $n substitutions are filled in at match time; only literal arguments are checked here.
  if (arg && !rest.includes('$') && !arg[0].test(rest)) return arg[1];
  return null;
}
