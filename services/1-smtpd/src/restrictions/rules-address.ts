// Envelope address rules (smtpd_sender_restrictions / smtpd_recipient_restrictions):
// check_sender_access, check_recipient_access, reject_non_fqdn_sender/recipient,
// reject_unlisted_sender/recipient, and the implicit recipient validation.
import { isFqdn } from '@postfleet/maps';
import { checkAccess } from './access-actions.ts';
import { checkRecipientMaps, unlistedTable } from '@postfleet/addressing';
import { destinationClass, domainOf, qualifiedAddress } from './domains.ts';
import { DUNNO, reject, type RuleResult } from './reply.ts';
import type { RuleTable } from './rule.ts';
import type { EvalState } from './state.ts';

type Role = 'sender' | 'recipient';

function addressOf(state: EvalState, role: Role): string {
  return (role === 'sender' ? state.input.facts.sender : state.input.facts.recipient) ?? '';
}

const CLASS: Record<Role, string> = { sender: 'Sender address', recipient: 'Recipient address' };

function nonFqdn(state: EvalState, role: Role): RuleResult {
  const addr = addressOf(state, role);
  if (addr === '') return DUNNO;
  const domain = domainOf(addr);
  if (domain.startsWith('[') && domain.endsWith(']')) return DUNNO;
  if (domain !== '' && isFqdn(domain)) return DUNNO;
  return reject(state, {
    code: 504,
    enhanced: '5.5.2',
    text: `<${addr}>: ${CLASS[role]} rejected: need fully-qualified address`,
  });
}

/**
 * Postfix check_rcpt_maps: an address no user, alias, virtual alias or canonical entry
 * lists in a local or virtual domain is 550 (5.1.1 recipient, 5.1.0 sender).
 */
export function unlisted(state: EvalState, role: Role): RuleResult {
  const addr = addressOf(state, role);
  if (addr === '') return DUNNO;
  const cls = destinationClass(state.input.config, addr);
  if (cls !== 'local' && cls !== 'virtual' && cls !== 'alias') return DUNNO;
  if (
    checkRecipientMaps(state.input.config, qualifiedAddress(state.input.config, addr)) !==
    'unlisted'
  )
    return DUNNO;
  const table = unlistedTable(cls);
  return reject(state, {
    code: 550,
    enhanced: role === 'sender' ? '5.1.0' : '5.1.1',
    text: `<${addr}>: ${CLASS[role]} rejected: User unknown in ${table}`,
  });
}

export const addressRules = {
  check_sender_access: {
    fact: 'sender',
    run: (state, args) =>
      checkAccess(state, args[0], 'sender', (t) => t.lookupAddress(addressOf(state, 'sender'))),
  },
  check_recipient_access: {
    fact: 'recipient',
    run: (state, args) =>
      checkAccess(state, args[0], 'recipient', (t) =>
        t.lookupAddress(addressOf(state, 'recipient')),
      ),
  },
  reject_non_fqdn_sender: { fact: 'sender', run: (state) => nonFqdn(state, 'sender') },
  reject_non_fqdn_recipient: { fact: 'recipient', run: (state) => nonFqdn(state, 'recipient') },
  reject_unlisted_sender: { fact: 'sender', run: (state) => unlisted(state, 'sender') },
  reject_unlisted_recipient: { fact: 'recipient', run: (state) => unlisted(state, 'recipient') },
} satisfies RuleTable;
