// Connect stage: client names (forward-confirmed or "unknown"), then
// smtpd_client_restrictions through the engine. Runs before the greeting; the
// anvil limits were already applied when the socket was accepted (listeners.ts).
import type { SMTPServerSession } from 'smtp-server';
import { applyCommandVisibility } from './on-auth.ts';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { reply, SmtpReplyError } from './smtp-reply.ts';
import { clientName, sessionFacts, type ConnContext, type Registry } from './session-state.ts';
import { logReject, logWarnings, verdictReply } from './verdicts.ts';

/** A client whose names take longer than this is treated as a DNS tempfail ("unknown"). */
const NAME_LOOKUP_MS = 10_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`name lookup timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function createOnConnect(deps: SmtpdDeps, registry: Registry) {
  const connections = deps.telemetry?.meter.createCounter('smtp.server.connections', {
    description: 'SMTP connections accepted, by listener',
  });
  async function connect(ctx: ConnContext, session: SMTPServerSession): Promise<void> {
    connections?.add(1, { listener: ctx.listener });
    try {
      const names = await withTimeout(
        deps.resolver.clientNames(ctx.client.address),
        NAME_LOOKUP_MS,
      );
      ctx.client.hostname = names.hostname || 'unknown';
      ctx.client.reverseHostname = names.reverseHostname || 'unknown';
      ctx.client.namesTempfail = names.tempfail;
    } catch (err) {
      ctx.log.warn({ err }, `warning: hostname lookup for ${ctx.client.address} failed`);
      ctx.client.namesTempfail = true;
    }
    ctx.log.info(
      { event: 'connect', client: ctx.client.address },
      `connect from ${clientName(ctx)}`,
    );

    const verdict = await deps.engine.onConnect({
      facts: sessionFacts(ctx, session),
      policy: ctx.policy,
      config: ctx.config,
    });
    if (verdict.action === 'reject') {
      const err = verdictReply(verdict);
      logReject(ctx, session, 'CONNECT', err);
      throw err;
    }
    logWarnings(ctx, 'CONNECT', verdict.effects);
    ctx.sessionEffects.push(...verdict.effects);
    applyCommandVisibility(ctx, session);
  }

  return function onConnect(
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ): void {
    const ctx = registry.get(session.id);
    if (!ctx) return callback(reply(421, '4.3.0', `${deps.myhostname} Error: internal error`));
    connect(ctx, session).then(
      () => callback(),
      (err: unknown) => {
        if (err instanceof SmtpReplyError) return callback(err);
        ctx.log.error({ err }, `error: connect stage for ${clientName(ctx)} failed`);
        callback(reply(421, '4.3.0', `${deps.myhostname} Error: temporary failure`));
      },
    );
  };
}
