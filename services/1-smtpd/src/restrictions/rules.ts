// Every restriction rule Postfleet runs, by Postfix name, gathered from the
// per-concern files (client, HELO, sender/recipient, login, relay, DNS). A Record
// over config's RuleName: the compiler accepts no rule this registry lacks.
import { addressRules } from './rules-address.ts';
import { clientRules } from './rules-client.ts';
import { dnsRules } from './rules-dns.ts';
import { genericRules } from './rules-generic.ts';
import { heloRules } from './rules-helo.ts';
import { loginRules } from './rules-login.ts';
import { relayRules } from './rules-relay.ts';
import type { RestrictionName, RuleName } from '@postfleet/config';
import type { RuleDef } from './rule.ts';

export const RULES: Readonly<Record<RuleName, RuleDef>> = {
  ...genericRules,
  ...clientRules,
  ...heloRules,
  ...addressRules,
  ...loginRules,
  ...relayRules,
  ...dnsRules,
};

/** warn_if_reject is a modifier of the next rule, handled by the evaluator itself. */
export const WARN_IF_REJECT = 'warn_if_reject' satisfies RestrictionName;

export function isKnownRule(name: string): boolean {
  return name === WARN_IF_REJECT || Object.hasOwn(RULES, name);
}
