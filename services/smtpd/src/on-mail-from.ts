// MAIL FROM stage: TLS and AUTH requirements of the listener (530 5.7.0),
// envelope syntax, then smtpd_sender_restrictions through the engine. SIZE=
// over message_size_limit is answered by smtp-server (552 5.3.4) before this.
import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import { envelopeSyntaxError } from './envelope-syntax.ts';
import { requiresAuth } from './on-auth.ts';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { addressHook } from './address-hook.ts';
import { SmtpReplyError, reply } from './smtp-reply.ts';
import { saslUser, sessionFacts, type ConnContext, type Registry } from './session-state.ts';
import { logReject, logWarnings, verdictReply } from './verdicts.ts';

/** The reply when this session may not start a transaction yet, or null. */
export function transactionGate(
  ctx: ConnContext,
  session: SMTPServerSession,
): SmtpReplyError | null {
  if (!session.secure && ctx.policy.smtpd_tls_security_level === 'encrypt') {
    return reply(530, '5.7.0', 'Must issue a STARTTLS command first');
  }
  if (requiresAuth(ctx.listener) && !saslUser(session)) {
    return reply(530, '5.7.0', 'Authentication required');
  }
  return null;
}

export function createOnMailFrom(deps: SmtpdDeps, registry: Registry) {
  async function mailFrom(
    ctx: ConnContext,
    address: SMTPServerAddress,
    session: SMTPServerSession,
  ): Promise<void> {
    const gate = transactionGate(ctx, session);
    if (gate) {
      logReject(ctx, session, 'MAIL', gate, address.address);
      throw gate;
    }
    const syntax = envelopeSyntaxError('MAIL', address, ctx.policy.strict_rfc821_envelopes);
    if (syntax) throw syntax;
    ctx.tx = { sender: address.address, effects: [] };
    const verdict = await deps.engine.onMailFrom({
      facts: sessionFacts(ctx, session, { sender: address.address }),
      policy: ctx.policy,
      config: ctx.config,
    });
    if (verdict.action === 'reject') {
      const err = verdictReply(verdict);
      logReject(ctx, session, 'MAIL', err, address.address);
      ctx.tx = null;
      throw err;
    }
    logWarnings(ctx, 'MAIL', verdict.effects);
    ctx.tx.effects.push(...verdict.effects);
  }

  return addressHook(registry, 'MAIL', mailFrom);
}
