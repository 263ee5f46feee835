// Turns restriction verdicts into replies and Postfix-style "reject:" log lines,
// and folds accepted effects (HOLD, DISCARD, PREPEND, REDIRECT, BCC, FILTER) into
// the fields of the CleanupRequest.
import type { CleanupRequest } from '@postfleet/queue-record';
import type { Effect, Verdict } from './restrictions/types.ts';
import { reply, type SmtpReplyError } from './smtp-reply.ts';
import { clientName, rejectContext, type ConnContext } from './session-state.ts';

export type Stage =
  'CONNECT' | 'HELO' | 'MAIL' | 'RCPT' | 'VRFY' | 'ETRN' | 'DATA' | 'END-OF-MESSAGE';

/** The reply of a reject verdict. */
export function verdictReply(v: Extract<Verdict, { action: 'reject' }>): SmtpReplyError {
  return reply(v.code, v.enhanced, v.text);
}

/** "NOQUEUE: reject: RCPT from host[ip]: 554 5.7.1 text; from=<s> to=<r> proto=ESMTP helo=<h>" */
export function logReject(
  ctx: ConnContext,
  session: unknown,
  stage: Stage,
  err: SmtpReplyError,
  sender?: string,
  recipient?: string,
): void {
  const id = ctx.tx?.queueId ?? 'NOQUEUE';
  const line = `${id}: reject: ${stage} from ${clientName(ctx)}: ${err.line};${rejectContext(ctx, session, sender, recipient)}`;
  const log = ctx.tx?.queueId ? ctx.log.child({ queue_id: ctx.tx.queueId }) : ctx.log;
  log.info({ event: 'reject', stage, code: err.responseCode, enhanced: err.enhanced }, line);
}

/** Log access-map WARN and INFO effects as Postfix does ("warn: RCPT from ...: text"). */
export function logWarnings(ctx: ConnContext, stage: Stage, effects: Effect[]): void {
  for (const e of effects) {
    if (e.kind === 'warn') ctx.log.warn(`warn: ${stage} from ${clientName(ctx)}: ${e.text}`);
    if (e.kind === 'info') ctx.log.info(`info: ${stage} from ${clientName(ctx)}: ${e.text}`);
  }
}

type EffectFields = Pick<
  CleanupRequest,
  'hold' | 'holdReason' | 'discard' | 'prepend' | 'redirect' | 'bcc' | 'filter'
>;

/** Fold effects in order into CleanupRequest fields; later REDIRECTs and FILTERs win, as in Postfix. */
export function effectFields(effects: Effect[]): EffectFields {
  const out: EffectFields = {};
  for (const e of effects) {
    switch (e.kind) {
      case 'hold':
        out.hold = true;
        out.holdReason = e.reason;
        break;
      case 'discard':
        out.discard = true;
        break;
      case 'prepend':
        (out.prepend ??= []).push(e.header);
        break;
      case 'redirect':
        out.redirect = e.address;
        break;
      case 'bcc':
        if (!out.bcc?.includes(e.address)) (out.bcc ??= []).push(e.address);
        break;
      case 'filter':
        out.filter = e.nexthop;
        break;
      default:
        break;
    }
  }
  return out;
}
