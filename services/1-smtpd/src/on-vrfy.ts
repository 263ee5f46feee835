// VRFY with Postfix's semantics: 502 when disable_vrfy_command is set, else the
// address (in <> or bare) goes through the recipient checks of the restriction
// engine — with smtpd_delay_reject also the client and HELO lists — and an
// accepted one is answered 252 (RFC 5321 §3.5.3: not confirmed, will be tried).
import { globalSetting } from '@postfleet/config';
import { parseEnvelope } from './envelope-command.ts';
import type { VerbHandler } from './smtp-session.ts';
import { checkRecipient } from './recipient-checks.ts';
import type { VerbDeps } from './verb-deps.ts';

export function createOnVrfy(deps: VerbDeps): VerbHandler {
  return async (s, args) => {
    const ctx = s.ctx;
    if (globalSetting(ctx.config.settings, 'disable_vrfy_command')) {
      s.reply(502, '5.5.1 VRFY command is disabled');
      return;
    }
    const arg = args.trim().split(/\s+/).filter(Boolean).join(' ');
    if (!arg) {
      s.reply(501, '5.5.4 Syntax: VRFY address');
      return;
    }
    const parse = parseEnvelope('RCPT', `RCPT TO:${arg}`, false);
    if (!parse.ok || parse.parsed.address === '') {
      s.reply(501, '5.1.3 Bad recipient address syntax');
      return;
    }
    const recipient = parse.parsed.address;
    // bare <postmaster> is always fine (smtpd_check_rcpt), no restriction runs
    if (!(await checkRecipient(s, deps, 'VRFY', recipient))) return;
    s.reply(252, `2.0.0 ${arg}`);
  };
}
