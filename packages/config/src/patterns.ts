// Validation of regexp_table(5)/pcre_table(5) patterns "/regexp/flags" and of the
// actions that header/body checks and access(5) tables accept. The compiler uses
// it; the matcher itself is regexp-pattern.ts.
import { parseRegexpPattern } from './regexp-pattern.ts';

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

/** Actions of header_checks(5)/body_checks; the first word of an action must be one of them. */
export const CHECK_ACTIONS = [
  'BCC',
  'DISCARD',
  'DUNNO',
  'FILTER',
  'HOLD',
  'IGNORE',
  'INFO',
  'OK',
  'PREPEND',
  'REDIRECT',
  'REJECT',
  'DEFER',
  'REPLACE',
  'WARN',
] as const;

/** Actions of access(5) tables (besides restriction names, which are checked separately). */
export const ACCESS_ACTIONS = [
  'OK',
  'REJECT',
  'DEFER',
  'DEFER_IF_REJECT',
  'DEFER_IF_PERMIT',
  'DISCARD',
  'HOLD',
  'DUNNO',
  'RELAY',
  'PREPEND',
  'REDIRECT',
  'WARN',
  'INFO',
  'FILTER',
  'BCC',
] as const;

/** Returns an error message when the action is neither a listed verb nor "4NN/5NN text". */
export function checkAction(action: string, verbs: readonly string[]): string | null {
  const word = action.trim().split(/\s+/)[0] ?? '';
  if (/^[45]\d\d$/.test(word)) return null;
  if (/^\d+$/.test(word)) return `"${word}": a numeric action must be a 4NN or 5NN code`;
  if (verbs.includes(word.toUpperCase())) return null;
  return `unknown action "${word}" (expected one of ${verbs.join(', ')}, or 4NN/5NN text)`;
}
