// MAIL FROM / RCPT TO lines to an address and its ESMTP parameters, as Postfix
// reads them (envelope-parse.ts), then the checks every address gets: no control
// characters, a well-formed domain or address literal, at most 253 octets. A
// domainless address is taken as Postfix takes it; a trailing dot is stripped.
import { isIPv4, isIPv6 } from 'node:net';
import { localForm, splitEnvelopeCommand } from './envelope-parse.ts';
import { parseEsmtpParams, type EsmtpParams } from './esmtp-params.ts';

export type EnvelopeKind = 'MAIL' | 'RCPT';

export interface ParsedEnvelope extends EsmtpParams {
  /** The address without <> in Postfix's internal form ('' for the null sender). */
  address: string;
}

export type EnvelopeParse =
  { ok: true; parsed: ParsedEnvelope } | { ok: false; reason: 'verb' | 'syntax' };

// eslint-disable-next-line no-control-regex -- control characters are what it finds
const UNSAFE = /[\x00-\x1F\x7F-\x9F\u200B\u2060\uFEFF]/;
const LABEL = /^[A-Za-z0-9\u0080-\uFFFF](?:[A-Za-z0-9\u0080-\uFFFF-]*[A-Za-z0-9\u0080-\uFFFF])?$/;
/** A source route (RFC 5321 appendix C: "@hop1,@hop2:"), accepted and ignored. */
const SOURCE_ROUTE = /^@[^\s,:@]+(?:,@[^\s,:@]+)*:/;

function validDomain(domain: string): boolean {
  if (domain.startsWith('[') && domain.endsWith(']')) {
    const lit = domain.slice(1, -1);
    if (/^IPv6:/i.test(lit)) return isIPv6(lit.slice(5));
    return isIPv4(lit);
  }
  const labels = domain.replace(/\.$/, '').split('.');
  return labels.length > 0 && labels.every((l) => l.length <= 63 && LABEL.test(l));
}

/** A local part that is not quoted: no dot at either end, no two dots in a row, no specials. */
function validLocal(local: string): boolean {
  if (!local || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  return !/[\s<>]/.test(local);
}

export function parseEnvelope(kind: EnvelopeKind, line: string, strict: boolean): EnvelopeParse {
  const split = splitEnvelopeCommand(kind, line);
  if (!split.ok) return split;
  if (strict && !split.bracketed) return { ok: false, reason: 'syntax' };
  const params = parseEsmtpParams(split.params);
  if (params.invalid) return { ok: false, reason: 'syntax' };
  const bad = { ok: false, reason: 'syntax' } as const;
  const form = localForm(split.address.replace(SOURCE_ROUTE, ''));
  const address = form.address;
  if (address === '') return kind === 'MAIL' ? { ok: true, parsed: { ...params, address } } : bad;
  if (UNSAFE.test(address) || address.length > 253) return bad;
  if (kind === 'RCPT' && address.toLowerCase() === 'postmaster') {
    return { ok: true, parsed: { ...params, address } };
  }
  const at = address.lastIndexOf('@');
  if (at === 0) return bad;
  if (at < 0) {
    // domainless (<tom>): Postfix takes it; reject_non_fqdn_* decide, cleanup qualifies it
    if (form.quoted === null && !validLocal(address)) return bad;
    return { ok: true, parsed: { ...params, address } };
  }
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!validDomain(domain)) return bad;
  if (form.quoted === null && !validLocal(local)) return bad;
  // one trailing dot ends a domain name in the DNS sense: Postfix strips it
  const stripped = domain.endsWith('.') ? `${local}@${domain.slice(0, -1)}` : address;
  return { ok: true, parsed: { ...params, address: stripped } };
}
