// access(5) results applied as Postfix's check_table_result() does: OK/RELAY
// permit, REJECT/DEFER/NNN reject, DISCARD permits (and discards), HOLD,
// REDIRECT, FILTER, PREPEND and WARN record an effect and continue, DUNNO
// continues, anything else is a nested restriction list.
import { parseAccessAction, type AccessAction, type AccessTable } from '@postfleet/maps';
import {
  configError,
  deferIfPermit,
  deferIfReject,
  DUNNO,
  OK,
  reject,
  type RuleResult,
} from './reply.ts';
import { subjectOf, type EvalState, type Subject } from './state.ts';

/** Postfix access_map_reject_code / access_map_defer_code (not yet MailPolicy fields; read if present). */
function accessCodes(state: EvalState): { reject: number; defer: number } {
  const p = state.input.policy as {
    access_map_reject_code?: number;
    access_map_defer_code?: number;
  };
  return { reject: p.access_map_reject_code ?? 554, defer: p.access_map_defer_code ?? 450 };
}

/** Side-effect actions apply only inside a mail transaction (Postfix skips them in client/HELO checks before MAIL FROM). */
function inTransaction(state: EvalState, action: string): boolean {
  if (state.input.facts.sender !== undefined) return true;
  state.deps.log.warn(
    { stage: state.stage },
    `access action ${action} is skipped in ${state.stage} restrictions outside a mail transaction (smtpd_delay_reject = no)`,
  );
  return false;
}

const MAX_DEPTH = 100;

export async function applyAccessAction(
  state: EvalState,
  action: AccessAction,
  subject: Subject,
): Promise<RuleResult> {
  const { name, cls } = subjectOf(state, subject);
  const codes = accessCodes(state);
  const rejectText = (text: string | undefined): string =>
    `<${name}>: ${cls} rejected: ${text ?? 'Access denied'}`;
  switch (action.kind) {
    case 'ok':
    case 'relay':
      return OK;
    case 'dunno':
      return DUNNO;
    case 'reject':
      return reject(state, {
        code: action.code === undefined || action.code === 554 ? codes.reject : action.code,
        enhanced: action.enhanced ?? '5.7.1',
        text: rejectText(action.text),
      });
    case 'defer':
      // parseAccessAction reports a malformed NNN as a 451 4.3.5 defer.
      if (action.code === 451 && action.enhanced === '4.3.5')
        return configError(state, 'access table entry with a bad reply code');
      return reject(state, {
        code: action.code === undefined || action.code === 450 ? codes.defer : action.code,
        enhanced: action.enhanced ?? '4.7.1',
        text: rejectText(action.text),
      });
    case 'code':
      return reject(state, {
        code: action.code ?? codes.reject,
        enhanced: action.enhanced ?? '5.7.1',
        text: rejectText(action.text),
      });
    case 'defer_if_permit':
      return deferIfPermit(state, {
        code: 450,
        enhanced: action.enhanced ?? '4.7.1',
        text: `<${name}>: ${cls} rejected: ${action.text ?? 'Service unavailable'}`,
      });
    case 'defer_if_reject':
      return deferIfReject(state, {
        code: 450,
        enhanced: action.enhanced ?? '4.7.1',
        text: `<${name}>: ${cls} rejected: ${action.text ?? 'Service unavailable'}`,
      });
    case 'discard':
      if (!inTransaction(state, 'DISCARD')) return DUNNO;
      state.effects.push({
        kind: 'discard',
        reason: `<${name}>: ${cls} ${action.text ?? 'triggers DISCARD action'}`,
      });
      return OK;
    case 'hold':
      if (!inTransaction(state, 'HOLD')) return DUNNO;
      state.effects.push({
        kind: 'hold',
        reason: `<${name}>: ${cls} ${action.text ?? 'triggers HOLD action'}`,
      });
      return DUNNO;
    case 'redirect':
      if (!inTransaction(state, 'REDIRECT')) return DUNNO;
      if (!action.text?.includes('@')) {
        state.deps.log.warn(
          { stage: state.stage },
          'access table REDIRECT requires a user@domain target',
        );
        return DUNNO;
      }
      state.effects.push({ kind: 'redirect', address: action.text });
      return DUNNO;
    case 'filter':
      if (!inTransaction(state, 'FILTER')) return DUNNO;
      if (!action.text?.includes(':')) {
        state.deps.log.warn(
          { stage: state.stage },
          'access table FILTER requires transport:destination',
        );
        return DUNNO;
      }
      state.effects.push({ kind: 'filter', nexthop: action.text });
      return DUNNO;
    case 'prepend':
      if (!inTransaction(state, 'PREPEND')) return DUNNO;
      if (!action.text || !/^[!-9;-~]+:/.test(action.text)) {
        state.deps.log.warn({ stage: state.stage }, 'access table PREPEND requires "header: text"');
        return DUNNO;
      }
      state.effects.push({ kind: 'prepend', header: action.text });
      return DUNNO;
    case 'warn': {
      const text = `<${name}>: ${cls} ${action.text ?? 'triggers WARN action'}`;
      state.effects.push({ kind: 'warn', text });
      state.deps.log.info({ stage: state.stage }, `warn: ${text}`);
      return DUNNO;
    }
    case 'restriction': {
      const rules = action.restrictions ?? [];
      if (rules.length === 0) return OK;
      if (state.depth >= MAX_DEPTH)
        return configError(state, 'access table entry causes unreasonable recursion');
      return state.nested(rules);
    }
  }
}

/** Look a key up in AccessMap/<ref> and apply the result; a missing or broken table is a 451 4.3.5, never a permit. */
export async function checkAccess(
  state: EvalState,
  ref: string | undefined,
  subject: Subject,
  lookup: (table: AccessTable) => string | null,
): Promise<RuleResult> {
  if (ref === undefined)
    return configError(state, `check_${subject}_access needs a table argument`);
  let table: AccessTable | undefined;
  try {
    table = state.deps.tables.access(state.input.config, ref);
  } catch (err) {
    return configError(state, `access table ${ref}: ${(err as Error).message}`);
  }
  if (!table) return configError(state, `access table ${ref} does not exist`);
  const raw = lookup(table);
  if (raw === null) return DUNNO;
  return applyAccessAction(state, parseAccessAction(raw), subject);
}
