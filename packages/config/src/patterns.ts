// Validation of regexp_table(5)/pcre_table(5) patterns "/regexp/flags" and of the
// actions that header/body checks and access(5) tables accept. The compiler uses
// it; matching itself lives in @postfleet/maps.

/**
 * Validates "/re/flags" or "!/re/" as regexp_table(5)/pcre_table(5) read it: any
 * non-alphanumeric delimiter; flags i (toggles case-insensitivity, on by default),
 * m, s, x, and PCRE's A E U X. Returns the reason it is invalid, or null.
 * The same rules as @postfleet/maps' matcher, which depends on this package.
 */
export function checkRegexpPattern(pattern: string): string | null {
  let text = pattern.trim();
  if (text.startsWith('!')) text = text.slice(1).trimStart();
  const delim = text[0];
  if (delim === undefined || /[\w\s\\]/.test(delim))
    return `"${pattern}" is not of the form /regexp/flags`;
  let end = -1;
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === delim) {
      end = i;
      break;
    }
  }
  if (end < 0) return `"${pattern}": missing closing ${delim}`;
  const source = text.slice(1, end);
  if (!source) return `"${pattern}": empty regexp`;
  let extended = false;
  for (const f of text.slice(end + 1)) {
    if (f === 'x') extended = true;
    else if (!'imsAEUX'.includes(f)) return `"${pattern}": unknown flag "${f}"`;
  }
  try {
    new RegExp(
      extended ? source.replace(/\\.|\s+|#[^\n]*/g, (m) => (m.startsWith('\\') ? m : '')) : source,
    );
    return null;
  } catch (err) {
    return `"${pattern}": ${(err as Error).message}`;
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
