// Envelope syntax checks after parsing: strict_rfc821_envelopes (no RFC 822
// comments or whitespace outside quoted strings, no stray words after the
// address) and unknown MAIL/RCPT parameters, comments included (555 5.5.4 as Postfix).
import type { ParsedEnvelope } from './envelope-command.ts';
import { reply, type SmtpReplyError } from './smtp-reply.ts';

const MAIL_PARAMS = new Set(['SIZE', 'BODY', 'SMTPUTF8', 'RET', 'ENVID', 'AUTH']);
const RCPT_PARAMS = new Set(['NOTIFY', 'ORCPT']);
const PARAM_NAME = /^[A-Z0-9][A-Z0-9-]*$/;

/** Why this MAIL FROM / RCPT TO must be refused, or null. */
export function envelopeSyntaxError(
  kind: 'MAIL' | 'RCPT',
  parsed: ParsedEnvelope,
  strict: boolean,
): SmtpReplyError | null {
  // Built only when needed: an error object (and its stack) per command is not free.
  const bad = (): SmtpReplyError =>
    kind === 'MAIL'
      ? reply(501, '5.1.7', 'Bad sender address syntax')
      : reply(501, '5.1.3', 'Bad recipient address syntax');
  const args = parsed.args;
  if (strict) {
    const unquoted = parsed.address.replace(/"(?:[^"\\]|\\.)*"/g, '');
    if (/[()\s"\\]/.test(unquoted)) return bad();
    for (const key of Object.keys(args)) if (!PARAM_NAME.test(key)) return bad();
  }
  const known = kind === 'MAIL' ? MAIL_PARAMS : RCPT_PARAMS;
  for (const key of Object.keys(args)) {
    // an RFC 822 comment after the address is an unknown option too, as in Postfix
    if (!known.has(key)) {
      return reply(555, '5.5.4', `Unsupported option: ${parsed.given[key] ?? key}`);
    }
  }
  return null;
}
