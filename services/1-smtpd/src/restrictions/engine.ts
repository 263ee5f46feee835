// The restriction engine the smtpd session calls at each protocol stage, in
// protocol order: connect → HELO → MAIL FROM → RCPT TO → DATA. With
// smtpd_delay_reject the client, HELO and sender lists run at RCPT TO.
import { setTimeout as delay } from 'node:timers/promises';
import type { RestrictionResolver } from './dns-port.ts';
import { unlisted } from './rules-address.ts';
import { hasRelayGuard, unauthDestination } from './rules-relay.ts';
import { evaluateList, nestedEvaluator } from './evaluate.ts';
import { DUNNO, type RuleResult } from './reply.ts';
import type { EngineDeps, EvalState, RestrictionLog } from './state.ts';
import { createTableCache } from './tables.ts';
import type { RestrictionEngine, RestrictionStage, StageInput, Verdict } from './types.ts';

export interface RestrictionEngineOptions {
  resolver: RestrictionResolver;
  log?: RestrictionLog;
  /** Injected for tests; default a real timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** One list (or built-in check) evaluated at a stage. */
interface Step {
  stage: RestrictionStage;
  rules?: readonly string[];
  check?: (state: EvalState) => RuleResult | Promise<RuleResult>;
}

/** Steps sharing defer_if_permit / defer_if_reject state, as one smtpd_check_*() call in Postfix. */
type Scope = Step[];

const silentLog: RestrictionLog = { info() {}, warn() {} };

export function createRestrictionEngine(opts: RestrictionEngineOptions): RestrictionEngine {
  const deps: EngineDeps = {
    resolver: opts.resolver,
    log: opts.log ?? silentLog,
    tables: createTableCache(),
    sleep: opts.sleep ?? ((ms) => delay(ms)),
  };
  const p = (input: StageInput) => input.policy;
  const warnedUnguarded = new WeakSet<object>();
  const clientScope = (i: StageInput): Scope => [
    { stage: 'client', rules: p(i).smtpd_client_restrictions },
  ];
  const heloScope = (i: StageInput): Scope => [
    { stage: 'helo', rules: p(i).smtpd_helo_restrictions },
  ];
  const senderScope = (i: StageInput): Scope => [
    { stage: 'sender', rules: p(i).smtpd_sender_restrictions },
  ];
  const rcptScope = (i: StageInput): Scope => {
    const steps: Scope = [];
    if (!hasRelayGuard(p(i))) {
      if (!warnedUnguarded.has(p(i))) {
        warnedUnguarded.add(p(i));
        deps.log.warn(
          { policy: p(i).source },
          'neither smtpd_relay_restrictions nor smtpd_recipient_restrictions reaches reject_unauth_destination, defer_unauth_destination, reject or defer before a permit: refusing relay for everyone',
        );
      }
      steps.push({ stage: 'relay', check: (s) => unauthDestination(s, 554) });
    }
    steps.push({ stage: 'relay', rules: p(i).smtpd_relay_restrictions });
    steps.push({ stage: 'recipient', rules: p(i).smtpd_recipient_restrictions });
    if (rejectUnlistedRecipient(i))
      steps.push({ stage: 'recipient', check: (s) => unlisted(s, 'recipient') });
    return steps;
  };
  const delayed = (i: StageInput): boolean => p(i).smtpd_delay_reject !== false;

  return {
    onConnect: (i) => (delayed(i) ? accepted() : runScopes(deps, i, [clientScope(i)])),
    onHelo: (i) => (delayed(i) ? accepted() : runScopes(deps, i, [heloScope(i)])),
    onMailFrom: (i) => (delayed(i) ? accepted() : runScopes(deps, i, [senderScope(i)])),
    onRcptTo: (i) =>
      runScopes(
        deps,
        i,
        delayed(i) ? [clientScope(i), heloScope(i), senderScope(i), rcptScope(i)] : [rcptScope(i)],
      ),
    onData: (i) => runScopes(deps, i, [[{ stage: 'data', rules: p(i).smtpd_data_restrictions }]]),
  };
}

function rejectUnlistedRecipient(input: StageInput): boolean {
  return input.policy.smtpd_reject_unlisted_recipient;
}

async function accepted(): Promise<Verdict> {
  return { action: 'accept', effects: [] };
}

async function runScopes(deps: EngineDeps, input: StageInput, scopes: Scope[]): Promise<Verdict> {
  const state: EvalState = {
    input,
    stage: scopes[0]?.[0]?.stage ?? 'client',
    deps,
    effects: [],
    deferIfPermit: undefined,
    deferIfReject: undefined,
    warnIfReject: null,
    depth: 0,
    nested: async () => DUNNO,
  };
  state.nested = nestedEvaluator(state);
  for (const scope of scopes) {
    state.deferIfPermit = undefined;
    state.deferIfReject = undefined;
    for (const step of scope) {
      state.stage = step.stage;
      state.warnIfReject = null;
      const result = step.check
        ? await step.check(state)
        : await evaluateList(state, step.rules ?? []);
      if (result.kind === 'reject') return verdict(state, result.reply);
      // OK (permit) ends this list only; the next list still runs.
    }
    if (state.deferIfPermit) return verdict(state, state.deferIfPermit);
  }
  return { action: 'accept', effects: state.effects };
}

function verdict(
  state: EvalState,
  reply: { code: number; enhanced: string; text: string },
): Verdict {
  state.deps.log.info(
    { stage: state.stage, client: state.input.facts.client.address, code: reply.code },
    `reject: ${reply.code} ${reply.enhanced} ${reply.text}`,
  );
  return {
    action: 'reject',
    code: reply.code,
    enhanced: reply.enhanced,
    text: reply.text,
    effects: state.effects,
  };
}
