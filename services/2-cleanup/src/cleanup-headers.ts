// Message header handling of cleanup: header_checks / mime_header_checks on a
// header block, canonical rewriting of address headers, the Received: line, and
// the Message-ID / Date / From that a message is missing. All of it is linear in
// the size of the header (no backtracking regexps on header text).
import { globalSetting } from '@postfleet/config';
import type { CleanupRequest } from '@postfleet/queue-record';
import type { HeaderLine } from 'mailsplit';
import { applyHit, type CheckTable, type ContentEffects } from './cleanup-checks.ts';

export type HeaderRole = 'sender' | 'recipient';

/** Address headers and whose canonical maps apply to them (Postfix's header_opts). */
const ADDRESS_HEADERS: Record<string, HeaderRole> = {
  from: 'sender',
  sender: 'sender',
  'reply-to': 'sender',
  'resent-from': 'sender',
  'resent-sender': 'sender',
  'resent-reply-to': 'sender',
  'errors-to': 'sender',
  'return-receipt-to': 'sender',
  to: 'recipient',
  cc: 'recipient',
  bcc: 'recipient',
  'resent-to': 'recipient',
  'resent-cc': 'recipient',
  'resent-bcc': 'recipient',
  'apparently-to': 'recipient',
};

export function isMimeHeader(key: string): boolean {
  return key.startsWith('content-') || key === 'mime-version';
}

/** Header text is kept as a binary (latin1) string so bytes round-trip; rules see UTF-8. */
export function toText(binary: string): string {
  return /[\u0080-\u00ff]/.test(binary) ? Buffer.from(binary, 'binary').toString('utf8') : binary;
}
export function toBinary(text: string): string {
  return Buffer.from(text, 'utf8').toString('binary');
}

export function headerLine(binary: string): HeaderLine {
  const colon = binary.indexOf(':');
  return { key: (colon < 0 ? binary : binary.slice(0, colon)).trim().toLowerCase(), line: binary };
}

/**
 * Run the checks over one header block: each (folded) header is matched as one logical line;
 * MIME headers go to mimeChecks, the others to checks; after a PASS, nothing is matched.
 */
export function checkHeaders(
  lines: HeaderLine[],
  checks: CheckTable,
  mimeChecks: CheckTable,
  where: string,
  effects: ContentEffects,
): HeaderLine[] {
  if ((checks.empty && mimeChecks.empty) || effects.passed) return lines;
  const out: HeaderLine[] = [];
  for (const h of lines) {
    // PASS: no more inspection for the rest of this message
    if (effects.passed) {
      out.push(h);
      continue;
    }
    const table = isMimeHeader(h.key) ? mimeChecks : checks;
    const text = toText(h.line).replace(/\r\n/g, '\n');
    const hit = table.match(text);
    if (!hit) {
      out.push(h);
      continue;
    }
    for (const replaced of applyHit(hit, text, where, effects)) {
      out.push(replaced === text ? h : headerLine(toBinary(replaced)));
    }
  }
  return out;
}

/** Rewrite the addresses of From/To/Cc/Reply-To/... with rewrite(); other headers untouched. */
export function rewriteAddressHeaders(
  lines: HeaderLine[],
  rewrite: (address: string, role: HeaderRole) => string,
): HeaderLine[] {
  return lines.map((h) => {
    const role = ADDRESS_HEADERS[h.key];
    if (!role) return h;
    const text = toText(h.line);
    const colon = text.indexOf(':');
    const value = text.slice(colon + 1);
    const rewritten = rewriteAddressList(value, (a) => rewrite(a, role));
    return rewritten === value
      ? h
      : { key: h.key, line: toBinary(text.slice(0, colon + 1) + rewritten) };
  });
}

/**
 * Rewrite each address of an RFC 5322 address list in place: "<addr>" forms and bare
 * addr-specs; display names, comments, groups and whitespace are kept as they are.
 */
export function rewriteAddressList(value: string, rewrite: (address: string) => string): string {
  let out = '';
  for (const element of splitTopLevel(value)) {
    const angle = /<([^<>]*)>/.exec(element);
    if (angle) {
      const inner = angle[1] ?? '';
      const spec = inner.replace(/^@[^:]*:/, ''); // obsolete source route
      const next = spec.includes('@') ? rewrite(spec) : spec;
      out += next === spec ? element : element.replace(`<${inner}>`, `<${next}>`);
      continue;
    }
    const bare = bareAddress(element);
    if (bare) {
      const spec = element.slice(bare.start, bare.end);
      const next = rewrite(spec);
      out +=
        next === spec ? element : element.slice(0, bare.start) + next + element.slice(bare.end);
      continue;
    }
    out += element;
  }
  return out;
}

const ATOM_STOP = new Set([...'()<>",;:']);
const LINE_BREAK = /[\n\r\u2028\u2029]/;

/**
 * Where the addr-spec of "  local@domain  (comment)" is: leading space, a run of non-special
 * characters with an @ inside, then only space and at most one single-line comment. A scan,
 * not a regexp: a header value of spaces must not cost quadratic backtracking.
 */
function bareAddress(element: string): { start: number; end: number } | null {
  const isSpace = (c: string): boolean => /\s/.test(c);
  let start = 0;
  while (start < element.length && isSpace(element[start] as string)) start++;
  let end = start;
  while (end < element.length) {
    const c = element[end] as string;
    if (isSpace(c) || ATOM_STOP.has(c)) break;
    end++;
  }
  const at = element.indexOf('@', start + 1);
  if (at < 0 || at >= end - 1) return null;
  const rest = element.slice(end).trim();
  if (rest === '') return { start, end };
  if (rest.startsWith('(') && rest.endsWith(')') && !LINE_BREAK.test(rest)) return { start, end };
  return null;
}

/** Split at commas outside quotes, comments and angle brackets; the commas stay with the preceding part. */
function splitTopLevel(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  let depth = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') i++;
    else if (quoted) quoted = c !== '"';
    else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0 && c === '<') angle = true;
    else if (depth === 0 && c === '>') angle = false;
    else if (depth === 0 && !angle && c === ',') {
      parts.push(value.slice(start, i));
      parts.push(',');
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date-time in UTC, as Postfix writes it: "Sat, 28 Nov 2026 22:38:33 +0000 (UTC)". */
export function formatDate(d: Date): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000 (UTC)`
  );
}

/**
 * The Received: header (RFC 5321 §4.4), folded as Postfix folds it:
 *   Received: from helo (hostname [ip])
 *           (using TLSv1.3 with cipher ...)
 *           by myhostname (mail_name) with ESMTPS id QID
 *           for <rcpt>; date
 * "for" only when the message has exactly one recipient (else the date gets its own line);
 * pickup mail has no "from" part.
 */
export function receivedHeader(
  req: CleanupRequest,
  myhostname: string,
  now: Date,
  mailName: string = globalSetting(undefined, 'mail_name'),
): string {
  const c = req.client;
  const parts: string[] = [];
  if (c.listener === 'pickup' || c.listener === 'bounce') {
    parts.push(`Received: by ${myhostname} (${mailName})`, `id ${req.queueId}`);
  } else {
    const ip = c.address.includes(':') ? `IPv6:${c.address}` : c.address;
    parts.push(`Received: from ${c.helo || c.hostname} (${c.hostname} [${ip}])`);
    if (c.tls) parts.push(`(using ${c.tls.protocol} with cipher ${c.tls.cipher})`);
    parts.push(`by ${myhostname} (${mailName}) with ${c.protocol} id ${req.queueId}`);
  }
  const only = req.recipients.length === 1 ? req.recipients[0] : undefined;
  if (only) {
    parts.push(`for <${only.address}>; ${formatDate(now)}`);
  } else {
    parts[parts.length - 1] += ';';
    parts.push(formatDate(now));
  }
  return parts.join('\r\n\t');
}

export interface MissingHeaderContext {
  queueId: string;
  myhostname: string;
  now: Date;
  /** From: to add when absent, or undefined to add none (mail from remote SMTP clients). */
  from?: string;
}

/** Message-ID, Date and From: that the block lacks, in Postfix's order, to append after the last header. */
export function missingHeaders(lines: HeaderLine[], ctx: MissingHeaderContext): HeaderLine[] {
  const has = (key: string): boolean => lines.some((h) => h.key === key);
  const add: string[] = [];
  if (!has('message-id')) add.push(`Message-ID: <${ctx.queueId}@${ctx.myhostname}>`);
  if (!has('date')) add.push(`Date: ${formatDate(ctx.now)}`);
  if (ctx.from !== undefined && !has('from')) add.push(`From: ${ctx.from || 'MAILER-DAEMON'}`);
  return add.map((l) => headerLine(toBinary(l)));
}
