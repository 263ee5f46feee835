// EHLO and HELO: smtpd_helo_restrictions first (a reject answers instead of 250),
// then the reply; EHLO lists what this session offers now (SIZE, bare when
// unlimited; VRFY unless disabled; ETRN; STARTTLS before TLS; AUTH when allowed,
// AUTH= too for broken_sasl_auth_clients; CHUNKING; no BINARYMIME). A multi-word
// name is joined with single spaces, as Postfix does.
import { globalSetting } from '@postfleet/config';
import { authOffered, saslMechanisms } from './on-auth.ts';
import { runStage } from './stage.ts';
import type { SmtpSession, VerbHandler } from './smtp-session.ts';
import { resetTransaction, sessionFacts, type ConnContext } from './session-state.ts';
import type { VerbDeps } from './verb-deps.ts';

/** The EHLO keywords, in Postfix's order. */
export function ehloKeywords(ctx: ConnContext): string[] {
  const p = ctx.policy;
  const settings = ctx.config.settings;
  const out = ['PIPELINING'];
  out.push(p.message_size_limit > 0 ? `SIZE ${p.message_size_limit}` : 'SIZE');
  if (!globalSetting(settings, 'disable_vrfy_command')) out.push('VRFY');
  out.push('ETRN');
  if (!ctx.secure && p.smtpd_tls_security_level !== 'none') out.push('STARTTLS');
  if (authOffered(ctx)) {
    const mechanisms = saslMechanisms(ctx).join(' ');
    out.push(`AUTH ${mechanisms}`);
    // broken_sasl_auth_clients: the pre-RFC 4954 form Outlook Express 4 looks for
    if (globalSetting(settings, 'broken_sasl_auth_clients')) out.push(`AUTH=${mechanisms}`);
  }
  out.push('ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8', 'CHUNKING');
  return out;
}

function createHello(deps: VerbDeps, verb: 'HELO' | 'EHLO'): VerbHandler {
  return async (s: SmtpSession, args: string) => {
    const ctx = s.ctx;
    const parts = args.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) {
      s.reply(501, `Syntax: ${verb} hostname`);
      return;
    }
    // Postfix joins a multi-word name (collapse_args) and lets smtpd_helo_restrictions decide
    const helo = parts.join(' ').toLowerCase();
    const effects = await runStage(s, {
      stage: 'HELO',
      run: () =>
        deps.smtpd.engine.onHelo({
          facts: sessionFacts(ctx, { helo }),
          policy: ctx.policy,
          config: ctx.config,
        }),
    });
    if (!effects) return;
    ctx.heloEffects = effects;
    ctx.helo = helo;
    ctx.openingCommand = verb;
    resetTransaction(ctx); // HELO/EHLO resets a transaction (RFC 5321 §4.1.4)
    if (verb === 'HELO') s.reply(250, ctx.myhostname);
    else s.reply(250, [ctx.myhostname, ...ehloKeywords(ctx)]);
  };
}

export const createOnEhlo = (deps: VerbDeps): VerbHandler => createHello(deps, 'EHLO');
export const createOnHelo = (deps: VerbDeps): VerbHandler => createHello(deps, 'HELO');
