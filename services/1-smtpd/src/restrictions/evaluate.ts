// Walks one restriction list the way Postfix's generic_checks() does: rules in
// order, the first decisive result wins (OK ends the list, a reject ends the
// whole evaluation), DUNNO continues, warn_if_reject softens the next rule.
import { parseRule } from './parse.ts';
import { configError, DUNNO, type RuleResult } from './reply.ts';
import { hasFact } from './rule.ts';
import { RULES, WARN_IF_REJECT } from './rules.ts';
import type { EvalState } from './state.ts';

/**
 * Parsed lists, per list array: each compiled config version has its own arrays, so a
 * list is parsed once per config version, not once per RCPT.
 */
const parsedLists = new WeakMap<readonly string[], ReturnType<typeof parseRule>[]>();

function parsedList(rules: readonly string[]): ReturnType<typeof parseRule>[] {
  let parsed = parsedLists.get(rules);
  if (!parsed) {
    parsed = rules.map(parseRule);
    parsedLists.set(rules, parsed);
  }
  return parsed;
}

export async function evaluateList(
  state: EvalState,
  rules: readonly string[],
): Promise<RuleResult> {
  for (const { name, args } of parsedList(rules)) {
    if (name === '') continue;
    if (name === WARN_IF_REJECT) {
      state.warnIfReject ??= state.depth;
      continue;
    }
    const def = Object.hasOwn(RULES, name) ? RULES[name as keyof typeof RULES] : undefined;
    let result: RuleResult;
    if (def === undefined) {
      result = configError(state, `unknown smtpd restriction "${name}"`);
    } else if (!hasFact(state, def.fact)) {
      result = DUNNO;
    } else {
      result = await def.run(state, args);
    }
    if (state.warnIfReject !== null && state.warnIfReject >= state.depth) state.warnIfReject = null;
    if (result.kind !== 'dunno') return result;
    // Both deferrals pending: nothing later can change the outcome (Postfix stops here too).
    if (state.deferIfPermit && state.deferIfReject) break;
  }
  return DUNNO;
}

/** The nested-list evaluator access-map results use, one level deeper. */
export function nestedEvaluator(state: EvalState): (rules: string[]) => Promise<RuleResult> {
  return async (rules) => {
    state.depth++;
    try {
      return await evaluateList(state, rules);
    } finally {
      state.depth--;
    }
  };
}
