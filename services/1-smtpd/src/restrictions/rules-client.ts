// Client rules (smtpd_client_restrictions): check_client_access and the
// hostname tests that read the session's PTR / forward-confirmed facts.
import { checkAccess } from './access-actions.ts';
import { DUNNO, reject } from './reply.ts';
import type { RuleTable } from './rule.ts';
import type { EvalState } from './state.ts';

/** unknown_client_reject_code for a permanent failure; a lookup tempfail is always 450. */
function unknownClient(state: EvalState, what: string): ReturnType<typeof reject> {
  const c = state.input.facts.client;
  const code = c.namesTempfail ? 450 : state.input.policy.unknown_client_reject_code;
  return reject(state, {
    code,
    enhanced: `${String(code)[0]}.7.25`,
    text: `Client host rejected: cannot find your ${what}, [${c.address}]`,
  });
}

export const clientRules = {
  check_client_access: {
    fact: 'client',
    run: (state, args) =>
      checkAccess(state, args[0], 'client', (t) =>
        t.lookupClient(state.input.facts.client.hostname, state.input.facts.client.address),
      ),
  },
  reject_unknown_client_hostname: {
    fact: 'client',
    run(state) {
      const c = state.input.facts.client;
      return c.hostname === 'unknown' || c.hostname === ''
        ? unknownClient(state, 'hostname')
        : DUNNO;
    },
  },
  reject_unknown_reverse_client_hostname: {
    fact: 'client',
    run(state) {
      const c = state.input.facts.client;
      return c.reverseHostname === 'unknown' || c.reverseHostname === ''
        ? unknownClient(state, 'reverse hostname')
        : DUNNO;
    },
  },
} satisfies RuleTable;
