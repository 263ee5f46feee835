// AUTH: which listeners offer it and when (smtpd_sasl_auth_enable,
// smtpd_tls_auth_only: never before TLS), and the onAuth hook that asks the
// SASL checker (authd) for PLAIN (with its authzid) and LOGIN.
import type {
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerSession,
} from 'smtp-server';
import type { ListenerName } from '@postfleet/config';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { reply } from './smtp-reply.ts';
import { clientName, type ConnContext, type Registry } from './session-state.ts';

/** submission and submissions require AUTH before MAIL (master.cf -o smtpd_client_restrictions=permit_sasl_authenticated,reject). */
export function requiresAuth(listener: ListenerName): boolean {
  return listener !== 'smtp';
}

/** Commands hidden on this session right now: AUTH before TLS when TLS is required for it, STARTTLS when TLS is off. */
export function disabledCommands(ctx: ConnContext, secure: boolean): string[] {
  const p = ctx.policy;
  const off: string[] = [];
  const authEnabled = p.smtpd_sasl_auth_enable || requiresAuth(ctx.listener);
  if (!authEnabled || (!secure && p.smtpd_tls_auth_only)) off.push('AUTH');
  if (p.smtpd_tls_security_level === 'none') off.push('STARTTLS');
  return off;
}

export function applyCommandVisibility(ctx: ConnContext, session: SMTPServerSession): void {
  session.disabledCommands = disabledCommands(ctx, Boolean(session.secure));
}

type AuthCallback = (
  err: Error | null | undefined,
  response?: SMTPServerAuthenticationResponse,
) => void;

export function createOnAuth(deps: SmtpdDeps, registry: Registry) {
  return function onAuth(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
    callback: AuthCallback,
  ): void {
    const ctx = registry.get(session.id);
    if (!ctx) return callback(reply(454, '4.7.0', 'Temporary authentication failure'));
    const method = auth.method;
    if ((method !== 'PLAIN' && method !== 'LOGIN') || !auth.username) {
      return callback(reply(535, '5.7.8', 'Error: authentication failed: authentication failure'));
    }
    const username = auth.username;
    // PLAIN's authzid goes to authd, which refuses one naming anybody but the authcid.
    const authzid = method === 'PLAIN' ? (auth.authzid ?? '') : '';
    deps
      .authenticate(
        method,
        username,
        auth.password ?? '',
        { address: ctx.client.address, listener: ctx.listener },
        authzid,
      )
      .then((ok) => {
        if (ok === 'tempfail') {
          ctx.log.warn(
            `warning: ${clientName(ctx)}: SASL ${method} authentication temporarily unavailable`,
          );
          return callback(reply(454, '4.7.0', 'Temporary authentication failure'));
        }
        if (!ok) {
          ctx.log.warn(
            `warning: ${clientName(ctx)}: SASL ${method} authentication failed: authentication failure, sasl_username=${username}`,
          );
          return callback(
            reply(535, '5.7.8', 'Error: authentication failed: authentication failure'),
          );
        }
        ctx.saslMethod = method;
        callback(null, { user: username });
      })
      .catch((err: unknown) => {
        ctx.log.error(
          { err },
          `warning: ${clientName(ctx)}: SASL ${method} authentication unavailable`,
        );
        callback(reply(454, '4.7.0', 'Temporary authentication failure'));
      });
  };
}
