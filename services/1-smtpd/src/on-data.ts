// DATA: Postfix's 503/554 when there is no one to send to, smtpd_data_restrictions
// before 354, then the content through the session's DATA decoder into
// message-delivery.ts; the final reply is cleanup's (or the refusal).
import { reply, SmtpReplyError } from './smtp-reply.ts';
import type { SmtpSession, VerbHandler } from './smtp-session.ts';
import { stageVerdict } from './stage.ts';
import { clientName, resetTransaction, sessionFacts } from './session-state.ts';
import type { StartUpload } from './message-delivery.ts';
import type { VerbDeps } from './verb-deps.ts';

/** Why DATA/BDAT cannot start content now (Postfix's texts), or null. */
export function contentGate(s: SmtpSession, verb: 'DATA' | 'BDAT'): SmtpReplyError | null {
  const tx = s.ctx.tx;
  if (!tx) return reply(503, '5.5.1', 'Error: need RCPT command');
  if (tx.recipients.length === 0) return reply(554, '5.5.1', 'Error: no valid recipients');
  if (verb === 'DATA' && tx.content === 'BDAT')
    return reply(503, '5.5.1', 'Error: DATA after BDAT');
  return null;
}

/** smtpd_data_restrictions, once per transaction (at DATA, or at the first BDAT): null or the reply. */
export async function dataStage(deps: VerbDeps, s: SmtpSession): Promise<SmtpReplyError | null> {
  const ctx = s.ctx;
  const tx = ctx.tx;
  if (!tx) return reply(503, '5.5.1', 'Error: need RCPT command');
  const r = await stageVerdict(s, {
    stage: 'DATA',
    sender: tx.sender,
    run: () =>
      deps.smtpd.engine.onData({
        facts: sessionFacts(ctx),
        policy: ctx.policy,
        config: ctx.config,
      }),
  });
  if (r instanceof SmtpReplyError) return r;
  tx.effects.push(...r);
  return null;
}

/** The final reply of a message that was fully received. */
export async function finishMessage(s: SmtpSession, finish: () => Promise<string>): Promise<void> {
  const ctx = s.ctx;
  try {
    const text = await finish();
    resetTransaction(ctx);
    ctx.errors = 0; // a delivered message resets the error and junk counters
    ctx.junk = 0;
    s.reply(250, text);
  } catch (err) {
    resetTransaction(ctx);
    const r = err as SmtpReplyError;
    s.reply(r.responseCode, r.message);
  }
}

export function createOnData(deps: VerbDeps, startUpload: StartUpload): VerbHandler {
  return async (s, args) => {
    const ctx = s.ctx;
    if (args.trim()) {
      s.reply(501, '5.5.4 Syntax: DATA');
      return;
    }
    const refused = contentGate(s, 'DATA') ?? (await dataStage(deps, s));
    if (refused) {
      s.reply(refused.responseCode, refused.message);
      return;
    }
    const tx = ctx.tx;
    if (!tx) return;
    tx.content = 'DATA';
    const upload = startUpload(ctx, tx);
    s.reply(354, 'End data with <CR><LF>.<CR><LF>');
    const complete = await s.readData((chunk) => upload.write(chunk));
    if (!complete) {
      ctx.log.info({ event: 'lost' }, `lost connection after DATA from ${clientName(ctx)}`);
      resetTransaction(ctx);
      await upload.abort(true);
      return;
    }
    await finishMessage(s, () => upload.finish('END-OF-MESSAGE'));
  };
}
