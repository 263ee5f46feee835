// What a restriction rule is: the fact it needs (the stage it belongs to; with
// that fact absent the rule answers DUNNO, as in Postfix) and how it runs.
import type { RuleResult } from './reply.ts';
import type { EvalState } from './state.ts';

/** The SMTP fact a rule inspects, in protocol order; 'any' rules read none. */
export type RuleFact = 'any' | 'client' | 'helo' | 'sender' | 'recipient';

export interface RuleDef {
  fact: RuleFact;
  run(state: EvalState, args: string[]): RuleResult | Promise<RuleResult>;
}

export type RuleTable = Record<string, RuleDef>;

export function hasFact(state: EvalState, fact: RuleFact): boolean {
  const f = state.input.facts;
  switch (fact) {
    case 'any':
    case 'client':
      return true;
    case 'helo':
      return f.helo !== undefined && f.helo !== '';
    case 'sender':
      return f.sender !== undefined;
    case 'recipient':
      return f.recipient !== undefined && f.recipient !== '';
  }
}
