// A restriction engine for session tests: accepts everything unless a test
// installs a verdict for a stage (the real engine has its own tests).
import type { RestrictionEngine, StageInput, Verdict } from '../../src/restrictions/types.ts';

type Stage = keyof RestrictionEngine;
export type StageRule = (input: StageInput) => Verdict | undefined;

export interface StubEngine extends RestrictionEngine {
  rules: Partial<Record<Stage, StageRule>>;
  /** Every call, in order, for assertions on the facts. */
  calls: { stage: Stage; input: StageInput }[];
}

const accept: Verdict = { action: 'accept', effects: [] };

export function stubEngine(): StubEngine {
  const rules: StubEngine['rules'] = {};
  const calls: StubEngine['calls'] = [];
  const run = (stage: Stage) => async (input: StageInput) => {
    calls.push({ stage, input });
    return rules[stage]?.(input) ?? accept;
  };
  return {
    rules,
    calls,
    onConnect: run('onConnect'),
    onHelo: run('onHelo'),
    onMailFrom: run('onMailFrom'),
    onRcptTo: run('onRcptTo'),
    onData: run('onData'),
  };
}
