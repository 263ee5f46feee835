// smtpd_forbidden_commands: the unknown command words that end the session with
// Postfix's "221 2.7.0 Error: I can break rules, too. Goodbye." — the listed words
// (case-insensitive), inline regexp tables ("regexp:{{/^[^A-Z]/ Bogus}}") and,
// always, a first word in the "Label:" form of a message header.
import { parseRegexpPattern, type RegexpPattern } from '@postfleet/maps';

export interface ForbiddenCommands {
  /** True when this first word of an unknown command is forbidden. */
  matches(word: string): boolean;
}

/** A message header label (RFC 5322 field name, printable and not ':') followed by ':'. */
const HEADER_LABEL = /^[\x21-\x39\x3b-\x7e]+:/;

/** Split the setting into words and inline tables ("regexp:{{ … }}" may hold spaces). */
function tokens(value: string): string[] {
  const out: string[] = [];
  const re = /(?:regexp|pcre):\{\{(.*?)\}\}|[^\s,]+/g;
  for (let m = re.exec(value); m; m = re.exec(value)) out.push(m[0]);
  return out;
}

/** One inline table rule "/re/flags result" → its pattern (the result is only logged by Postfix). */
function inlinePatterns(token: string): RegexpPattern[] {
  const body = /^(regexp|pcre):\{\{(.*)\}\}$/.exec(token);
  if (!body) return [];
  const dialect = body[1] === 'pcre' ? 'pcre' : 'regexp';
  const out: RegexpPattern[] = [];
  for (const rule of (body[2] ?? '').split(/\}\s*\{/)) {
    const text = rule.replace(/^\s*\{?\s*|\s*\}?\s*$/g, '');
    const delim = text[0];
    if (!delim) continue;
    const end = text.indexOf(delim, 1);
    if (end < 0) continue;
    const flagsEnd = text.slice(end + 1).search(/\s|$/);
    try {
      out.push(parseRegexpPattern(text.slice(0, end + 1 + flagsEnd), dialect));
    } catch {
      // a pattern the linear-time engine refuses matches nothing (the words still apply)
    }
  }
  return out;
}

export function parseForbiddenCommands(value: string): ForbiddenCommands {
  const words = new Set<string>();
  const patterns: RegexpPattern[] = [];
  for (const token of tokens(value)) {
    if (/^(?:regexp|pcre):\{\{/.test(token)) patterns.push(...inlinePatterns(token));
    else words.add(token.toUpperCase());
  }
  return {
    matches(word) {
      if (HEADER_LABEL.test(word)) return true;
      if (words.has(word.toUpperCase())) return true;
      return patterns.some((p) => p.test(word) !== null);
    },
  };
}

const cache = new Map<string, ForbiddenCommands>();

/** The parsed setting, parsed once per distinct value. */
export function forbiddenCommands(value: string): ForbiddenCommands {
  let parsed = cache.get(value);
  if (!parsed) {
    parsed = parseForbiddenCommands(value);
    if (cache.size > 16) cache.clear();
    cache.set(value, parsed);
  }
  return parsed;
}
