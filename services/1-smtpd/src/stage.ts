// The one restriction-stage helper every verb uses: run a stage of the
// engine, log a reject as Postfix does ("NOQUEUE: reject: RCPT from ..."),
// log WARN effects, and turn the verdict (or an engine failure) into a reply.
import type { SmtpSession } from './smtp-session.ts';
import { reply, SmtpReplyError } from './smtp-reply.ts';
import { clientName } from './session-state.ts';
import type { Effect, Verdict } from './restrictions/types.ts';
import { logReject, logWarnings, verdictReply, type Stage } from './verdicts.ts';

export interface StageRun {
  stage: Stage;
  /** The engine call of this stage. */
  run: () => Promise<Verdict>;
  sender?: string;
  recipient?: string;
  /** The reply when the engine fails (default 451 4.3.0 Error: temporary failure). */
  failure?: SmtpReplyError;
}

/** Accepted: the effects. Rejected (or failed): the reply to send, already logged. */
export async function stageVerdict(
  s: SmtpSession,
  st: StageRun,
): Promise<Effect[] | SmtpReplyError> {
  const ctx = s.ctx;
  let verdict: Verdict;
  try {
    verdict = await st.run();
  } catch (err) {
    ctx.log.error({ err }, `error: ${st.stage} stage for ${clientName(ctx)} failed`);
    return err instanceof SmtpReplyError
      ? err
      : (st.failure ?? reply(451, '4.3.0', 'Error: temporary failure'));
  }
  if (verdict.action === 'reject') {
    const err = verdictReply(verdict);
    logReject(ctx, ctx, st.stage, err, st.sender, st.recipient);
    return err;
  }
  logWarnings(ctx, st.stage, verdict.effects);
  return verdict.effects;
}

/** Accepted: the effects. Rejected (or failed): null, the reply already sent. */
export async function runStage(s: SmtpSession, st: StageRun): Promise<Effect[] | null> {
  const r = await stageVerdict(s, st);
  if (r instanceof SmtpReplyError) {
    s.reply(r.responseCode, r.message);
    return null;
  }
  return r;
}

/** Send a reply value and log it as a reject of this stage. */
export function rejectWith(
  s: SmtpSession,
  stage: Stage,
  err: SmtpReplyError,
  sender?: string,
  recipient?: string,
): void {
  logReject(s.ctx, s.ctx, stage, err, sender, recipient);
  s.reply(err.responseCode, err.message);
}
