// Rule results and SMTP replies as Postfix's smtpd_check_reject() makes them:
// code/enhanced-status consistency, warn_if_reject, and the deferred decisions
// defer_if_permit / defer_if_reject that keep a DNS tempfail from ever accepting.
import type { EvalState } from './state.ts';

export interface Reply {
  code: number;
  enhanced: string;
  text: string;
}

export type RuleResult = { kind: 'dunno' } | { kind: 'ok' } | { kind: 'reject'; reply: Reply };

export const DUNNO: RuleResult = { kind: 'dunno' };
export const OK: RuleResult = { kind: 'ok' };

/** The reply every configuration problem becomes (never a permit). */
export const CONFIG_ERROR: Reply = {
  code: 451,
  enhanced: '4.3.5',
  text: 'Server configuration error',
};

/** Postfix forces a 4NN/5NN code and makes the enhanced status class agree with it. */
export function normalizeReply(reply: Reply): Reply {
  if (!Number.isInteger(reply.code) || reply.code < 400 || reply.code > 599) {
    return { code: 450, enhanced: '4.7.1', text: 'Service unavailable' };
  }
  const cls = String(reply.code)[0] ?? '4';
  const enhanced = /^[245]\.\d{1,3}\.\d{1,3}$/.test(reply.enhanced)
    ? `${cls}${reply.enhanced.slice(1)}`
    : `${cls}.7.1`;
  return { code: reply.code, enhanced, text: reply.text };
}

/** Reject, unless warn_if_reject is in force (then log and continue) or an earlier defer_if_reject turns a 5xx into its 450. */
export function reject(
  state: EvalState,
  reply: Reply,
  opts: { software?: boolean } = {},
): RuleResult {
  const r = normalizeReply(reply);
  if (state.warnIfReject !== null && !opts.software) {
    const line = `reject_warning: ${r.code} ${r.enhanced} ${r.text}`;
    state.effects.push({ kind: 'warn', text: line });
    state.deps.log.info({ stage: state.stage }, line);
    return DUNNO;
  }
  if (state.deferIfReject && r.code >= 500) {
    const deferred = state.deferIfReject;
    state.deferIfReject = undefined;
    return { kind: 'reject', reply: deferred };
  }
  return { kind: 'reject', reply: r };
}

export function configError(state: EvalState, why: string): RuleResult {
  state.deps.log.warn({ stage: state.stage }, why);
  return reject(state, CONFIG_ERROR, { software: true });
}

/** Remember a 450 to answer if the evaluation would otherwise permit (first reason wins, as in Postfix). */
export function deferIfPermit(state: EvalState, reply: Reply): RuleResult {
  state.deferIfPermit ??= normalizeReply(reply);
  return DUNNO;
}

/** Remember a 450 to answer instead of a later 5xx reject. */
export function deferIfReject(state: EvalState, reply: Reply): RuleResult {
  state.deferIfReject ??= normalizeReply(reply);
  return DUNNO;
}
