// Every restriction rule Postfleet runs, by Postfix name, gathered from the
// per-concern files (client, HELO, sender/recipient, login, relay, DNS).
import { addressRules } from './rules-address.ts';
import { clientRules } from './rules-client.ts';
import { dnsRules } from './rules-dns.ts';
import { genericRules } from './rules-generic.ts';
import { heloRules } from './rules-helo.ts';
import { loginRules } from './rules-login.ts';
import { relayRules } from './rules-relay.ts';
import type { RuleTable } from './rule.ts';

export const RULES: RuleTable = {
  ...genericRules,
  ...clientRules,
  ...heloRules,
  ...addressRules,
  ...loginRules,
  ...relayRules,
  ...dnsRules,
};

/** warn_if_reject is a modifier of the next rule, handled by the evaluator itself. */
export const WARN_IF_REJECT = 'warn_if_reject';

export function isKnownRule(name: string): boolean {
  return name === WARN_IF_REJECT || Object.hasOwn(RULES, name);
}
