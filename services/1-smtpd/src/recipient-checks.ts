// The recipient restrictions for one address, shared by RCPT TO and VRFY: bare
// <postmaster> is accepted before any restriction (RFC 5321 §4.5.1, Postfix's
// smtpd_check_rcpt); any other address goes through the engine's RCPT stage.
// Returns the accepted address's effects, or null once a refusal was answered.
import type { Effect } from './restrictions/index.ts';
import type { SmtpSession } from './smtp-session.ts';
import { runStage } from './stage.ts';
import { sessionFacts } from './session-state.ts';
import type { VerbDeps } from './verb-deps.ts';

export async function checkRecipient(
  s: SmtpSession,
  deps: VerbDeps,
  stage: 'RCPT' | 'VRFY',
  recipient: string,
  sender?: string,
): Promise<Effect[] | null> {
  if (recipient.toLowerCase() === 'postmaster') return [];
  const ctx = s.ctx;
  return runStage(s, {
    stage,
    ...(sender === undefined ? {} : { sender }),
    recipient,
    run: () =>
      deps.smtpd.engine.onRcptTo({
        facts: sessionFacts(ctx, { recipient }),
        policy: ctx.policy,
        config: ctx.config,
      }),
  });
}
