// regexp_table(5)/pcre_table(5) patterns: "/re/flags" or "!/re/" → a matcher,
// plus $1..$9 substitution of lookup results. One implementation: the config
// compiler validates with it; @postfleet/maps and cleanup match with it.

export interface RegexpPattern {
  /** Match result; for a negated pattern a match (with no groups) when the expression does NOT match. */
  test(s: string): RegExpExecArray | null;
  negated: boolean;
}

/**
 * Parse "/re/flags" (any non-alphanumeric delimiter, as Postfix allows). Flags: i toggles
 * case-insensitivity (on by default), m multi-line, s dotall, x extended (whitespace and
 * comments ignored, pcre only). Throws an Error naming the pattern when it is invalid.
 */
export function parseRegexpPattern(
  pattern: string,
  dialect: 'regexp' | 'pcre' = 'regexp',
): RegexpPattern {
  let text = pattern.trim();
  let negated = false;
  if (text.startsWith('!')) {
    negated = true;
    text = text.slice(1).trimStart();
  }
  const delim = text[0];
  if (delim === undefined || /[\w\s\\]/.test(delim)) {
    throw new Error(`invalid regexp pattern ${JSON.stringify(pattern)}: expected /regexp/flags`);
  }
  let end = -1;
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === delim) {
      end = i;
      break;
    }
  }
  if (end < 0)
    throw new Error(`invalid regexp pattern ${JSON.stringify(pattern)}: missing closing ${delim}`);
  let source = text.slice(1, end);
  const flagText = text.slice(end + 1);
  let insensitive = true;
  let multiline = false;
  let dotAll = false;
  // regexp_table: x toggles POSIX extended syntax (JavaScript is always "extended"); pcre: x ignores whitespace.
  let extended = false;
  for (const f of flagText) {
    if (f === 'i') insensitive = !insensitive;
    else if (f === 'm') multiline = !multiline;
    else if (f === 's') dotAll = !dotAll;
    else if (f === 'x') extended = !extended;
    else if ('AEUX'.includes(f))
      continue; // PCRE-only flags with no JavaScript effect worth modelling
    else throw new Error(`invalid regexp pattern ${JSON.stringify(pattern)}: unknown flag "${f}"`);
  }
  if (extended && dialect === 'pcre') source = stripExtended(source);
  let re: RegExp;
  try {
    re = new RegExp(source, `${insensitive ? 'i' : ''}${multiline ? 'm' : ''}${dotAll ? 's' : ''}`);
  } catch (err) {
    throw new Error(
      `invalid regexp pattern ${JSON.stringify(pattern)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (!negated) return { negated, test: (s) => re.exec(s) };
  return {
    negated,
    test: (s) => {
      if (re.test(s)) return null;
      const m = [s] as unknown as RegExpExecArray;
      m.index = 0;
      m.input = s;
      return m;
    },
  };
}

/** Replace $1..$9 / ${1}..${9} with match groups (missing groups → ""), $$ with "$". */
export function substituteGroups(template: string, match: RegExpExecArray): string {
  return template.replace(
    /\$(?:\$|(\d)|\{(\d+)\})/g,
    (all, d1: string | undefined, d2: string | undefined) => {
      const n = d1 ?? d2;
      if (n === undefined) return '$';
      return match[Number(n)] ?? '';
    },
  );
}

/** PCRE_EXTENDED: drop unescaped whitespace and #-comments outside character classes. */
function stripExtended(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      out += source.slice(i, i + 2);
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}
