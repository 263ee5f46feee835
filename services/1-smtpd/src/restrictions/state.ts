// The state of one restriction evaluation (one SMTP command): the input facts,
// the dependencies, the access-map effects gathered so far and Postfix's pending
// decisions (defer_if_permit, defer_if_reject, warn_if_reject).
import type { Effect, RestrictionStage, StageInput } from './types.ts';
import type { RestrictionResolver } from './dns-port.ts';
import type { Reply, RuleResult } from './reply.ts';
import type { TableCache } from './tables.ts';

export interface RestrictionLog {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface EngineDeps {
  resolver: RestrictionResolver;
  log: RestrictionLog;
  tables: TableCache;
  sleep(ms: number): Promise<void>;
}

export interface EvalState {
  input: StageInput;
  /** The list being evaluated: decides the reply subject of plain reject/defer. */
  stage: RestrictionStage;
  deps: EngineDeps;
  effects: Effect[];
  deferIfPermit: Reply | undefined;
  deferIfReject: Reply | undefined;
  /** Recursion depth at which warn_if_reject was given, or null. */
  warnIfReject: number | null;
  depth: number;
  /** Evaluate a nested restriction list (access-map results) in this state. */
  nested(rules: string[]): Promise<RuleResult>;
}

export type Subject = 'client' | 'helo' | 'sender' | 'recipient' | 'data';

/** Postfix's reply_name and reply_class for a subject: "<name>: Class rejected: ...". */
export function subjectOf(state: EvalState, subject: Subject): { name: string; cls: string } {
  const f = state.input.facts;
  switch (subject) {
    case 'client':
      return { name: `${f.client.hostname}[${f.client.address}]`, cls: 'Client host' };
    case 'helo':
      return { name: f.helo ?? '', cls: 'Helo command' };
    case 'sender':
      return { name: f.sender ?? '', cls: 'Sender address' };
    case 'recipient':
      return { name: f.recipient ?? '', cls: 'Recipient address' };
    case 'data':
      return { name: 'DATA', cls: 'Data command' };
  }
}

export function stageSubject(stage: RestrictionStage): Subject {
  return stage === 'relay' ? 'recipient' : stage;
}
