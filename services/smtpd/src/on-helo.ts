// HELO/EHLO stage. smtp-server has no HELO hook, so smtpd wraps the
// connection's HELO and EHLO handlers: smtpd_helo_restrictions run first (a
// reject answers in place of 250), then smtp-server's own handler replies.
// smtpd_helo_required = yes: smtp-server answers MAIL/RCPT/DATA/AUTH before HELO
// with "503 5.5.1 Error: send HELO/EHLO first", Postfix's exact reply; = no is
// handled in connection-guard.ts (an implicit HELO).
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { SmtpReplyError, reply } from './smtp-reply.ts';
import { clientName, sessionFacts, type ConnContext } from './session-state.ts';
import { logReject, logWarnings, verdictReply } from './verdicts.ts';

type Handler = (command: Buffer, callback: () => void) => void;

/** Make smtp-server advertise this connection's policy in the EHLO reply (SIZE). */
export function applyPolicyToServer(ctx: ConnContext, conn: SMTPConnection): void {
  const options = conn._server.options;
  options.size = ctx.policy.message_size_limit > 0 ? ctx.policy.message_size_limit : 0;
}

export function wrapHelo(deps: SmtpdDeps, ctx: ConnContext, conn: SMTPConnection): void {
  for (const verb of ['HELO', 'EHLO'] as const) {
    const original: Handler =
      verb === 'HELO' ? conn.handler_HELO.bind(conn) : conn.handler_EHLO.bind(conn);
    const wrapped: Handler = (command, callback) => {
      const parts = command.toString().trim().split(/\s+/);
      if (parts.length !== 2) return original(command, callback); // smtp-server's 501 syntax reply
      const helo = (parts[1] as string).toLowerCase();
      deps.engine
        .onHelo({
          facts: sessionFacts(ctx, conn.session, { helo }),
          policy: ctx.policy,
          config: ctx.config,
        })
        .then((verdict) => {
          if (verdict.action === 'reject') {
            const err = verdictReply(verdict);
            logReject(ctx, conn.session, 'HELO', err);
            conn.send(err.responseCode, err.message);
            return callback();
          }
          logWarnings(ctx, 'HELO', verdict.effects);
          ctx.heloEffects = verdict.effects;
          ctx.implicitHelo = false;
          applyPolicyToServer(ctx, conn);
          original(command, callback);
        })
        .catch((err: unknown) => {
          ctx.log.error({ err }, `error: HELO stage for ${clientName(ctx)} failed`);
          const r =
            err instanceof SmtpReplyError ? err : reply(451, '4.3.0', 'Error: temporary failure');
          conn.send(r.responseCode, r.message);
          callback();
        });
    };
    if (verb === 'HELO') conn.handler_HELO = wrapped;
    else conn.handler_EHLO = wrapped;
  }
}
