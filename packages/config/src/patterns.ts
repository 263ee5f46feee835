// regexp_table(5)/pcre_table(5) patterns "/regexp/flags" (optionally "!/regexp/")
// as JavaScript RegExps, and the actions header/body checks accept. Used by the
// compiler to validate and by cleanup and the maps package to match.

export interface ParsedPattern {
  regexp: RegExp;
  /** "!/re/": the entry matches when the regexp does not. */
  negate: boolean;
}

/**
 * Parses "/re/flags". As in Postfix, matching is case-insensitive unless the i flag
 * is given (i toggles); m = multi-line, s = dot matches newline. Throws an Error
 * with the reason when the pattern is not valid.
 */
export function parseRegexpPattern(pattern: string): ParsedPattern {
  let text = pattern.trim();
  const negate = text.startsWith('!');
  if (negate) text = text.slice(1);
  const m = /^\/((?:\\.|[^\\/])*)\/([A-Za-z]*)$/.exec(text);
  if (!m) throw new Error(`"${pattern}" is not of the form /regexp/flags`);
  const [, source = '', flags = ''] = m;
  if (!source) throw new Error(`"${pattern}": empty regexp`);
  let caseInsensitive = true;
  let js = '';
  for (const f of flags) {
    if (f === 'i') caseInsensitive = !caseInsensitive;
    else if (f === 'm' || f === 's') js += f;
    else throw new Error(`"${pattern}": unsupported flag "${f}" (use i, m or s)`);
  }
  if (caseInsensitive) js += 'i';
  try {
    return { regexp: new RegExp(source, js), negate };
  } catch (err) {
    throw new Error(`"${pattern}": ${(err as Error).message}`, { cause: err });
  }
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
