// MAIL FROM / RCPT TO command lines as Postfix's smtpd reads them: the address
// in <> (quoted local parts may hold spaces, @ and >) or bare after "FROM:" /
// "TO:" (with optional whitespace), then the ESMTP parameters. Pure functions.

export type EnvelopeSplit =
  | { ok: true; address: string; bracketed: boolean; params: string }
  | { ok: false; reason: 'verb' | 'syntax' };

const VERB: Record<'MAIL' | 'RCPT', RegExp> = {
  MAIL: /^MAIL\s+FROM:/i,
  RCPT: /^RCPT\s+TO:/i,
};

/** Split "MAIL FROM:<addr> PARAMS" into its address (without <>) and parameters. */
export function splitEnvelopeCommand(kind: 'MAIL' | 'RCPT', line: string): EnvelopeSplit {
  const verb = VERB[kind].exec(line);
  if (!verb) return { ok: false, reason: 'verb' };
  const rest = line.slice(verb[0].length).trimStart();
  if (rest === '') return { ok: false, reason: 'verb' }; // "MAIL FROM:": Postfix's Syntax reply
  const bracketed = rest.startsWith('<');
  let inQuote = false;
  let i = bracketed ? 1 : 0;
  for (; i < rest.length; i++) {
    const c = rest[i] as string;
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (bracketed && c === '>') break;
    else if (c === '<' || (!bracketed && c === '>')) return { ok: false, reason: 'syntax' };
    else if (!bracketed && /\s/.test(c)) break;
  }
  if (inQuote || (bracketed && i >= rest.length)) return { ok: false, reason: 'syntax' };
  const address = bracketed ? rest.slice(1, i) : rest.slice(0, i);
  const after = bracketed ? rest.slice(i + 1) : rest.slice(i);
  if (after !== '' && !/^\s/.test(after)) return { ok: false, reason: 'syntax' };
  return { ok: true, address, bracketed, params: after.trim() };
}

const DOT_ATOM =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+)*$/;

/** A source route (RFC 5321 appendix C: "@hop1,@hop2:"), accepted and ignored. */
const SOURCE_ROUTE = /^@[^\s,:@]+(?:,@[^\s,:@]+)*:/;

export interface LocalForm {
  /** The address to use: unquoted when that is unambiguous ("bob"@d is bob@d), else as given. */
  address: string;
  /** The quoted local part that had to stay quoted ("john doe"), or null. */
  quoted: string | null;
}

/**
 * Postfix's internal form of an address whose whole local part is a quoted
 * string: the quotes go when the content is a plain dot-atom; otherwise the
 * quoted form stays, so "a@b"@dom still shows its routing trick to the rules.
 */
export function localForm(address: string): LocalForm {
  const bare = address.replace(SOURCE_ROUTE, '');
  if (!bare.startsWith('"')) return { address, quoted: null };
  let end = 1;
  let content = '';
  for (; end < bare.length; end++) {
    const c = bare[end] as string;
    if (c === '\\') content += bare[++end] ?? '';
    else if (c === '"') break;
    else content += c;
  }
  if (end >= bare.length || bare[end + 1] !== '@') return { address, quoted: null };
  const domainPart = bare.slice(end + 1);
  if (DOT_ATOM.test(content)) return { address: content + domainPart, quoted: null };
  return { address: bare, quoted: bare.slice(0, end + 1) };
}
