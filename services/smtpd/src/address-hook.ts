// Adapts an async MAIL FROM / RCPT TO stage to smtp-server's callback hook: a
// SmtpReplyError becomes that reply; anything else is logged and answered
// 451 4.3.0, so an internal failure never accepts by accident.
import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import { SmtpReplyError, reply } from './smtp-reply.ts';
import { clientName, type ConnContext, type Registry } from './session-state.ts';

export type AddressStage = (
  ctx: ConnContext,
  address: SMTPServerAddress,
  session: SMTPServerSession,
) => Promise<void>;

export function addressHook(registry: Registry, verb: 'MAIL' | 'RCPT', stage: AddressStage) {
  return function hook(
    address: SMTPServerAddress,
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ): void {
    const ctx = registry.get(session.id);
    if (!ctx) return callback(reply(451, '4.3.0', 'Error: internal error'));
    stage(ctx, address, session).then(
      () => callback(),
      (err: unknown) => {
        if (err instanceof SmtpReplyError) return callback(err);
        ctx.log.error({ err }, `error: ${verb} stage for ${clientName(ctx)} failed`);
        callback(reply(451, '4.3.0', 'Error: temporary failure'));
      },
    );
  };
}
