// RCPT TO stage: envelope syntax, smtpd_recipient_limit (452 4.5.3), then the
// engine (under smtpd_delay_reject it also runs the deferred client, HELO and
// sender lists here). The first accepted recipient opens the queue id.
import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import { newQueueId } from '@postfleet/queue-record';
import { envelopeSyntaxError } from './envelope-syntax.ts';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { addressHook } from './address-hook.ts';
import { reply } from './smtp-reply.ts';
import {
  clientName,
  saslUser,
  sessionFacts,
  type ConnContext,
  type Registry,
} from './session-state.ts';
import { logReject, logWarnings, verdictReply } from './verdicts.ts';

export function createOnRcptTo(deps: SmtpdDeps, registry: Registry) {
  async function rcptTo(
    ctx: ConnContext,
    address: SMTPServerAddress,
    session: SMTPServerSession,
  ): Promise<void> {
    const sender = ctx.tx?.sender ?? '';
    const syntax = envelopeSyntaxError('RCPT', address, ctx.policy.strict_rfc821_envelopes);
    if (syntax) throw syntax;
    const limit = ctx.policy.smtpd_recipient_limit;
    const already = session.envelope.rcptTo.some(
      (r) => r.address.toLowerCase() === address.address.toLowerCase(),
    );
    if (limit > 0 && session.envelope.rcptTo.length >= limit && !already) {
      const err = reply(452, '4.5.3', 'Error: too many recipients');
      logReject(ctx, session, 'RCPT', err, sender, address.address);
      throw err;
    }
    const verdict = await deps.engine.onRcptTo({
      facts: sessionFacts(ctx, session, { recipient: address.address }),
      policy: ctx.policy,
      config: ctx.config,
    });
    if (verdict.action === 'reject') {
      const err = verdictReply(verdict);
      logReject(ctx, session, 'RCPT', err, sender, address.address);
      throw err;
    }
    logWarnings(ctx, 'RCPT', verdict.effects);
    const tx = (ctx.tx ??= { sender, effects: [] });
    tx.effects.push(...verdict.effects);
    if (!tx.queueId) {
      tx.queueId = newQueueId();
      const user = saslUser(session);
      const sasl = user ? `, sasl_method=${ctx.saslMethod ?? 'PLAIN'}, sasl_username=${user}` : '';
      ctx.log
        .child({ queue_id: tx.queueId })
        .info({ event: 'client' }, `${tx.queueId}: client=${clientName(ctx)}${sasl}`);
    }
  }

  return addressHook(registry, 'RCPT', rcptTo);
}
