// The restriction engine the smtpd session calls at each protocol stage, in
// protocol order: connect → HELO → MAIL FROM → RCPT TO → DATA. With
// smtpd_delay_reject the client, HELO and sender lists run at RCPT TO.
import { setTimeout as delay } from 'node:timers/promises';
import { globalSetting } from '@postfleet/config';
import { destinationClass } from './domains.ts';
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
  /** Runs only once every pending defer_if_permit has been answered (check_rcpt_maps). */
  afterDeferral?: boolean;
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
      steps.push({ stage: 'relay', check: (s) => unauthDestination(s, 'reject') });
    }
    steps.push({ stage: 'relay', rules: p(i).smtpd_relay_restrictions });
    steps.push({ stage: 'recipient', rules: p(i).smtpd_recipient_restrictions });
    if (rejectUnlistedRecipient(i))
      steps.push({
        stage: 'recipient',
        check: (s) => unlisted(s, 'recipient'),
        afterDeferral: true,
      });
    return steps;
  };
  const delayed = (i: StageInput): boolean => p(i).smtpd_delay_reject !== false;

  return {
    onConnect: (i) => (delayed(i) ? accepted() : runScopes(deps, i, [clientScope(i)])),
    onHelo: (i) => (delayed(i) ? accepted() : runScopes(deps, i, [heloScope(i)])),
    onMailFrom: (i) => (delayed(i) ? accepted() : runScopes(deps, i, [senderScope(i)])),
    onRcptTo: (i) =>
      isDoubleBounce(i)
        ? accepted()
        : runScopes(
            deps,
            i,
            delayed(i)
              ? [clientScope(i), heloScope(i), senderScope(i), rcptScope(i)]
              : [rcptScope(i)],
          ),
    onData: (i) => runScopes(deps, i, [[{ stage: 'data', rules: p(i).smtpd_data_restrictions }]]),
  };
}

/**
 * $double_bounce_sender@ a local domain is accepted before any restriction, as Postfix does
 * (the queue manager absorbs mail to it).
 */
function isDoubleBounce(input: StageInput): boolean {
  const rcpt = input.facts.recipient ?? '';
  const at = rcpt.lastIndexOf('@');
  if (at <= 0) return false;
  const doubleBounce = globalSetting(input.config.settings, 'double_bounce_sender');
  if (rcpt.slice(0, at).toLowerCase() !== doubleBounce.toLowerCase()) return false;
  return destinationClass(input.config, rcpt) === 'local';
}

function rejectUnlistedRecipient(input: StageInput): boolean {
  return input.policy.smtpd_reject_unlisted_recipient;
}

async function accepted(): Promise<Verdict> {
  return { action: 'accept', effects: [] };
}

/**
 * Postfix's smtpd_check_*() calls in order. A reject ends everything; OK ends its list only.
 * A defer_if_permit is carried to the end of the evaluation (defer_if_permit_client/_helo/
 * _sender in Postfix), so a later hard reject still wins; it is answered before the steps
 * marked afterDeferral (implicit recipient validation). A DISCARD skips every later
 * restriction: in the client, HELO or sender lists it accepts at once (Postfix answers OK
 * before the pending deferral), in the relay/recipient lists the deferral still applies.
 */
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
  if (input.facts.discarded) return { action: 'accept', effects: [] };
  for (const scope of scopes) {
    state.deferIfReject = undefined;
    for (const step of scope) {
      if (step.afterDeferral && state.deferIfPermit) return verdict(state, state.deferIfPermit);
      state.stage = step.stage;
      state.warnIfReject = null;
      const result = step.check
        ? await step.check(state)
        : await evaluateList(state, step.rules ?? []);
      if (result.kind === 'reject') return verdict(state, result.reply);
      // OK (permit) ends this list only; the next list still runs.
      if (isDiscarded(state)) return afterDiscard(state, step.stage);
    }
  }
  if (state.deferIfPermit) return verdict(state, state.deferIfPermit);
  return { action: 'accept', effects: state.effects };
}

function isDiscarded(state: EvalState): boolean {
  return state.effects.some((e) => e.kind === 'discard');
}

/** Nothing runs after a DISCARD; from the delayed client/HELO/sender lists even a pending deferral is skipped. */
function afterDiscard(state: EvalState, stage: RestrictionStage): Verdict {
  const early = stage === 'client' || stage === 'helo' || stage === 'sender';
  if (!early && state.deferIfPermit) return verdict(state, state.deferIfPermit);
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
