// Connect stage, before the greeting: client names, smtpd_client_restrictions, then
// the pregreet check under postscreen's names (postscreen_greet_action: drop = 554
// and close, enforce = 550 at RCPT, ignore; postscreen_greet_wait: the pause, 0 =
// only bytes already on the wire) and the greeting itself. anvil's limits were
// applied at accept (listeners.ts).
import { globalSetting, parseDuration } from '@postfleet/config';
import { reply } from './smtp-reply.ts';
import type { RunningSession } from './smtp-session.ts';
import type { SmtpdDeps } from './smtpd-deps.ts';
import { stageVerdict } from './stage.ts';
import { SmtpReplyError } from './smtp-reply.ts';
import { clientName, sessionFacts } from './session-state.ts';

/** A client whose names take longer than this is treated as a DNS tempfail ("unknown"). */
const NAME_LOOKUP_MS = 10_000;
/** Event-loop turns the greeting waits for bytes already on the wire (no timed pause). */
const PREGREET_TURNS = 3;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`name lookup timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** postscreen_greet_wait: up to ms for the client to talk first (returns early when it does). */
async function greetWait(s: RunningSession, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!s.unread && !s.closed && Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(50, until - Date.now())));
  }
}

/** Let the socket's pending reads run (a few setImmediate turns, microseconds, not a sleep). */
async function pendingReads(): Promise<void> {
  for (let i = 0; i < PREGREET_TURNS; i++) await new Promise((r) => setImmediate(r));
}

export function createOnConnect(deps: SmtpdDeps) {
  const connections = deps.telemetry?.meter.createCounter('smtp.server.connections', {
    description: 'SMTP connections accepted, by listener',
  });

  /** True when the session may go on to its command loop (the greeting was sent). */
  return async function onConnect(s: RunningSession): Promise<boolean> {
    const ctx = s.ctx;
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
    const r = await stageVerdict(s, {
      stage: 'CONNECT',
      run: () =>
        deps.engine.onConnect({ facts: sessionFacts(ctx), policy: ctx.policy, config: ctx.config }),
      failure: reply(421, '4.3.0', `${ctx.myhostname} Error: temporary failure`),
    });
    if (s.closed) return false;
    if (r instanceof SmtpReplyError) {
      s.reply(r.responseCode, r.message);
      s.close();
      return false;
    }
    ctx.sessionEffects.push(...r);
    const action = String(globalSetting(ctx.config.settings, 'postscreen_greet_action'));
    if (action !== 'ignore') {
      const waitMs = parseDuration(
        String(globalSetting(ctx.config.settings, 'postscreen_greet_wait')),
      );
      if (!s.unread && waitMs) await greetWait(s, waitMs);
      if (!s.unread) await pendingReads();
      if (s.closed) return false;
    }
    if (s.unread && action !== 'ignore') {
      const line = s.peek(100).toString('latin1');
      ctx.log.info(
        { event: 'pregreet' },
        `PREGREET ${s.unread} after ${((Date.now() - ctx.connectedAt) / 1000).toFixed(2)} from [${ctx.client.address}]:${ctx.client.port}: ${line}`,
      );
      if (action === 'enforce') {
        ctx.pregreeted = true; // postscreen's enforce: the session goes on, RCPT TO gets 550
      } else {
        s.reply(
          554,
          `5.5.1 ${ctx.myhostname} Error: SMTP protocol violation: talked before the greeting`,
        );
        s.close();
        return false;
      }
    }
    s.reply(220, `${ctx.myhostname} ESMTP Postfleet`);
    return true;
  };
}
