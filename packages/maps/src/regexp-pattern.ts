// regexp_table(5)/pcre_table(5) patterns: "/re/flags" or "!/re/" → a matcher,
// plus $1..$9 substitution of lookup results. One implementation: the tables here
// and cleanup match with it; the config compiler validates patterns with it.
//
// Matching is linear in the input, whatever the input: attacker text can never make
// a rule backtrack. The language is RE2's (backreferences and lookaround, which no
// linear-time engine can run, are refused here, so the compiler reports them), and
// every pattern is compiled by re2js. Which engine runs a match:
//  - V8's RegExp (about 20x faster per line) only for a pattern that linearRegExp()
//    proves cannot backtrack: quantifiers on single characters only, and at most one
//    of variable length, which must sit where a failure cannot come back to it (after
//    "^", at the very end, or after a fixed prefix ending in a character it cannot
//    match), few alternatives, and syntax that means the same in both engines;
//  - re2js (RE2's DFA/NFA) for every other pattern; a list's re2js rules are matched
//    in one pass with an RE2Set, then the one winning rule is run again for its groups.
import { RE2JS, RE2Set } from 're2js';

export interface RegexpPattern {
  /** Match result; for a negated pattern a match (with no groups) when the expression does NOT match. */
  test(s: string): RegExpExecArray | null;
  negated: boolean;
  /** Which engine matches: V8's RegExp (proven linear for this pattern) or re2js. */
  engine: 'v8' | 're2';
}

/** The first rule of a list that matches a string, and its groups. */
export interface RegexpListMatch {
  index: number;
  match: RegExpExecArray;
}

export interface RegexpList {
  readonly size: number;
  /** The first pattern, in list order, that matches s (negated patterns: that does not match), or null. */
  first(s: string): RegexpListMatch | null;
}

interface Compiled {
  re: RE2JS;
  /** The same expression on V8, when linearRegExp() proves that safe. */
  js: RegExp | null;
  negated: boolean;
  /** The expression with its flags inline, for an RE2Set. */
  inline: string;
}

/**
 * Parse "/re/flags" (any non-alphanumeric delimiter, as Postfix allows). Flags: i toggles
 * case-insensitivity (on by default), m multi-line, s dotall, x extended (whitespace and
 * comments ignored, pcre only). The expression is RE2 syntax (POSIX classes such as
 * [[:digit:]] included). Throws an Error naming the pattern when it is invalid or uses
 * what a linear-time engine cannot do (backreferences, lookahead, lookbehind).
 */
export function parseRegexpPattern(
  pattern: string,
  dialect: 'regexp' | 'pcre' = 'regexp',
): RegexpPattern {
  const c = compilePattern(pattern, dialect);
  return { negated: c.negated, engine: c.js ? 'v8' : 're2', test: (s) => matchOne(c, s) };
}

/** A first-match table of patterns (header_checks, regexp access and address maps), matched in one pass. */
export function compileRegexpList(
  patterns: readonly string[],
  dialect: 'regexp' | 'pcre' = 'regexp',
): RegexpList {
  const rules = patterns.map((p) => compilePattern(p, dialect));
  const slow = rules.flatMap((r, i) => (r.js ? [] : [i]));
  const set = slow.length > 1 ? compileSet(slow.map((i) => rules[i] as Compiled)) : null;
  return {
    size: rules.length,
    first(s) {
      let hits: Set<number> | null = null;
      for (let i = 0; i < rules.length; i++) {
        const r = rules[i] as Compiled;
        if (r.js || !set) {
          const m = matchOne(r, s);
          if (m) return { index: i, match: m };
          continue;
        }
        // The set's ids are positions in slow; map them back to rule indexes once.
        hits ??= new Set(set.match(s).map((id) => slow[id] as number));
        if (hits.has(i) === r.negated) continue;
        const m = r.negated ? wholeMatch(s) : r.re.exec(s);
        // The set and the single expression agree; exec only fails if they did not.
        if (m) return { index: i, match: m as RegExpExecArray };
      }
      return null;
    },
  };
}

function compileSet(rules: Compiled[]): RE2Set | null {
  try {
    const set = new RE2Set(RE2Set.UNANCHORED, 0);
    for (const r of rules) set.add(r.inline);
    set.compile();
    return set;
  } catch {
    return null; // each rule on its own is still linear
  }
}

function matchOne(c: Compiled, s: string): RegExpExecArray | null {
  if (c.js) {
    if (c.negated) return c.js.test(s) ? null : wholeMatch(s);
    return c.js.exec(s);
  }
  // test() runs on RE2's DFA without groups; exec() only for a line that matches.
  const hit = c.re.test(s);
  if (c.negated) return hit ? null : wholeMatch(s);
  return hit ? (c.re.exec(s) as RegExpExecArray | null) : null;
}

function wholeMatch(s: string): RegExpExecArray {
  const m = [s] as unknown as RegExpExecArray;
  m.index = 0;
  m.input = s;
  return m;
}

function compilePattern(pattern: string, dialect: 'regexp' | 'pcre'): Compiled {
  const invalid = (why: string, cause?: unknown): Error =>
    new Error(`invalid regexp pattern ${JSON.stringify(pattern)}: ${why}`, { cause });
  let text = pattern.trim();
  let negated = false;
  if (text.startsWith('!')) {
    negated = true;
    text = text.slice(1).trimStart();
  }
  const delim = text[0];
  if (delim === undefined || /[\w\s\\]/.test(delim)) throw invalid('expected /regexp/flags');
  let end = -1;
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === delim) {
      end = i;
      break;
    }
  }
  if (end < 0) throw invalid(`missing closing ${delim}`);
  let source = text.slice(1, end);
  const flagText = text.slice(end + 1);
  let insensitive = true;
  let multiline = false;
  let dotAll = false;
  // regexp_table: x toggles POSIX extended syntax (RE2 is always "extended"); pcre: x ignores whitespace.
  let extended = false;
  for (const f of flagText) {
    if (f === 'i') insensitive = !insensitive;
    else if (f === 'm') multiline = !multiline;
    else if (f === 's') dotAll = !dotAll;
    else if (f === 'x') extended = !extended;
    else if ('AEUX'.includes(f))
      continue; // PCRE-only flags with no effect worth modelling
    else throw invalid(`unknown flag "${f}"`);
  }
  if (extended && dialect === 'pcre') source = stripExtended(source);
  const unsupported = nonRegularConstruct(source);
  if (unsupported) {
    throw invalid(
      `${unsupported} is not supported: patterns run on a linear-time (RE2) engine, ` +
        'which has no backreferences or lookaround',
    );
  }
  const flags =
    (insensitive ? RE2JS.CASE_INSENSITIVE : 0) |
    (multiline ? RE2JS.MULTILINE : 0) |
    (dotAll ? RE2JS.DOTALL : 0);
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, flags);
  } catch (err) {
    // re2js quotes the expression with the flags it prepended: "(?i)a(b".
    const why = (err as Error).message.replace(/^error parsing regexp: /, '');
    throw invalid(why.replace(/`\(\?[ims]+\)/, '`'), err);
  }
  const inlineFlags = `${insensitive ? 'i' : ''}${multiline ? 'm' : ''}${dotAll ? 's' : ''}`;
  return {
    re,
    js: multiline ? null : linearRegExp(source, insensitive, dotAll),
    negated,
    inline: inlineFlags ? `(?${inlineFlags})(?:${source})` : source,
  };
}

/** Backreferences and lookaround, named for the error message; null when the expression has none. */
function nonRegularConstruct(source: string): string | null {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const n = source[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(n)) return `the backreference \\${n}`;
      if (!inClass && n === 'k' && source[i + 2] === '<') return 'the named backreference \\k<...>';
      if (n === 'Q') {
        const close = source.indexOf('\\E', i + 2); // \Q...\E is literal text
        i = close < 0 ? source.length : close + 1;
        continue;
      }
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (source[i + 1] === '^') i++;
      if (source[i + 1] === ']') i++; // "[]...]" and "[^]...]": the first ] is a member
    } else if (c === '(' && source[i + 1] === '?') {
      const look = /^\(\?(<?[=!])/.exec(source.slice(i, i + 4));
      if (look) {
        const kind = look[1] ?? '';
        const name = kind.startsWith('<') ? 'lookbehind' : 'lookahead';
        return `the ${name} (?${kind}...)`;
      }
    }
  }
  return null;
}

// ---- When V8 may run a pattern -------------------------------------------------

/** One element of a parsed expression: a single-character matcher, a group or an anchor. */
type Term =
  | { kind: 'char'; js: string; literal?: string }
  | { kind: 'group'; alternatives: Item[][]; capture: boolean }
  | { kind: 'anchor'; js: string };

interface Item {
  term: Term;
  min: number;
  max: number;
}

/** Most paths through alternatives a pattern may have on V8 (each is tried at each start). */
const MAX_PATHS = 64;
const SPACE_CLASS = '\\t\\n\\f\\r ';

/**
 * The expression as V8 RegExp (flag u: code points and Unicode case folding, as RE2),
 * or null: when its syntax is not in the subset known to mean the same in both engines,
 * or when a backtracking engine could take more than linear time on some input.
 */
function linearRegExp(source: string, insensitive: boolean, dotAll: boolean): RegExp | null {
  const parsed = parseSubset(source, dotAll);
  if (!parsed || !backtracksLinearly(parsed)) return null;
  try {
    return new RegExp(emit(parsed), `u${insensitive ? 'i' : ''}${dotAll ? 's' : ''}`);
  } catch {
    return null;
  }
}

/**
 * Backtracking stays linear (times a constant of the pattern) when every quantifier is on
 * a single character and at most one has a variable count, and that one either
 *  - follows a leading "^": there is one start, and each of its stops is tried once;
 *  - ends the pattern: once it has matched, the whole match has;
 *  - follows a fixed prefix at the top level whose last character it cannot match: its
 *    runs at different starts do not overlap.
 * Alternatives multiply the work by the number of paths, which is bounded too.
 */
function backtracksLinearly(top: Item[][]): boolean {
  const variable: { item: Item; path: Item[][] }[] = [];
  const paths = (alternatives: Item[][], path: Item[][]): number => {
    let sum = 0;
    for (const seq of alternatives) {
      let product = 1;
      for (const item of seq) {
        if (item.term.kind === 'group') {
          if (item.min !== 1 || item.max !== 1) return Infinity;
          product *= paths(item.term.alternatives, [...path, seq]);
        } else if (item.min !== item.max) variable.push({ item, path: [...path, seq] });
      }
      sum += product;
    }
    return sum;
  };
  if (paths(top, []) > MAX_PATHS) return false;
  if (variable.length === 0) return true;
  if (variable.length > 1) return false;
  const { item, path } = variable[0] as { item: Item; path: Item[][] };
  const seq = path[path.length - 1] as Item[];
  const first = top.length === 1 ? top[0]?.[0] : undefined;
  if (first?.term.kind === 'anchor' && first.term.js === '^') return true;
  // Last in its sequence, and every enclosing group last in its own.
  let last = seq[seq.length - 1] === item;
  for (let d = path.length - 2; last && d >= 0; d--) {
    const outer = path[d] as Item[];
    const group = outer[outer.length - 1]?.term;
    last = group?.kind === 'group' && group.alternatives.includes(path[d + 1] as Item[]);
  }
  if (last) return true;
  // At the top level after a fixed prefix whose last character is disjoint from it.
  if (path.length !== 1 || top.length !== 1) return false;
  const before = seq[seq.indexOf(item) - 1];
  if (!before || before.term.kind !== 'char' || before.min < 1) return false;
  const literal = before.term.literal;
  if (literal === undefined || item.term.kind !== 'char') return false;
  const member = new RegExp(`^${item.term.js}$`, 'iu');
  return foldings(literal).every((c) => !member.test(c));
}

/** A character and every character that case folding maps to it (ASCII input). */
function foldings(c: string): string[] {
  const out = new Set([c, c.toLowerCase(), c.toUpperCase()]);
  if (/k/i.test(c)) out.add('\u212a'); // KELVIN SIGN
  if (/s/i.test(c)) out.add('\u017f'); // LATIN SMALL LETTER LONG S
  return [...out];
}

function emit(alternatives: Item[][]): string {
  return alternatives
    .map((seq) =>
      seq
        .map((item) => {
          const t = item.term;
          const open = t.kind === 'group' && !t.capture ? '(?:' : '(';
          const atom = t.kind === 'group' ? `${open}${emit(t.alternatives)})` : t.js;
          if (item.min === 1 && item.max === 1) return atom;
          const max = item.max === Infinity ? '' : String(item.max);
          return item.min === item.max ? `${atom}{${item.min}}` : `${atom}{${item.min},${max}}`;
        })
        .join(''),
    )
    .join('|');
}

/**
 * The expression as terms, for the syntax whose meaning is the same in RE2 and in V8 with
 * the u flag (ASCII literals, escaped punctuation, \d \w \s and their negations, simple
 * classes, ".", "^" and "$" without m, capturing and (?:) groups, greedy quantifiers);
 * null for anything else (lazy quantifiers, \b, POSIX classes, flags groups, named
 * groups, \x, \p, \Q...). The source is already valid RE2.
 */
function parseSubset(source: string, dotAll: boolean): Item[][] | null {
  let i = 0;
  const hex = (c: string): string => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  const ascii = (c: string | undefined): c is string =>
    c !== undefined && c.charCodeAt(0) < 0x7f && c.length === 1;
  const escape = (inClass: boolean): { js: string; literal?: string } | null => {
    const c = source[i + 1];
    i += 2;
    if (c === undefined) return null;
    if ('dDwW'.includes(c)) return inClass && c !== 'd' && c !== 'w' ? null : { js: `\\${c}` };
    if (c === 's') return { js: inClass ? SPACE_CLASS : `[${SPACE_CLASS}]` };
    if (c === 'S') return inClass ? null : { js: `[^${SPACE_CLASS}]` };
    if (ascii(c) && /[^\w\s]/.test(c)) return { js: hex(c), literal: c };
    return null;
  };
  const charClass = (): string | null => {
    i++; // [
    let out = '[';
    if (source[i] === '^') {
      out += '^';
      i++;
    }
    if (source[i] === ']') return null;
    while (i < source.length && source[i] !== ']') {
      const c = source[i] as string;
      let member: string;
      let literal: string | undefined;
      if (c === '\\') {
        const e = escape(true);
        if (!e) return null;
        member = e.js;
        literal = e.literal;
      } else if (c === '[' || !ascii(c) || c.charCodeAt(0) < 0x20) {
        return null;
      } else {
        member = /\w/.test(c) ? c : hex(c);
        literal = c;
        i++;
      }
      if (source[i] === '-' && source[i + 1] !== ']' && source[i + 1] !== undefined) {
        i++;
        const to = source[i] as string;
        if (literal === undefined || to === '\\' || to === '[' || !ascii(to)) return null;
        member += `-${/\w/.test(to) ? to : hex(to)}`;
        i++;
      }
      out += member;
    }
    if (source[i] !== ']') return null;
    i++;
    return `${out}]`;
  };
  const quantifier = (): { min: number; max: number } | null | undefined => {
    const c = source[i];
    let q: { min: number; max: number } | undefined;
    if (c === '*') q = { min: 0, max: Infinity };
    else if (c === '+') q = { min: 1, max: Infinity };
    else if (c === '?') q = { min: 0, max: 1 };
    if (q) i++;
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 12));
      if (!m) return null; // a literal "{" in RE2: not in the subset
      const min = Number(m[1]);
      q = { min, max: m[2] === undefined ? min : m[3] ? Number(m[3]) : Infinity };
      i += m[0].length;
    } else return undefined;
    if (source[i] === '?' || source[i] === '+') return null; // lazy (or invalid)
    return q;
  };
  const alternatives = (): Item[][] | null => {
    const out: Item[][] = [[]];
    while (i < source.length && source[i] !== ')') {
      const c = source[i] as string;
      let term: Term;
      if (c === '|') {
        out.push([]);
        i++;
        continue;
      } else if (c === '(') {
        i++;
        const capture = source[i] !== '?';
        if (!capture) {
          if (source[i + 1] !== ':') return null;
          i += 2;
        }
        const inner = alternatives();
        if (!inner || source[i] !== ')') return null;
        i++;
        term = { kind: 'group', alternatives: inner, capture };
      } else if (c === '[') {
        const js = charClass();
        if (!js) return null;
        term = { kind: 'char', js };
      } else if (c === '\\') {
        const e = escape(false);
        if (!e) return null;
        term = e.literal === undefined ? { kind: 'char', js: e.js } : { kind: 'char', ...e };
      } else if (c === '.') {
        i++;
        term = { kind: 'char', js: dotAll ? '.' : '[^\\n]' };
      } else if (c === '^' || c === '$') {
        i++;
        term = { kind: 'anchor', js: c };
      } else if (ascii(c) && !'*+?{}]'.includes(c)) {
        i++;
        term = { kind: 'char', js: /[\w ]/.test(c) ? c : hex(c), literal: c };
      } else return null;
      const q = quantifier();
      if (q === null) return null;
      if (q && term.kind === 'anchor') return null;
      (out[out.length - 1] as Item[]).push({ term, min: q?.min ?? 1, max: q?.max ?? 1 });
    }
    return out;
  };
  const top = alternatives();
  return top && i === source.length ? top : null;
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
