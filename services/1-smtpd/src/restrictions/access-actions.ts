// access(5) results applied as Postfix's check_table_result() does, one handler per
// kind: OK/RELAY permit, REJECT/DEFER/NNN reject, DISCARD permits (and discards), BCC,
// HOLD, REDIRECT, FILTER, PREPEND, INFO, WARN record an effect; DUNNO and lists continue.
import {
  parseAccessAction,
  type AccessAction,
  type AccessActionKind,
  type AccessTable,
} from '@postfleet/maps';
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

/** Side-effect actions apply only inside a mail transaction (Postfix skips them in client/HELO checks before MAIL FROM). */
function inTransaction(state: EvalState, action: string): boolean {
  if (state.input.facts.sender !== undefined) return true;
  state.deps.log.warn(
    { stage: state.stage },
    `access action ${action} is skipped in ${state.stage} restrictions outside a mail transaction (smtpd_delay_reject = no)`,
  );
  return false;
}

/** The enhanced status with its class forced to the reply code's class (Postfix does the same). */
function statusFor(code: number, enhanced: string | undefined, fallback: string): string {
  return `${String(code)[0] ?? '5'}${(enhanced ?? fallback).slice(1)}`;
}

const MAX_DEPTH = 100;

const ADDRESS = /^[^@\s]+@[^@\s]+$/;

interface ActionContext {
  state: EvalState;
  action: AccessAction;
  /** The subject's name and class for reply and log texts ("<1.2.3.4>: Client host"). */
  name: string;
  cls: string;
}

type Handler = (c: ActionContext) => RuleResult | Promise<RuleResult>;

const rejectText = (c: ActionContext, fallback = 'Access denied'): string =>
  `<${c.name}>: ${c.cls} rejected: ${c.action.text ?? fallback}`;

/** A side effect that needs an argument matching re; a malformed one is logged and ignored, as Postfix does. */
function effect(
  verb: string,
  re: RegExp,
  needs: string,
  push: (c: ActionContext, arg: string) => void,
  result: RuleResult = DUNNO,
): Handler {
  return (c) => {
    if (!inTransaction(c.state, verb)) return DUNNO;
    const arg = c.action.text ?? '';
    if (!re.test(arg)) {
      c.state.deps.log.warn({ stage: c.state.stage }, `access table ${verb} requires ${needs}`);
      return DUNNO;
    }
    push(c, arg);
    return result;
  };
}

/**
 * The runtime's access-action table: a Record over every kind parseAccessAction can give,
 * which is maps' ACCESS_ACTIONS (the compiler's list) lower-cased plus NNN codes and restriction lists, so a
 * keyword the compiler accepts cannot lack an implementation.
 */
export const ACCESS_ACTION_HANDLERS: Record<AccessActionKind, Handler> = {
  ok: () => OK,
  relay: () => OK,
  dunno: () => DUNNO,
  reject: (c) => {
    const code = c.state.input.policy.access_map_reject_code;
    return reject(c.state, {
      code,
      enhanced: statusFor(code, c.action.enhanced, '5.7.1'),
      text: rejectText(c),
    });
  },
  defer: (c) => {
    // parseAccessAction reports a malformed NNN as a 451 4.3.5 defer.
    if (c.action.code === 451 && c.action.enhanced === '4.3.5')
      return configError(c.state, 'access table entry with a bad reply code');
    const code = c.state.input.policy.access_map_defer_code;
    return reject(c.state, {
      code,
      enhanced: statusFor(code, c.action.enhanced, '4.7.1'),
      text: rejectText(c),
    });
  },
  code: (c) => {
    const code = c.action.code ?? c.state.input.policy.access_map_reject_code;
    return reject(c.state, {
      code,
      enhanced: statusFor(code, c.action.enhanced, '5.7.1'),
      text: rejectText(c),
    });
  },
  defer_if_permit: (c) => {
    const code = c.state.input.policy.access_map_defer_code;
    return deferIfPermit(c.state, {
      code,
      enhanced: statusFor(code, c.action.enhanced, '4.7.1'),
      text: rejectText(c, 'Service unavailable'),
    });
  },
  defer_if_reject: (c) => {
    const code = c.state.input.policy.access_map_defer_code;
    return deferIfReject(c.state, {
      code,
      enhanced: statusFor(code, c.action.enhanced, '4.7.1'),
      text: rejectText(c, 'Service unavailable'),
    });
  },
  discard: (c) => {
    if (!inTransaction(c.state, 'DISCARD')) return DUNNO;
    c.state.effects.push({
      kind: 'discard',
      reason: `<${c.name}>: ${c.cls} ${c.action.text ?? 'triggers DISCARD action'}`,
    });
    return OK;
  },
  hold: (c) => {
    if (!inTransaction(c.state, 'HOLD')) return DUNNO;
    c.state.effects.push({
      kind: 'hold',
      reason: `<${c.name}>: ${c.cls} ${c.action.text ?? 'triggers HOLD action'}`,
    });
    return DUNNO;
  },
  bcc: effect('BCC', ADDRESS, 'a user@domain address', (c, address) =>
    c.state.effects.push({ kind: 'bcc', address }),
  ),
  redirect: effect('REDIRECT', ADDRESS, 'a user@domain target', (c, address) =>
    c.state.effects.push({ kind: 'redirect', address }),
  ),
  filter: effect('FILTER', /^[^:\s]+:\S*$/, 'transport:destination', (c, nexthop) =>
    c.state.effects.push({ kind: 'filter', nexthop }),
  ),
  prepend: effect('PREPEND', /^[!-9;-~]+:/, '"header: text"', (c, header) =>
    c.state.effects.push({ kind: 'prepend', header }),
  ),
  warn: (c) => {
    const text = `<${c.name}>: ${c.cls} ${c.action.text ?? 'triggers WARN action'}`;
    c.state.effects.push({ kind: 'warn', text });
    c.state.deps.log.info({ stage: c.state.stage }, `warn: ${text}`);
    return DUNNO;
  },
  info: (c) => {
    const text = `<${c.name}>: ${c.cls} ${c.action.text ?? 'triggers INFO action'}`;
    c.state.effects.push({ kind: 'info', text });
    c.state.deps.log.info({ stage: c.state.stage }, `info: ${text}`);
    return DUNNO;
  },
  restriction: (c) => {
    const rules = c.action.restrictions ?? [];
    if (rules.length === 0) return OK;
    if (c.state.depth >= MAX_DEPTH)
      return configError(c.state, 'access table entry causes unreasonable recursion');
    return c.state.nested(rules);
  },
};

export async function applyAccessAction(
  state: EvalState,
  action: AccessAction,
  subject: Subject,
): Promise<RuleResult> {
  const { name, cls } = subjectOf(state, subject);
  return ACCESS_ACTION_HANDLERS[action.kind]({ state, action, name, cls });
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
