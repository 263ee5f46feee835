// Relay control (smtpd_relay_restrictions / smtpd_recipient_restrictions):
// permit_mynetworks, permit_sasl_authenticated, permit_auth_destination,
// reject_unauth_destination, defer_unauth_destination, and the guard that keeps
// a configuration without any of them from becoming an open relay.
import { globalSetting } from '@postfleet/config';
import { isAuthDestination } from './domains.ts';
import { inNetworks } from '@postfleet/maps';
import { DUNNO, OK, reject, type RuleResult } from './reply.ts';
import type { RuleTable } from './rule.ts';
import type { EvalState } from './state.ts';

/** The one relay-guard rule lives in config (the compiler refuses what fails it). */
export { policyGuardsRelay as hasRelayGuard, RELAY_GUARDS } from '@postfleet/config';

/** reject_unauth_destination: relay_domains_reject_code; defer_unauth_destination: that minus 100. */
export function unauthDestination(state: EvalState, how: 'reject' | 'defer'): RuleResult {
  const rcpt = state.input.facts.recipient ?? '';
  if (isAuthDestination(state.input.config, rcpt)) return DUNNO;
  const rejectCode = globalSetting(state.input.config.settings, 'relay_domains_reject_code');
  const code = how === 'reject' ? rejectCode : rejectCode - 100;
  return reject(state, {
    code,
    enhanced: `${String(code)[0] ?? '4'}.7.1`,
    text: `<${rcpt}>: Relay access denied`,
  });
}

export const relayRules = {
  permit_mynetworks: {
    fact: 'client',
    run(state) {
      const nets = state.deps.tables.networks(state.input.policy.mynetworks ?? []);
      return inNetworks(nets, state.input.facts.client.address) ? OK : DUNNO;
    },
  },
  permit_sasl_authenticated: {
    fact: 'client',
    run: (state) => (state.input.facts.saslUser ? OK : DUNNO),
  },
  permit_auth_destination: {
    fact: 'recipient',
    run: (state) =>
      isAuthDestination(state.input.config, state.input.facts.recipient ?? '') ? OK : DUNNO,
  },
  reject_unauth_destination: {
    fact: 'recipient',
    run: (state) => unauthDestination(state, 'reject'),
  },
  defer_unauth_destination: {
    fact: 'recipient',
    run: (state) => unauthDestination(state, 'defer'),
  },
} satisfies RuleTable;
