// HELO rules (smtpd_helo_restrictions) that need no DNS: check_helo_access,
// reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname. Address literals
// ([192.0.2.1]) are checked as addresses, as Postfix does.
import { isFqdn, isValidHostname } from '@postfleet/maps';
import { checkAccess } from './access-actions.ts';
import { DUNNO, reject, type RuleResult } from './reply.ts';
import type { RuleTable } from './rule.ts';
import type { EvalState } from './state.ts';

/** reject_invalid_hostaddr: "[addr]" must hold a valid IPv4 or IPv6: address. */
export function checkHeloLiteral(state: EvalState, helo: string): RuleResult {
  return isValidHostname(helo)
    ? DUNNO
    : reject(state, {
        code: 501,
        enhanced: '5.5.2',
        text: `<${helo}>: Helo command rejected: invalid ip address`,
      });
}

export const heloRules = {
  check_helo_access: {
    fact: 'helo',
    run: (state, args) =>
      checkAccess(state, args[0], 'helo', (t) => t.lookupDomainName(state.input.facts.helo ?? '')),
  },
  reject_invalid_helo_hostname: {
    fact: 'helo',
    run(state) {
      const helo = state.input.facts.helo ?? '';
      if (helo.startsWith('[')) return checkHeloLiteral(state, helo);
      return isValidHostname(helo)
        ? DUNNO
        : reject(state, {
            code: 501,
            enhanced: '5.5.2',
            text: `<${helo}>: Helo command rejected: Invalid name`,
          });
    },
  },
  reject_non_fqdn_helo_hostname: {
    fact: 'helo',
    run(state) {
      const helo = state.input.facts.helo ?? '';
      if (helo.startsWith('[')) return checkHeloLiteral(state, helo);
      return isFqdn(helo) && isValidHostname(helo)
        ? DUNNO
        : reject(state, {
            code: 504,
            enhanced: '5.5.2',
            text: `<${helo}>: Helo command rejected: need fully-qualified hostname`,
          });
    },
  },
} satisfies RuleTable;
